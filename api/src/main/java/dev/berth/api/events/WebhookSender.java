package dev.berth.api.events;

import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.outbound.RepositoryUrlRefusedException;
import dev.berth.observability.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.BasicHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * POSTs one signed event to one endpoint URL. Every attempt checks the URL against the
 * {@link RepositoryUrlPolicy} first (form, then every address the host resolves to, now) and then
 * connects only to the addresses that check approved: the client's DNS is pinned to them, so a
 * name that resolves differently a moment later (DNS rebinding) is never dialled. No proxy, no
 * redirects (a 3xx is a failed attempt), no retries inside an attempt; connecting, each read and
 * the whole attempt are time-bounded; at most {@link #EXCERPT_BYTES} bytes of the answer are read.
 * Thread-safe.
 */
public final class WebhookSender implements AutoCloseable {
    /** The most of an answer that is read (and then cut to {@link #EXCERPT_CHARACTERS} characters for storage). */
    static final int EXCERPT_BYTES = 4096;
    static final int EXCERPT_CHARACTERS = 1000;

    private final RepositoryUrlPolicy policy;
    private final SSLContext tls;
    private final Duration connectTimeout;
    private final Duration attemptTimeout;
    private final String userAgent;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("webhook-deadline"));

    /**
     * @param tls            trusted certificates for https endpoints (the JDK's in production)
     * @param connectTimeout bound on opening the connection
     * @param attemptTimeout bound on the whole attempt, from connecting to reading the excerpt
     */
    public WebhookSender(RepositoryUrlPolicy policy, SSLContext tls, Duration connectTimeout, Duration attemptTimeout, String userAgent) {
        this.policy = policy;
        this.tls = tls;
        this.connectTimeout = connectTimeout;
        this.attemptTimeout = attemptTimeout;
        this.userAgent = userAgent;
    }

    /** What one attempt led to. {@code status} is 0 when no answer came (refused, unreachable, timed out). */
    public record Outcome(int status, String excerpt, String error) {
        public boolean succeeded() {
            return status >= 200 && status < 300;
        }
    }

    /**
     * Checks {@code url} and, if it passes, POSTs {@code body} as JSON with {@code headers}.
     * Never throws for a failure of the endpoint: the outcome says what happened.
     */
    public Outcome send(String url, Map<String, String> headers, byte[] body) {
        RepositoryUrlPolicy.CheckedUrl checked;
        try {
            checked = policy.check(url);
        } catch (RepositoryUrlRefusedException refused) {
            return new Outcome(0, null, "refused before connecting: " + refused.getMessage());
        }
        BasicHttpClientConnectionManager connections = BasicHttpClientConnectionManager.create(DefaultSchemePortResolver.INSTANCE,
                new PinnedDns(checked), RegistryBuilder.<TlsSocketStrategy>create().register("https", new DefaultClientTlsStrategy(tls)).build(),
                null);
        connections.setConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.of(connectTimeout))
                .setSocketTimeout(Timeout.of(attemptTimeout)).build());
        HttpPost post = new HttpPost(checked.uri());
        headers.forEach(post::setHeader);
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        ScheduledFuture<?> deadline = watchdog.schedule(post::cancel, attemptTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try (CloseableHttpClient client = HttpClients.custom()
                .setConnectionManager(connections)
                .setRoutePlanner(new DefaultRoutePlanner(DefaultSchemePortResolver.INSTANCE))
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .setUserAgent(userAgent)
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(attemptTimeout)).build())
                .build();
             CloseableHttpResponse response = client.execute(post)) {
            String excerpt = response.getEntity() == null ? null : excerpt(response.getEntity().getContent());
            int status = response.getCode();
            String error = status >= 200 && status < 300 ? null
                    : status >= 300 && status < 400 ? "the endpoint answered a redirect (" + status + "), which is not followed" : "the endpoint answered " + status;
            return new Outcome(status, excerpt, error);
        } catch (IOException | RuntimeException failure) {
            String reason = post.isCancelled() ? "no answer within " + attemptTimeout.toSeconds() + " s" : describe(failure);
            return new Outcome(0, null, reason);
        } finally {
            deadline.cancel(false);
            connections.close();
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }

    private static String describe(Exception failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return ("could not deliver: " + message).replaceAll("[\\p{Cntrl}]", " ");
    }

    /** At most {@link #EXCERPT_BYTES} bytes, decoded leniently, control characters blanked, cut to {@link #EXCERPT_CHARACTERS}. */
    static String excerpt(InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(EXCERPT_BYTES);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        CharBuffer text = CharBuffer.allocate(bytes.length);
        decoder.decode(ByteBuffer.wrap(bytes), text, false);
        text.flip();
        String cleaned = text.toString().replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", "\uFFFD");
        return cleaned.length() > EXCERPT_CHARACTERS ? cleaned.substring(0, EXCERPT_CHARACTERS) : cleaned;
    }

    /** DNS that answers only the checked host, with only the checked addresses. */
    private record PinnedDns(RepositoryUrlPolicy.CheckedUrl checked) implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            String expected = checked.host().replaceAll("^\\[|\\]$", "");
            if (!host.toLowerCase(Locale.ROOT).replaceAll("^\\[|\\]$", "").equals(expected)) {
                throw new UnknownHostException("refusing to resolve " + host + ": only " + expected + " was checked");
            }
            return checked.addresses().toArray(InetAddress[]::new);
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }
}
