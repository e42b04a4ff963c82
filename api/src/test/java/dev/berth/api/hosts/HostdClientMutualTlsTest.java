package dev.berth.api.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.pki.Pki;
import dev.berth.hostd.server.MutualTlsServer;
import dev.berth.hostprotocol.WireSamples;
import dev.berth.hostprotocol.tls.MutualTls;
import io.dropwizard.jackson.Jackson;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
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
    private MutualTlsServer server;

    @BeforeEach
    void start() throws Exception {
        Pki pki = new Pki(platform, PASSWORD, Clock.systemUTC());
        pki.createCa("Berth platform CA");
        pki.issueNode("node1", List.of("127.0.0.1"), List.of());
        pki.issueClient("api");
        new Pki(foreign, PASSWORD, Clock.systemUTC()).createCa("Someone else's CA");
        server = new MutualTlsServer(platform.resolve("node-node1.p12"), platform.resolve(Pki.TRUST_STORE), PASSWORD,
                WireSamples.golden("host-report"));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private SSLContext context(Path trustStore) throws Exception {
        return MutualTls.context(platform.resolve("client-api.p12"), PASSWORD, trustStore, PASSWORD);
    }

    private HostdClient client(String host, Path trustStore) throws Exception {
        return new HostdClient(URI.create("https://" + host + ":" + server.port()), context(trustStore), Jackson.newObjectMapper(),
                Duration.ofSeconds(5));
    }

    @Test
    void theApisCertificateGetsTheNodesReport() throws Exception {
        try (HostdClient client = client("127.0.0.1", platform.resolve(Pki.TRUST_STORE))) {
            assertThat(client.report()).isEqualTo(WireSamples.HOST_REPORT);
        }
        assertThat(server.requests()).isEqualTo(1);
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
        assertThat(server.requests()).isEqualTo(0);
    }

    @Test
    void onlyAnHttpsUrlWithoutAPathIsAccepted() {
        for (String url : List.of("http://127.0.0.1:8443", "https://127.0.0.1:8443/v1", "https://127.0.0.1:8443/?x=1")) {
            assertThatThrownBy(() -> new HostdClient(URI.create(url), context(platform.resolve(Pki.TRUST_STORE)),
                    Jackson.newObjectMapper(), Duration.ofSeconds(1))).as(url).hasMessageContaining("https://HOST[:PORT]");
        }
    }
}
