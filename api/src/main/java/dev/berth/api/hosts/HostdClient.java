package dev.berth.api.hosts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.AccessLogEntry;
import dev.berth.hostprotocol.AccessLogPage;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.HostReport;
import dev.berth.hostprotocol.Problem;
import dev.berth.hostprotocol.RequestCounter;
import dev.berth.hostprotocol.SiteObservation;
import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpDelete;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.ssl.TLS;
import org.apache.hc.core5.util.Timeout;

/**
 * {@link SiteHost} backed by a berth-hostd reached over its Unix-domain socket or, on another
 * machine, over its mutual-TLS listener (Apache HttpClient 5.6, HTTP/1.1, the JSON records of
 * host-protocol). Thread-safe: one pooled client serves all callers; close it on shutdown.
 *
 * <p>Errors: a refused spec (422) or a stale generation (409) is a non-retryable
 * {@link HostException}; an unreachable socket, a timeout or a 5xx is retryable.
 */
public final class HostdClient implements SiteHost, HostInsights, HostCertificates, AutoCloseable {
    /**
     * A node that does not take a connection within this is as good as down: the reconciler asks the
     * nodes one after the other, and one silent machine must not hold every pass for the whole
     * response timeout.
     */
    private static final Duration MAX_CONNECT = Duration.ofSeconds(3);

    private static final ContentType TAR = ContentType.create("application/x-tar");

    private final String base;
    private final CloseableHttpClient http;
    private final ObjectMapper mapper;
    /** The requests' settings (the socket, the timeout): a build's call keeps the socket and waits longer. */
    private final RequestConfig requestConfig;

    /**
     * hostd on its Unix socket, on this machine (the single-node default).
     *
     * @param socket  hostd's socket, e.g. {@code /run/berth-hostd/api/hostd.sock}
     * @param mapper  the application's Jackson mapper (records and java.time supported)
     * @param timeout connect and response timeout of one request
     */
    public HostdClient(Path socket, ObjectMapper mapper, Duration timeout) {
        this("http://hostd", null, Objects.requireNonNull(socket, "socket"), mapper, timeout);
    }

    /**
     * hostd on its mutual-TLS listener: the client presents {@code tls}'s key (the API's certificate
     * of the platform CA) and trusts what {@code tls} trusts (that CA alone); the node's certificate
     * must name the URL's host.
     *
     * @param url e.g. {@code https://node1.example.net:8443}
     */
    public HostdClient(URI url, SSLContext tls, ObjectMapper mapper, Duration timeout) {
        this(https(url), Objects.requireNonNull(tls, "tls"), null, mapper, timeout);
    }

    private HostdClient(String base, SSLContext tls, Path socket, ObjectMapper mapper, Duration timeout) {
        this.base = base;
        // The wire contract refuses what it does not know (host-protocol's README).
        this.mapper = Objects.requireNonNull(mapper, "mapper").copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        Timeout perRequest = Timeout.of(timeout);
        PoolingHttpClientConnectionManagerBuilder connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(timeout.compareTo(MAX_CONNECT) < 0 ? timeout : MAX_CONNECT))
                        .setSocketTimeout(perRequest)
                        .build())
                .setMaxConnTotal(16)
                .setMaxConnPerRoute(16);
        if (tls != null) {
            connections.setTlsSocketStrategy(ClientTlsStrategyBuilder.create().setSslContext(tls).setTlsVersions(TLS.V_1_3).buildClassic());
        }
        RequestConfig.Builder requests = RequestConfig.custom().setResponseTimeout(perRequest);
        if (socket != null) {
            requests.setUnixDomainSocket(socket);
        }
        this.requestConfig = requests.build();
        this.http = HttpClients.custom()
                .setConnectionManager(connections.build())
                .setDefaultRequestConfig(requestConfig)
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .build();
    }

    private static String https(URI url) {
        if (!"https".equals(url.getScheme()) || url.getHost() == null || url.getRawPath() != null && !url.getRawPath().isEmpty()
                && !url.getRawPath().equals("/") || url.getRawQuery() != null) {
            throw new IllegalArgumentException("hostd's URL must be https://HOST[:PORT], got " + url);
        }
        String text = url.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public void apply(SiteSpec spec) throws HostException {
        HttpPut request = new HttpPut(base + "/v1/sites/" + spec.siteId());
        try {
            request.setEntity(new ByteArrayEntity(mapper.writeValueAsBytes(spec), ContentType.APPLICATION_JSON));
        } catch (IOException e) {
            throw new HostException("cannot encode the spec of site " + spec.siteId(), false, e);
        }
        execute(request, "apply site " + spec.siteId());
    }

    @Override
    public void remove(UUID siteId) throws HostException {
        // 204: everything is gone. 202: hostd dropped the spec and its orphan sweep finishes the
        // clean-up on its own; either way the site is removed as far as the API is concerned.
        execute(new HttpDelete(base + "/v1/sites/" + siteId), "remove site " + siteId);
    }

    @Override
    public List<ObservedSite> observe() throws HostException {
        Reply reply = execute(new HttpGet(base + "/v1/sites"), "observe sites");
        try {
            List<SiteObservation> sites = mapper.readValue(reply.body(), new TypeReference<List<SiteObservation>>() { });
            return sites.stream().map(HostdClient::observedSite).toList();
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered an unreadable site list", true, e);
        }
    }

    @Override
    public java.util.Optional<ObservedSite> observe(UUID siteId) throws HostException {
        Reply reply;
        try {
            reply = execute(new HttpGet(base + "/v1/sites/" + siteId), "observe site " + siteId);
        } catch (HostException e) {
            if (e.getMessage().contains("(HTTP 404)")) {
                return java.util.Optional.empty();
            }
            throw e;
        }
        try {
            return java.util.Optional.of(observedSite(mapper.readValue(reply.body(), SiteObservation.class)));
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered an unreadable site", true, e);
        }
    }

    /**
     * Installs a release from a tar stream (optionally gzip-compressed) as an immutable directory of
     * the site; a spec naming it in {@link SiteSpec#release()} then makes it current. Installing an
     * existing release id changes nothing. (Implements {@code SiteHost.installRelease} where the
     * port declares it.)
     *
     * @throws HostException not retryable if hostd refused the archive (unsafe path, link, over a
     *                       limit) or does not hold the site; retryable if hostd is unreachable
     */
    public void installRelease(UUID siteId, String releaseId, InputStream tar) throws HostException {
        HttpPut request = new HttpPut(base + "/v1/sites/" + siteId + "/releases/" + releaseId);
        request.setEntity(new InputStreamEntity(tar, -1, TAR));
        execute(request, "install release " + releaseId + " of site " + siteId);
    }

    @Override
    public java.util.Optional<CertificateState> certificate(UUID siteId) throws HostException {
        Reply reply;
        try {
            reply = execute(new HttpGet(base + "/v1/sites/" + siteId + "/certificate"), "read the certificate of site " + siteId);
        } catch (HostException e) {
            if (e.getMessage().contains("(HTTP 404)")) {
                // An older hostd without the endpoint, or one that does not hold the site yet.
                return java.util.Optional.empty();
            }
            throw e;
        }
        try {
            List<CertificateState> states = mapper.readValue(reply.body(), new TypeReference<List<CertificateState>>() { });
            return states.stream().findFirst();
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered an unreadable certificate state", true, e);
        }
    }

    @Override
    public List<CertificateState> certificates() throws HostException {
        Reply reply = execute(new HttpGet(base + "/v1/acme/certificates"), "list the certificates it wants");
        try {
            return mapper.readValue(reply.body(), new TypeReference<List<CertificateState>>() { });
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered unreadable certificate states", true, e);
        }
    }

    @Override
    public dev.berth.hostprotocol.PendingOrder openOrder(List<String> domains) throws HostException {
        org.apache.hc.client5.http.classic.methods.HttpPost request =
                new org.apache.hc.client5.http.classic.methods.HttpPost(base + "/v1/acme/orders");
        request.setEntity(json(new dev.berth.hostprotocol.CertificateOrder(domains)));
        request.setConfig(RequestConfig.copy(requestConfig).setResponseTimeout(Timeout.ofMinutes(2)).build());
        return read(execute(request, "open an ACME order for " + domains), dev.berth.hostprotocol.PendingOrder.class, "order");
    }

    @Override
    public dev.berth.hostprotocol.CertificateBundle finishOrder(String orderId) throws HostException {
        org.apache.hc.client5.http.classic.methods.HttpPost request =
                new org.apache.hc.client5.http.classic.methods.HttpPost(base + "/v1/acme/orders/" + pathSegment(orderId) + "/certificate");
        // The CA validates, then signs: hostd waits up to its ACME timeout for each.
        request.setConfig(RequestConfig.copy(requestConfig).setResponseTimeout(Timeout.ofMinutes(10)).build());
        return read(execute(request, "finish ACME order " + orderId), dev.berth.hostprotocol.CertificateBundle.class, "certificate");
    }

    @Override
    public void serveChallenge(dev.berth.hostprotocol.AcmeChallenge challenge) throws HostException {
        HttpPut request = new HttpPut(base + "/v1/acme/challenges/" + pathSegment(challenge.token()));
        request.setEntity(json(challenge));
        execute(request, "serve an ACME challenge");
    }

    @Override
    public void dropChallenge(String token) throws HostException {
        execute(new HttpDelete(base + "/v1/acme/challenges/" + pathSegment(token)), "drop an ACME challenge");
    }

    @Override
    public CertificateState install(String name, dev.berth.hostprotocol.CertificateBundle bundle) throws HostException {
        HttpPut request = new HttpPut(base + "/v1/certificates/" + pathSegment(name));
        request.setEntity(json(bundle));
        return read(execute(request, "install certificate " + name), CertificateState.class, "certificate state");
    }

    @Override
    public void revoke(dev.berth.hostprotocol.CertificateBundle certificate) throws HostException {
        org.apache.hc.client5.http.classic.methods.HttpPost request =
                new org.apache.hc.client5.http.classic.methods.HttpPost(base + "/v1/acme/revocations");
        request.setEntity(json(certificate));
        request.setConfig(RequestConfig.copy(requestConfig).setResponseTimeout(Timeout.ofMinutes(2)).build());
        execute(request, "revoke a certificate of " + certificate.domains());
    }

    private ByteArrayEntity json(Object value) throws HostException {
        try {
            return new ByteArrayEntity(mapper.writeValueAsBytes(value), ContentType.APPLICATION_JSON);
        } catch (IOException e) {
            throw new HostException("cannot encode a request to hostd", false, e);
        }
    }

    private <T> T read(Reply reply, Class<T> type, String what) throws HostException {
        try {
            return mapper.readValue(reply.body(), type);
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered an unreadable " + what, true, e);
        }
    }

    private static String pathSegment(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public Map<UUID, Long> requestCounters() throws HostException {
        Reply reply = execute(new HttpGet(base + "/v1/usage/requests"), "read request counters");
        try {
            List<RequestCounter> counters = mapper.readValue(reply.body(), new TypeReference<List<RequestCounter>>() { });
            Map<UUID, Long> bySite = new java.util.HashMap<>();
            counters.forEach(counter -> bySite.put(counter.siteId(), counter.requests()));
            return bySite;
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered unreadable request counters", true, e);
        }
    }

    @Override
    public List<AccessLogEntry> accessLog(UUID siteId, int lines) throws HostException {
        Reply reply;
        try {
            reply = execute(new HttpGet(base + "/v1/sites/" + siteId + "/access-log?lines=" + lines), "read the access log of site " + siteId);
        } catch (HostException e) {
            if (e.getMessage().contains("(HTTP 404)")) {
                return List.of(); // hostd does not hold the site (yet): it served nothing
            }
            throw e;
        }
        try {
            return mapper.readValue(reply.body(), AccessLogPage.class).entries();
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered an unreadable access log", true, e);
        }
    }

    @Override
    public AccessLogStream accessLogRange(UUID siteId, java.time.Instant from, java.time.Instant to, int limit) throws HostException {
        HttpGet request = new HttpGet(base + "/v1/sites/" + siteId + "/access-log/range?from=" + from + "&to=" + to + "&limit=" + limit);
        tag(request);
        String what = "read the access log of site " + siteId;
        org.apache.hc.core5.http.ClassicHttpResponse response;
        try {
            response = http.executeOpen(null, request, null);
        } catch (IOException e) {
            throw new HostException("cannot " + what + ": hostd unreachable (" + e + ")", true, e);
        }
        try {
            int status = response.getCode();
            if (status == 404) {
                response.close();
                return AccessLogStream.EMPTY; // hostd does not hold the site (yet): it served nothing
            }
            if (status < 200 || status >= 300) {
                byte[] body = response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity());
                response.close();
                throw new HostException("hostd refused to " + what + " (HTTP " + status + "): " + problemDetail(body), status >= 500);
            }
            java.io.BufferedReader lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(response.getEntity().getContent(), StandardCharsets.UTF_8));
            return new AccessLogStream() {
                @Override
                public AccessLogEntry next() throws IOException {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (!line.isBlank()) {
                            return mapper.readValue(line, AccessLogEntry.class);
                        }
                    }
                    return null;
                }

                @Override
                public void close() throws IOException {
                    response.close();
                }
            };
        } catch (IOException e) {
            try {
                response.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw new HostException("cannot " + what + ": " + e, true, e);
        }
    }

    @Override
    public HostReport report() throws HostException {
        Reply reply = execute(new HttpGet(base + "/v1/host"), "read host status");
        try {
            return mapper.readValue(reply.body(), HostReport.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new HostException("hostd answered unreadable host status", true, e);
        }
    }

    private record Reply(int status, byte[] body) {
    }

    @Override
    public BuildRun.Outcome build(UUID siteId, BuildRun run, InputStream sources, java.util.function.Consumer<String> log)
            throws HostException {
        String query = "command=" + java.net.URLEncoder.encode(run.command(), StandardCharsets.UTF_8)
                + "&output=" + java.net.URLEncoder.encode(run.outputDirectory(), StandardCharsets.UTF_8)
                + "&cpuMillicores=" + run.cpuMillicores() + "&memoryMib=" + run.memoryMib() + "&pids=" + run.pids()
                + "&timeoutSeconds=" + run.timeoutSeconds() + "&maxMib=" + run.diskMib();
        org.apache.hc.client5.http.classic.methods.HttpPost request =
                new org.apache.hc.client5.http.classic.methods.HttpPost(base + "/v1/sites/" + siteId + "/builds?" + query);
        request.setEntity(new InputStreamEntity(sources, -1, TAR));
        // Uncompressed, so that each line arrives when hostd flushes it (a compressed answer waits for a full block).
        request.setHeader("Accept-Encoding", "identity");
        // A build may print nothing for a while: the call waits as long as the build may run, and a minute more.
        request.setConfig(RequestConfig.copy(requestConfig).setResponseTimeout(Timeout.ofSeconds(run.timeoutSeconds() + 60L)).build());
        tag(request);
        String what = "build site " + siteId;
        try {
            return http.execute(request, response -> {
                int status = response.getCode();
                if (status < 200 || status >= 300) {
                    byte[] body = response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity());
                    return new BuildRun.Outcome(false, null, "hostd refused to " + what + " (HTTP " + status + "): " + problemDetail(body));
                }
                java.io.BufferedReader lines = new java.io.BufferedReader(
                        new java.io.InputStreamReader(response.getEntity().getContent(), StandardCharsets.UTF_8));
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    com.fasterxml.jackson.databind.JsonNode item = mapper.readTree(line);
                    if (item.has("log")) {
                        log.accept(item.path("log").asText());
                    } else if (item.has("result")) {
                        return new BuildRun.Outcome("succeeded".equals(item.path("result").asText()),
                                item.path("build").isTextual() ? item.path("build").asText() : null,
                                item.path("error").isTextual() ? item.path("error").asText() : null);
                    }
                }
                return new BuildRun.Outcome(false, null, "hostd ended the build's answer without a result");
            });
        } catch (IOException e) {
            throw new HostException("cannot " + what + ": hostd unreachable or gone mid-build (" + e + ")", true, e);
        }
    }

    @Override
    public void readBuildOutput(UUID siteId, String buildId, String outputDirectory, OutputReader reader) throws HostException, IOException {
        HttpGet request = new HttpGet(base + "/v1/sites/" + siteId + "/builds/" + buildId + "/output?output="
                + java.net.URLEncoder.encode(outputDirectory, StandardCharsets.UTF_8));
        tag(request);
        String what = "read the output of build " + buildId;
        Boolean read;
        try {
            read = http.execute(request, response -> {
                if (response.getCode() != 200) {
                    EntityUtils.consume(response.getEntity());
                    return false;
                }
                reader.read(response.getEntity().getContent());
                return true;
            });
        } catch (IOException e) {
            throw new HostException("cannot " + what + ": " + e, true, e);
        }
        if (!read) {
            throw new HostException("cannot " + what + ": hostd no longer holds it", true);
        }
    }

    @Override
    public void dropBuild(UUID siteId, String buildId) {
        try {
            execute(new HttpDelete(base + "/v1/sites/" + siteId + "/builds/" + buildId), "drop build " + buildId);
        } catch (HostException e) {
            org.slf4j.LoggerFactory.getLogger(HostdClient.class).warn("{} (hostd drops it after a while)", e.getMessage());
        }
    }

    /** hostd logs its part of an API request under the same id. */
    private static void tag(HttpUriRequestBase request) {
        String requestId = dev.berth.observability.RequestIds.current();
        if (requestId != null) {
            request.setHeader(dev.berth.observability.RequestIds.HEADER, requestId);
        }
    }

    private Reply execute(HttpUriRequestBase request, String what) throws HostException {
        tag(request);
        Reply reply;
        try {
            reply = http.execute(request, response -> new Reply(response.getCode(),
                    response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity())));
        } catch (IOException e) {
            throw new HostException("cannot " + what + ": hostd unreachable (" + e.toString() + ")", true, e);
        }
        int status = reply.status();
        if (status >= 200 && status < 300) {
            return reply;
        }
        String detail = problemDetail(reply.body());
        boolean retryable = status >= 500 || status == 429;
        throw new HostException("hostd refused to " + what + " (HTTP " + status + "): " + detail, retryable);
    }

    private String problemDetail(byte[] body) {
        try {
            Problem problem = mapper.readValue(body, Problem.class);
            if (problem.detail() != null) {
                return problem.detail();
            }
        } catch (IOException ignored) {
            // not a problem document; fall through to the raw text
        }
        String text = new String(body, StandardCharsets.UTF_8);
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    @Override
    public void close() throws IOException {
        http.close();
    }

    /** hostd's content error when the spec's release is not in its release store (hostd's {@code ReleaseStore.ensure}). */
    private static final java.util.regex.Pattern NOT_INSTALLED = java.util.regex.Pattern.compile(
            "release ([A-Za-z0-9][A-Za-z0-9._-]{0,63}) is not installed");

    /** What the API's reconciler needs of hostd's observation: the state, the figures and what a failure means. */
    static ObservedSite observedSite(SiteObservation site) {
        Map<SitePart, String> errors = site.errors();
        HostFault fault = errors.isEmpty() ? null : HostFault.ofParts(errors.keySet().stream().map(SitePart::wireName).toList());
        return new ObservedSite(site.siteId(), ObservedSite.State.valueOf(site.state().name()), site.appliedGeneration(),
                site.lastError(), site.memoryBytes(), site.cpuUsageNanos(), site.pids(), fault, missingRelease(site));
    }

    private static String missingRelease(SiteObservation site) {
        String content = site.errors().get(SitePart.CONTENT);
        if (content == null) {
            return null;
        }
        java.util.regex.Matcher matcher = NOT_INSTALLED.matcher(content);
        return matcher.find() && matcher.group(1).equals(site.release()) ? site.release() : null;
    }
}
