package dev.berth.api.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.AccessLogEntry;
import dev.berth.hostprotocol.HostReport;
import dev.berth.hostprotocol.RequestCounter;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.WireSamples;
import io.dropwizard.jackson.Jackson;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HostdClient against a tiny HTTP server on a real Unix-domain socket (no hostd, no root). */
class HostdClientTest {
    private static final ObjectMapper MAPPER = Jackson.newObjectMapper();

    record Seen(String method, String path, String contentType, byte[] body, String requestId) {
    }

    record Canned(int status, String body) {
    }

    @TempDir
    Path directory;
    private ServerSocketChannel server;
    private Thread acceptor;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, Canned> answers = new ConcurrentHashMap<>();
    private HostdClient client;

    @BeforeEach
    void startServer() throws IOException {
        Path socket = directory.resolve("hostd.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::serve, "fake-hostd");
        acceptor.setDaemon(true);
        acceptor.start();
        client = new HostdClient(socket, MAPPER, Duration.ofSeconds(5));
    }

    @AfterEach
    void stopServer() throws IOException {
        client.close();
        server.close();
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel channel = server.accept()) {
                InputStream in = Channels.newInputStream(channel);
                OutputStream out = Channels.newOutputStream(channel);
                String requestLine = line(in);
                String contentType = null;
                String requestId = null;
                int length = -1;
                boolean chunked = false;
                for (String header = line(in); !header.isEmpty(); header = line(in)) {
                    String lower = header.toLowerCase();
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(header.substring(15).trim());
                    } else if (lower.startsWith("content-type:")) {
                        contentType = header.substring(13).trim();
                    } else if (lower.startsWith("x-request-id:")) {
                        requestId = header.substring(13).trim();
                    } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                        chunked = true;
                    }
                }
                byte[] body = chunked ? readChunked(in) : length > 0 ? in.readNBytes(length) : new byte[0];
                String[] parts = requestLine.split(" ");
                seen.add(new Seen(parts[0], parts[1], contentType, body, requestId));
                Canned canned = answers.getOrDefault(parts[0] + " " + parts[1], new Canned(404, "{\"detail\":\"nothing here\"}"));
                byte[] payload = canned.body().getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 " + canned.status() + " X\r\nContent-Type: application/json\r\nContent-Length: "
                        + payload.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int read;
        while ((read = in.read()) != -1 && read != '\n') {
            if (read != '\r') {
                bytes.write(read);
            }
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
            if (size == 0) {
                line(in);
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            line(in);
        }
    }

    private static SiteSpec spec(UUID siteId) {
        return new SiteSpec(siteId, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), "10.1.1.5", "fd00:b5e7:1::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 3);
    }

    @Test
    void applySendsTheWholeSpecAsJsonToItsSitePath() throws Exception {
        UUID siteId = UUID.randomUUID();
        answers.put("PUT /v1/sites/" + siteId, new Canned(202, "{}"));
        client.apply(spec(siteId));
        Seen request = seen.get(0);
        assertThat(request.method()).isEqualTo("PUT");
        assertThat(request.contentType()).startsWith("application/json");
        var json = MAPPER.readTree(request.body());
        assertThat(json.path("siteId").asText()).isEqualTo(siteId.toString());
        assertThat(json.path("siteLimits").path("memoryMib").asInt()).isEqualTo(64);
        assertThat(json.path("generation").asLong()).isEqualTo(3);
        assertThat(json.path("running").asBoolean()).isTrue();
    }

    @Test
    void aRefusedSpecIsNotRetryableAndCarriesHostdsDetail() {
        UUID siteId = UUID.randomUUID();
        answers.put("PUT /v1/sites/" + siteId, new Canned(422, "{\"detail\":\"ipv4 10.1.1.5 is already used by another site\"}"));
        assertThatThrownBy(() -> client.apply(spec(siteId)))
                .isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("already used by another site");
    }

    @Test
    void aServerErrorIsRetryable() {
        UUID siteId = UUID.randomUUID();
        answers.put("DELETE /v1/sites/" + siteId, new Canned(500, "{\"detail\":\"boom\"}"));
        assertThatThrownBy(() -> client.remove(siteId))
                .isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void anUnreachableSocketIsRetryable() throws IOException {
        server.close();
        Files.deleteIfExists(directory.resolve("hostd.sock"));
        assertThatThrownBy(() -> client.observe())
                .isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void removeSucceedsWhenTheSiteIsAlreadyGone() throws Exception {
        UUID siteId = UUID.randomUUID();
        answers.put("DELETE /v1/sites/" + siteId, new Canned(204, ""));
        client.remove(siteId);
        assertThat(seen).extracting(Seen::method).containsExactly("DELETE");
    }

    @Test
    void observeMapsHostdStatesAndUsage() throws Exception {
        UUID running = UUID.randomUUID();
        UUID failed = UUID.randomUUID();
        answers.put("GET /v1/sites", new Canned(200, """
                [{"siteId":"%s","name":"a","state":"running","desiredGeneration":4,"appliedGeneration":4,"lastError":null,
                  "errors":{},"memoryBytes":409600,"cpuUsageNanos":123,"pids":1,"restarts":0},
                 {"siteId":"%s","name":"b","state":"failed","appliedGeneration":1,
                  "lastError":"proxy: nginx -t failed: /run/berth/nginx/site.conf:3; runtime: runc run failed",
                  "errors":{"proxy":"nginx -t failed: /run/berth/nginx/site.conf:3","runtime":"runc run failed"},
                  "memoryBytes":-1,"cpuUsageNanos":-1,"pids":-1}]
                """.formatted(running, failed)));
        List<ObservedSite> sites = client.observe();
        assertThat(sites).containsExactly(
                new ObservedSite(running, ObservedSite.State.RUNNING, 4, null, 409600, 123, 1),
                new ObservedSite(failed, ObservedSite.State.FAILED, 1,
                        "proxy: nginx -t failed: /run/berth/nginx/site.conf:3; runtime: runc run failed", -1, -1, -1,
                        dev.berth.api.hosts.HostFault.SERVER));
    }

    @Test
    void observingOneSiteReadsHostdsGoldenObservationAndASiteHostdDoesNotHoldIsEmpty() throws Exception {
        UUID siteId = WireSamples.SITE;
        UUID unknown = UUID.randomUUID();
        answers.put("GET /v1/sites/" + siteId, new Canned(200, WireSamples.golden("site-observation")));
        answers.put("GET /v1/sites/" + unknown, new Canned(404, PROBLEM_404.formatted(unknown)));

        assertThat(client.observe(siteId)).contains(new ObservedSite(siteId, ObservedSite.State.FAILED, 3,
                WireSamples.SITE_OBSERVATION.lastError(), 9_437_184, 1_250_000_000L, 3, HostFault.CONTENT, "r-0003"));
        assertThat(client.observe(unknown)).isEmpty();
        assertThat(seen).extracting(Seen::method).containsExactly("GET", "GET");
    }

    private static final String PROBLEM_404 = """
            {"type":"https://berth.dev/problems/hostd/not-found","title":"No such site","status":404,"detail":"hostd holds no spec for site %s"}
            """;

    @Test
    void aReleaseHostdDoesNotHoldIsReportedAsMissing() throws Exception {
        UUID lost = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        answers.put("GET /v1/sites", new Canned(200, """
                [{"siteId":"%s","state":"failed","appliedGeneration":2,"release":"20261205T080000-1a2b3c4d",
                  "lastError":"content: release 20261205T080000-1a2b3c4d is not installed",
                  "errors":{"content":"release 20261205T080000-1a2b3c4d is not installed"}},
                 {"siteId":"%s","state":"failed","appliedGeneration":2,"release":"r2",
                  "lastError":"content: cannot prepare content: disk full","errors":{"content":"cannot prepare content: disk full"}}]
                """.formatted(lost, other)));
        List<ObservedSite> sites = client.observe();
        assertThat(sites.get(0).missingRelease()).isEqualTo("20261205T080000-1a2b3c4d");
        assertThat(sites.get(0).fault()).isEqualTo(dev.berth.api.hosts.HostFault.CONTENT);
        assertThat(sites.get(1).missingRelease()).isNull();
    }

    @Test
    void installReleaseStreamsTheTarAndARefusedArchiveIsNotRetryable() throws Exception {
        UUID siteId = UUID.randomUUID();
        answers.put("PUT /v1/sites/" + siteId + "/releases/r1", new Canned(201, "{\"installed\":true}"));
        answers.put("PUT /v1/sites/" + siteId + "/releases/bad", new Canned(422,
                "{\"detail\":\"the archive entry ../x escapes the release directory\"}"));
        byte[] archive = "not really a tar".getBytes(StandardCharsets.US_ASCII);
        client.installRelease(siteId, "r1", new ByteArrayInputStream(archive));
        assertThat(seen.get(0).body()).isEqualTo(archive);
        assertThat(seen.get(0).contentType()).startsWith("application/x-tar");
        assertThatThrownBy(() -> client.installRelease(siteId, "bad", new ByteArrayInputStream(archive)))
                .isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("escapes the release directory");
    }

    @Test
    void requestCountersAccessLogAndHostReportAreReadFromHostdsJson() throws Exception {
        UUID siteId = UUID.randomUUID();
        answers.put("GET /v1/usage/requests", new Canned(200, "[{\"siteId\":\"" + siteId + "\",\"requests\":42}]"));
        answers.put("GET /v1/sites/" + siteId + "/access-log?lines=5", new Canned(200, "{\"siteId\":\"" + siteId + "\",\"entries\":["
                + "{\"time\":\"2026-11-29T04:00:01+00:00\",\"host\":\"a.localhost\",\"method\":\"GET\",\"uri\":\"/\","
                + "\"status\":200,\"bytesSent\":12,\"requestSeconds\":0.001}]}"));
        answers.put("GET /v1/host", new Canned(200, "{\"cpus\":2,\"memTotalBytes\":4096,\"memAvailableBytes\":1024,\"sites\":1,"
                + "\"runningSites\":1,\"failedSites\":0,\"runcVersion\":\"runc version 1.1.5\",\"nginxVersion\":\"nginx/1.22.1\","
                + "\"cgroupMode\":\"v1\",\"bridge\":\"berth0\",\"ipv4Forwarding\":\"0\",\"ipv6Forwarding\":\"0\","
                + "\"proxyRunning\":true,\"healthy\":true,\"certificates\":[]}"));
        assertThat(client.requestCounters()).containsEntry(siteId, 42L);
        List<AccessLogEntry> entries = client.accessLog(siteId, 5);
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).status()).isEqualTo(200);
        HostReport report = client.report();
        assertThat(report.runcVersion()).contains("1.1.5");
        assertThat(report.healthy()).isTrue();
        // A site hostd does not hold has served nothing; an unreadable answer is a retryable failure.
        assertThat(client.accessLog(UUID.randomUUID(), 5)).isEmpty();
        answers.put("GET /v1/host", new Canned(200, "not json"));
        assertThatThrownBy(client::report).isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void anAccessLogRangeStreamsHostdsLinesAndARefusalFailsBeforeAnythingIsRead() throws Exception {
        UUID siteId = UUID.randomUUID();
        java.time.Instant from = java.time.Instant.parse("2026-12-04T09:00:00Z");
        java.time.Instant to = java.time.Instant.parse("2026-12-04T10:00:00Z");
        String path = "GET /v1/sites/" + siteId + "/access-log/range?from=" + from + "&to=" + to + "&limit=2";
        answers.put(path, new Canned(200, "{\"time\":\"2026-12-04T09:30:00Z\",\"method\":\"GET\",\"uri\":\"/a\",\"status\":200}\n"
                + "{\"time\":\"2026-12-04T09:31:00Z\",\"method\":\"GET\",\"uri\":\"/b\",\"status\":404}\n"));
        List<String> uris = new java.util.ArrayList<>();
        try (AccessLogStream entries = client.accessLogRange(siteId, from, to, 2)) {
            for (AccessLogEntry entry = entries.next(); entry != null; entry = entries.next()) {
                uris.add(entry.uri() + " " + entry.status());
            }
        }
        assertThat(uris).containsExactly("/a 200", "/b 404");

        answers.put(path, new Canned(422, "{\"detail\":\"to must be after from\"}"));
        assertThatThrownBy(() -> client.accessLogRange(siteId, from, to, 2)).isInstanceOf(HostException.class)
                .hasMessageContaining("to must be after from");
        answers.remove(path);
        try (AccessLogStream unknown = client.accessLogRange(siteId, from, to, 2)) {
            assertThat(unknown.next()).as("hostd holds no such site: it served nothing").isNull();
        }
    }

    @Test
    void applySendsExactlyTheGoldenSpec() throws Exception {
        answers.put("PUT /v1/sites/" + WireSamples.SITE, new Canned(202, WireSamples.golden("site-observation")));
        client.apply(WireSamples.SITE_SPEC);
        assertThat(MAPPER.readTree(seen.get(0).body())).isEqualTo(MAPPER.readTree(WireSamples.golden("site-spec")));
    }

    @Test
    void everyGoldenAnswerOfHostdIsReadAsTheSharedRecord() throws Exception {
        UUID siteId = WireSamples.SITE;
        answers.put("GET /v1/sites", new Canned(200, "[" + WireSamples.golden("site-observation") + "]"));
        answers.put("GET /v1/host", new Canned(200, WireSamples.golden("host-report")));
        answers.put("GET /v1/sites/" + siteId + "/certificate", new Canned(200, "[" + WireSamples.golden("certificate-state") + "]"));
        answers.put("GET /v1/sites/" + siteId + "/access-log?lines=2", new Canned(200, WireSamples.golden("access-log-page")));
        answers.put("GET /v1/usage/requests", new Canned(200, WireSamples.golden("request-counters")));
        answers.put("PUT /v1/sites/" + siteId + "/releases/r-0003", new Canned(201, WireSamples.golden("release-installed")));
        answers.put("DELETE /v1/sites/" + siteId, new Canned(202, WireSamples.golden("removal-pending")));

        assertThat(client.observe()).containsExactly(new ObservedSite(siteId, ObservedSite.State.FAILED, 3,
                WireSamples.SITE_OBSERVATION.lastError(), 9_437_184, 1_250_000_000L, 3, HostFault.CONTENT, "r-0003"));
        assertThat(client.report()).isEqualTo(WireSamples.HOST_REPORT);
        assertThat(client.certificate(siteId)).contains(WireSamples.CERTIFICATE_STATE);
        assertThat(client.accessLog(siteId, 2)).isEqualTo(WireSamples.ACCESS_LOG_PAGE.entries());
        assertThat(client.requestCounters()).containsExactlyInAnyOrderEntriesOf(WireSamples.REQUEST_COUNTERS.stream()
                .collect(java.util.stream.Collectors.toMap(RequestCounter::siteId, RequestCounter::requests)));
        client.installRelease(siteId, "r-0003", new ByteArrayInputStream(new byte[0]));
        client.remove(siteId);
    }

    @Test
    void theCertificateCallsSendAndReadTheGoldenRecords() throws Exception {
        String token = WireSamples.ACME_CHALLENGE.token();
        answers.put("GET /v1/acme/certificates", new Canned(200, "[" + WireSamples.golden("certificate-state") + "]"));
        answers.put("POST /v1/acme/orders", new Canned(200, WireSamples.golden("pending-order")));
        answers.put("POST /v1/acme/orders/o-7f3a9c/certificate", new Canned(200, WireSamples.golden("certificate-bundle")));
        answers.put("PUT /v1/acme/challenges/" + token, new Canned(204, ""));
        answers.put("DELETE /v1/acme/challenges/" + token, new Canned(204, ""));
        answers.put("PUT /v1/certificates/custom.www.alpha.test", new Canned(200, WireSamples.golden("certificate-state")));
        answers.put("POST /v1/acme/revocations", new Canned(204, ""));

        assertThat(client.certificates()).containsExactly(WireSamples.CERTIFICATE_STATE);
        assertThat(client.openOrder(WireSamples.CERTIFICATE_ORDER.domains())).isEqualTo(WireSamples.PENDING_ORDER);
        assertThat(MAPPER.readTree(seen.get(1).body())).isEqualTo(MAPPER.readTree(WireSamples.golden("certificate-order")));
        assertThat(client.finishOrder("o-7f3a9c")).isEqualTo(WireSamples.CERTIFICATE_BUNDLE);
        client.serveChallenge(WireSamples.ACME_CHALLENGE);
        assertThat(MAPPER.readTree(seen.get(3).body())).isEqualTo(MAPPER.readTree(WireSamples.golden("acme-challenge")));
        client.dropChallenge(token);
        assertThat(client.install("custom.www.alpha.test", WireSamples.CERTIFICATE_BUNDLE)).isEqualTo(WireSamples.CERTIFICATE_STATE);
        assertThat(MAPPER.readTree(seen.get(5).body())).isEqualTo(MAPPER.readTree(WireSamples.golden("certificate-bundle")));
        client.revoke(WireSamples.CERTIFICATE_BUNDLE);
        assertThat(MAPPER.readTree(seen.get(6).body())).isEqualTo(MAPPER.readTree(WireSamples.golden("certificate-bundle")));
    }

    @Test
    void hostdsGoldenProblemsAreReadForTheirDetailAndRetryability() {
        UUID siteId = WireSamples.SITE;
        answers.put("PUT /v1/sites/" + siteId, new Canned(422, WireSamples.golden("problem")));
        assertThatThrownBy(() -> client.apply(WireSamples.SITE_SPEC))
                .isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining(WireSamples.PROBLEM.detail());
        answers.put("GET /v1/sites", new Canned(405, WireSamples.golden("http-problem")));
        assertThatThrownBy(() -> client.observe()).hasMessageContaining("HTTP 405 Method Not Allowed");
    }

    @Test
    void anAnswerWithAFieldTheContractDoesNotKnowIsUnreadableNotSilentlyCutShort() {
        answers.put("GET /v1/host", new Canned(200, WireSamples.golden("host-report").replaceFirst("\\{", "{ \"zone\" : \"b\",")));
        assertThatThrownBy(client::report).isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("unreadable host status");
    }

    @Test
    void theRequestIdOfTheApiRequestBeingServedTravelsToHostd() throws Exception {
        UUID siteId = UUID.randomUUID();
        answers.put("PUT /v1/sites/" + siteId, new Canned(202, "{}"));
        client.apply(spec(siteId));
        org.slf4j.MDC.put(dev.berth.observability.RequestIds.MDC_KEY, "3f2a9c00-1111-2222-3333-444455556666");
        try {
            client.apply(spec(siteId));
        } finally {
            org.slf4j.MDC.remove(dev.berth.observability.RequestIds.MDC_KEY);
        }
        assertThat(seen.get(0).requestId()).as("outside a request (the reconciler) there is none").isNull();
        assertThat(seen.get(1).requestId()).isEqualTo("3f2a9c00-1111-2222-3333-444455556666");
    }
}
