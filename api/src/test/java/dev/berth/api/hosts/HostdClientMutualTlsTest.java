package dev.berth.api.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import dev.berth.hostd.pki.Pki;
import dev.berth.hostd.server.MutualTlsConnectorFactory;
import dev.berth.hostprotocol.WireSamples;
import io.dropwizard.jackson.Jackson;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HostdClient over mutual TLS against hostd's own listener ({@code type: mutual-tls}) with
 * certificates from hostd's {@code pki}: the API's client certificate gets the golden report; a node
 * of another CA, or one whose certificate does not name the URL's host, is refused by the client.
 */
class HostdClientMutualTlsTest {
    private static final char[] PASSWORD = "test-store-password".toCharArray();

    @TempDir
    Path platform;
    @TempDir
    Path foreign;
    private final AtomicInteger requests = new AtomicInteger();
    private Server server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Pki pki = new Pki(platform, PASSWORD, Clock.systemUTC());
        pki.createCa("Berth platform CA");
        pki.issueNode("node1", List.of("127.0.0.1"), List.of());
        pki.issueClient("api");
        new Pki(foreign, PASSWORD, Clock.systemUTC()).createCa("Someone else's CA");
        MutualTlsConnectorFactory factory = new MutualTlsConnectorFactory();
        factory.setPort(0);
        factory.setKeyStorePath(platform.resolve("node-node1.p12").toString());
        factory.setKeyStorePassword(new String(PASSWORD));
        factory.setTrustStorePath(platform.resolve(Pki.TRUST_STORE).toString());
        factory.setTrustStorePassword(new String(PASSWORD));
        server = new Server(new QueuedThreadPool(16, 2));
        server.addConnector(factory.build(server, new MetricRegistry(), "mutual-tls", server.getThreadPool()));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                requests.incrementAndGet();
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "application/json");
                response.write(true, BufferUtil.toBuffer(WireSamples.golden("host-report")), callback);
                return true;
            }
        });
        server.start();
        port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private static KeyStore load(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD);
            return store;
        }
    }

    private SSLContext context(Path trustStore) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(platform.resolve("client-api.p12")), PASSWORD);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(trustStore));
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private HostdClient client(String host, Path trustStore) throws Exception {
        return new HostdClient(URI.create("https://" + host + ":" + port), context(trustStore), Jackson.newObjectMapper(),
                Duration.ofSeconds(5));
    }

    @Test
    void theApisCertificateGetsTheNodesReport() throws Exception {
        try (HostdClient client = client("127.0.0.1", platform.resolve(Pki.TRUST_STORE))) {
            assertThat(client.report()).isEqualTo(WireSamples.HOST_REPORT);
        }
        assertThat(requests).hasValue(1);
    }

    @Test
    void aNodeTheClientDoesNotTrustOrWhoseCertificateNamesAnotherHostIsRefusedRetryably() throws Exception {
        try (HostdClient stranger = client("127.0.0.1", foreign.resolve(Pki.TRUST_STORE))) {
            assertThatThrownBy(stranger::report).isInstanceOfSatisfying(HostException.class, e -> assertThat(e.retryable()).isTrue());
        }
        // localhost reaches the same listener, but the node's certificate names node1 and 127.0.0.1 only.
        try (HostdClient misnamed = client("localhost", platform.resolve(Pki.TRUST_STORE))) {
            assertThatThrownBy(misnamed::report).isInstanceOf(HostException.class);
        }
        assertThat(requests).hasValue(0);
    }

    @Test
    void onlyAnHttpsUrlWithoutAPathIsAccepted() {
        for (String url : List.of("http://127.0.0.1:8443", "https://127.0.0.1:8443/v1", "https://127.0.0.1:8443/?x=1")) {
            assertThatThrownBy(() -> new HostdClient(URI.create(url), context(platform.resolve(Pki.TRUST_STORE)),
                    Jackson.newObjectMapper(), Duration.ofSeconds(1))).as(url).hasMessageContaining("https://HOST[:PORT]");
        }
    }
}
