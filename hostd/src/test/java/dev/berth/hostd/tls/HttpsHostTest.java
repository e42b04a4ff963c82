package dev.berth.hostd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.dns.TestDns;
import dev.berth.hostd.exec.ProcessCommandRunner;
import dev.berth.hostd.proxy.HttpsSettings;
import dev.berth.hostd.proxy.NginxProxy;
import dev.berth.hostd.proxy.StandInSite;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.NamedServer;
import dev.berth.testkit.PebbleServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * HTTPS end to end on loopback: a real named, Debian's Pebble, the nginx instance hostd manages and
 * two stand-in site servers (the host's lighttpd on :80 in a network namespace of the test). The platform wildcard is issued through DNS-01,
 * installed with a validated reload and served for both sites; HTTP redirects (except the ACME
 * path); a forced renewal replaces the certificate while a client loop sees no failed request.
 */
@Tag("host")
class HttpsHostTest {
    private static final String NGINX = "/usr/sbin/nginx";

    @Test
    void twoSitesAreServedWithTheWildcardAndAForcedRenewalCausesNoFailedRequest() throws Exception {
        boolean ready = NamedServer.available() && PebbleServer.available() && Files.isExecutable(Path.of(NGINX))
                && "root".equals(System.getProperty("user.name"));
        if (System.getenv("BERTH_REQUIRE_HOST_TESTS") == null) {
            assumeTrue(ready, "root, bind9, pebble and nginx are needed");
        }
        Path root = Files.createTempDirectory("berth-https-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        int httpPort = PebbleServer.freePort();
        int httpsPort = PebbleServer.freePort();
        List<AutoCloseable> cleanUps = new ArrayList<>();
        try {
            NamedServer named = new NamedServer();
            cleanUps.add(0, named);
            named.start();
            PebbleServer pebble = new PebbleServer(named.address(), httpPort, Map.of());
            cleanUps.add(0, pebble);

            // Two stand-in sites on port 80 (what nginx proxies to), each in a network namespace this test
            // creates, reached over its own veth pair and private /30; the host's lighttpd serves
            // SITE/releases/_welcome/ (nginx proxies to the spec's release directory; these specs name no release).
            int subnet = ThreadLocalRandom.current().nextInt(1, 250);
            String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
            List<SiteSpec> sites = new ArrayList<>();
            for (String name : List.of("alpha", "beta")) {
                int index = sites.size();
                String namespace = "bthttps" + tag + index;
                String hostSide = "bth" + tag + index + "a";
                String address = "10.251." + subnet + "." + (4 * index + 2);
                Path content = root.resolve("sites/" + name + "/releases/_welcome");
                Files.createDirectories(content);
                Files.writeString(content.resolve("index.html"), "site " + name + "\n");
                cleanUps.add(0, new StandInSite(namespace, hostSide, "10.251." + subnet + "." + (4 * index + 1), address,
                        root.resolve("sites/" + name), root));
                // alpha also has a custom domain of its own (another zone, pointing at 127.0.0.1): HTTP-01.
                List<String> hostnames = name.equals("alpha") ? List.of("alpha.example.test", "www.custom.test")
                        : List.of(name + ".example.test");
                sites.add(new SiteSpec(UUID.randomUUID(), name, UUID.randomUUID(), hostnames, address,
                        "fd00::5", new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1));
            }

            Path prefix = root.resolve("nginx");
            Certificates[] certificates = new Certificates[1];
            HttpsSettings https = new HttpsSettings(List.of("127.0.0.1:" + httpsPort), 300, root.resolve("acme-challenges"),
                    prefix.resolve("conf/berth-tls"), hostname -> certificates[0] == null ? java.util.Optional.empty() : certificates[0].certificateFor(hostname));
            NginxProxy proxy = new NginxProxy(new ProcessCommandRunner(), NGINX, prefix, true, prefix.resolve("conf/sites"),
                    List.of("127.0.0.1:" + httpPort), "www-data", https, prefix.resolve("admin"), address -> true);
            cleanUps.add(0, proxy::stop);
            proxy.start();
            for (SiteSpec site : sites) {
                proxy.apply(site, true);
            }

            AcmeIssuer issuer = new AcmeIssuer(new AcmeIssuer.Settings(pebble.directoryUrl(), pebble.tlsCaPem,
                    root.resolve("tls/account.key"), null, root.resolve("acme-challenges"), Duration.ofSeconds(60)),
                    TestDns.provider(named, 3));
            ManagedCertificate platform = new ManagedCertificate("platform", List.of("*.example.test", "example.test"),
                    root.resolve("tls"), issuer, proxy::installCertificate, new ObjectMapper().findAndRegisterModules(),
                    Clock.systemUTC(), Duration.ofSeconds(1), Duration.ofSeconds(10), () -> { });
            ManagedCertificate custom = new ManagedCertificate("www.custom.test", List.of("www.custom.test"),
                    root.resolve("tls"), issuer, proxy::installCertificate, new ObjectMapper().findAndRegisterModules(),
                    Clock.systemUTC(), Duration.ofSeconds(1), Duration.ofSeconds(10), () -> { });
            certificates[0] = new Certificates(List.of(platform, custom));

            long start = System.nanoTime();
            CertificateState status = platform.check();
            System.out.println("issue + install (PEBBLE_VA_NOSLEEP=1): " + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertThat(status.state()).as(status.lastError()).isEqualTo("active");
            // HTTP-01: Pebble connects to nginx's HTTP port for www.custom.test, answered from the challenge directory.
            start = System.nanoTime();
            CertificateState customStatus = custom.check();
            System.out.println("custom domain via HTTP-01 (PEBBLE_VA_NOSLEEP=1): " + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertThat(customStatus.state()).as(customStatus.lastError()).isEqualTo("active");
            try (Stream<Path> left = Files.list(root.resolve("acme-challenges"))) {
                assertThat(left).isEmpty();
            }
            for (SiteSpec site : sites) {
                proxy.apply(site, true);
            }

            SSLContext trust = trusting(pebble.issuingRootPem());
            // nginx -s reload only signals the master: wait until it listens on the new TLS port.
            long listening = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("127.0.0.1", httpsPort), 500);
                    break;
                } catch (IOException notYet) {
                    assertThat(System.nanoTime()).as("nginx listens on " + httpsPort).isLessThan(listening);
                    Thread.sleep(50);
                }
            }
            for (SiteSpec site : sites) {
                String host = site.name() + ".example.test";
                Response response = awaitResponse(trust, host, httpsPort, "site " + site.name());
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).contains("site " + site.name())
                        .containsIgnoringCase("strict-transport-security: max-age=300");
                assertThat(response.certificate().getSerialNumber().toString(16)).isEqualTo(status.serialNumber());
                assertThat(curl(pebble, host, httpsPort)).isEqualTo("site " + site.name());

                String plain = plainGet(host, httpPort, "/index.html");
                assertThat(plain).startsWith("HTTP/1.1 301")
                        .contains("Location: https://" + host + ":" + httpsPort + "/index.html");
                assertThat(plainGet(host, httpPort, "/.well-known/acme-challenge/nothing-here")).startsWith("HTTP/1.1 404");
            }

            // A name no certificate covers, and no name at all, get no certificate and no content:
            // the handshake is refused.
            assertRefusedWithoutACertificate(httpsPort, "unknown.test");
            assertRefusedWithoutACertificate(httpsPort, "alpha.example.org");
            assertRefusedWithoutACertificate(httpsPort, null);

            Response customResponse = awaitResponse(trust, "www.custom.test", httpsPort, "site alpha");
            assertThat(customResponse.text()).contains("site alpha");
            assertThat(customResponse.certificate().getSerialNumber().toString(16)).isEqualTo(customStatus.serialNumber());

            // Forced renewal while a client keeps requesting over new TLS connections.
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread client = new Thread(() -> {
                while (running.get()) {
                    try {
                        Response response = get(trust, "alpha.example.test", httpsPort, "/");
                        if (response.status() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add("status " + response.status());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
            client.start();
            awaitRequests(ok, 5, failures);
            String before = platform.status().serialNumber();
            CertificateState renewed = platform.renew();
            // Requests on fresh connections after the switch, not only across it.
            awaitRequests(ok, ok.get() + 10, failures);
            running.set(false);
            client.join(10_000);
            assertThat(renewed.state()).as(renewed.lastError()).isEqualTo("active");
            assertThat(renewed.serialNumber()).isNotEqualTo(before);
            assertThat(failures).isEmpty();
            assertThat(ok.get()).isGreaterThan(10);
            // A new handshake gets the renewed certificate. (A client resuming a session made before the
            // renewal resumes it with the certificate it was made with, for ssl_session_timeout at most:
            // the session cache is looked up in the default server's context, whose identity does not
            // change with a site's certificate. So each check here is a client without sessions.)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!get(trusting(pebble.issuingRootPem()), "beta.example.test", httpsPort, "/").certificate().getSerialNumber()
                    .toString(16).equals(renewed.serialNumber())) {
                assertThat(System.nanoTime()).as("the renewed certificate is served").isLessThan(deadline);
                Thread.sleep(50);
            }
            System.out.println("requests during forced renewal: " + ok.get() + " ok, " + failures.size() + " failed");
        } finally {
            for (AutoCloseable cleanUp : cleanUps) {
                try {
                    cleanUp.close();
                } catch (Exception e) {
                    System.err.println("clean-up failed: " + e);
                }
            }
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    static void run(String... argv) throws Exception {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + output);
        }
    }

    static void runQuietly(String... argv) {
        try {
            run(argv);
        } catch (Exception ignored) {
            // already gone with its namespace
        }
    }

    /** nginx -s reload is asynchronous: waits until {@code host} answers with {@code expected} in the body. */
    /** Waits until the client loop has {@code count} answered requests (or a failure), at most 10 s. */
    private static void awaitRequests(AtomicInteger ok, int count, List<String> failures) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ok.get() < count && failures.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(failures).isEmpty();
        assertThat(ok.get()).as("requests answered").isGreaterThanOrEqualTo(count);
    }

    static Response awaitResponse(SSLContext trust, String host, int port, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Response last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(trust, host, port, "/");
                if (last.text().contains(expected)) {
                    return last;
                }
            } catch (IOException notYet) {
                // the reload is still opening the port
            }
            Thread.sleep(50);
        }
        throw new AssertionError(host + " did not answer with " + expected + "; last: " + (last == null ? null : last.text()));
    }

    record Response(int status, String text, X509Certificate certificate) {
    }

    static SSLContext trusting(String rootPem) throws Exception {
        return dev.berth.testkit.Trust.of(rootPem);
    }

    /** One HTTPS request to 127.0.0.1 with SNI and hostname verification for {@code host} (like curl --resolve). */
    static Response get(SSLContext trust, String host, int port, String path) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            plain.setSoTimeout(5000);
            try (SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket(plain, host, port, true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(host)));
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                X509Certificate certificate = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int status = Integer.parseInt(text.substring(9, 12));
                return new Response(status, text, certificate);
            }
        }
    }

    /**
     * A TLS client that would accept any certificate, naming {@code sni} (none if null), gets its
     * handshake refused by 127.0.0.1:{@code port} before the server shows a certificate.
     */
    static void assertRefusedWithoutACertificate(int port, String sni) throws Exception {
        List<java.security.cert.X509Certificate[]> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
        javax.net.ssl.X509TrustManager anything = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                shown.add(chain);
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] {anything}, null);
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            plain.setSoTimeout(5000);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
                socket.setSSLParameters(parameters);
                org.assertj.core.api.Assertions.assertThatThrownBy(socket::startHandshake).as("handshake naming " + sni)
                        .isInstanceOf(javax.net.ssl.SSLException.class);
            }
        }
        assertThat(shown).as("certificates shown to a client naming " + sni).isEmpty();
    }

    static String plainGet(String host, int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The acceptance check, literally: curl --cacert ROOT --resolve HOST:PORT:127.0.0.1 https://HOST:PORT/. */
    static String curl(PebbleServer pebble, String host, int port) throws Exception {
        Path rootFile = pebble.directory.resolve("issuing-root.pem");
        Files.writeString(rootFile, pebble.issuingRootPem());
        Process curl = new ProcessBuilder("curl", "-sS", "--fail", "--max-time", "5", "--cacert", rootFile.toString(),
                "--resolve", host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + "/")
                .redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        curl.waitFor(10, TimeUnit.SECONDS);
        return output;
    }
}
