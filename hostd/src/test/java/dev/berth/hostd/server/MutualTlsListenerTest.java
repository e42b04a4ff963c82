package dev.berth.hostd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.pki.Pki;
import dev.berth.hostprotocol.tls.MutualTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hostd's mutual-TLS listener on loopback with certificates from {@code hostd pki}: only a client
 * certificate of the platform CA gets an HTTP request through; everything else is refused in the
 * handshake, and the handler behind it counts no request.
 */
class MutualTlsListenerTest {
    private static final char[] PASSWORD = "test-store-password".toCharArray();

    @TempDir
    Path platform;
    @TempDir
    Path foreign;
    private MutualTlsServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Pki pki = new Pki(platform, PASSWORD, Clock.systemUTC());
        pki.createCa("Berth platform CA");
        pki.issueNode("localhost", List.of("127.0.0.1", "::1"), List.of());
        pki.issueClient("api");
        Pki other = new Pki(foreign, PASSWORD, Clock.systemUTC());
        other.createCa("Someone else's CA");
        other.issueClient("api");
        server = new MutualTlsServer(platform.resolve("node-localhost.p12"), platform.resolve(Pki.TRUST_STORE), PASSWORD, "ok");
        assertThat(server.connector().getHost()).isEqualTo("127.0.0.1");
        port = server.port();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private SSLContext context(Path clientStore) throws Exception {
        return MutualTls.context(clientStore, PASSWORD, platform.resolve(Pki.TRUST_STORE), PASSWORD);
    }

    private HttpResponse<String> get(SSLContext context) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v1/host")).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientCertificateOfThePlatformCaGetsThrough() throws Exception {
        HttpResponse<String> response = get(context(platform.resolve("client-api.p12")));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void withoutAClientCertificateTheHandshakeFailsAndNoRequestIsServed() throws Exception {
        SSLContext anonymous = context(null);
        assertThatThrownBy(() -> get(anonymous)).isInstanceOf(IOException.class);
        assertThat(server.requests()).isEqualTo(0);
    }

    @Test
    void aClientCertificateOfAnotherCaIsRefusedBeforeHttp() throws Exception {
        SSLContext stranger = context(foreign.resolve("client-api.p12"));
        assertThatThrownBy(() -> get(stranger)).isInstanceOf(IOException.class);
        assertThat(server.requests()).isEqualTo(0);
    }

    @Test
    void plainHttpGetsNoHttpAnswer() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /v1/host HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = socket.getInputStream().readNBytes(64);
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
        } catch (java.net.SocketException reset) {
            // Jetty may reset the connection instead of closing it: no HTTP either way.
        }
        assertThat(server.requests()).isEqualTo(0);
    }

    @Test
    void theKeysAreReadableByTheirOwnerOnlyAndTheCaIsNeverReplaced() throws Exception {
        for (String file : List.of("ca.p12", "node-localhost.p12", "client-api.p12")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(platform.resolve(file)))).as(file).isEqualTo("rw-------");
        }
        assertThat(Files.readString(platform.resolve(Pki.CA_CERT))).startsWith("-----BEGIN CERTIFICATE-----");
        assertThatThrownBy(() -> new Pki(platform, PASSWORD, Clock.systemUTC()).createCa("again"))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThatThrownBy(() -> new Pki(platform, PASSWORD, Clock.systemUTC()).issueNode("../x", List.of(), List.of()))
                .hasMessageContaining("DNS name");
    }
}
