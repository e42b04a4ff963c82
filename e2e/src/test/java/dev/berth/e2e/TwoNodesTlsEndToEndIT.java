package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.NamedServer;
import dev.berth.testkit.PebbleServer;
import dev.berth.testkit.Trust;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real hostd nodes with HTTPS ({@link TwoNodes}, both with DNS in one real BIND zone and ACME
 * at a real Pebble on loopback) under one API: the platform wildcard is obtained once, by one node,
 * stored by the API and installed on the other; a site on each node answers over HTTPS with the
 * same certificate, chained to Pebble's root.
 */
class TwoNodesTlsEndToEndIT {
    private static final String ADMIN_EMAIL = "admin@berth.localhost";
    private static final String ADMIN_PASSWORD = "admin-password-for-two-nodes-tls";
    private static final Duration SETTLED = Duration.ofSeconds(120);

    private static NamedServer named;
    private static PebbleServer pebble;
    private static TwoNodes nodes;
    private static int firstHttpsPort;
    private static int secondHttpsPort;

    @BeforeAll
    static void twoNodes() throws Exception {
        String missing = StackProcess.missingPrerequisite();
        if (missing == null && !(NamedServer.available() && PebbleServer.available())) {
            missing = "named (bind9) or pebble is not installed";
        }
        Assumptions.assumeTrue(missing == null || "1".equals(System.getenv("BERTH_REQUIRE_HOST_TESTS")), missing);
        named = new NamedServer();
        named.start();
        int firstProxyPort = PebbleServer.freePort();
        firstHttpsPort = PebbleServer.freePort();
        secondHttpsPort = PebbleServer.freePort();
        pebble = new PebbleServer(named.address(), firstProxyPort, Map.of("PEBBLE_WFE_NONCEREJECT", "0"));
        nodes = TwoNodes.start(StackProcess.builder()
                .name("tls1")
                .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
                .defaultQuota("apiRequestsPerMinute", 100_000)
                .proxyPort(firstProxyPort)
                .dnsAndTls(named, pebble, firstHttpsPort)
                .apiHostSettings("""
                        certificateIntervalMillis: 1000
                        certificateFirstRetrySeconds: 2
                        """), 30, second -> second.dnsAndTls(named, pebble, secondHttpsPort));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (nodes != null) {
                nodes.close();
            }
        } finally {
            try {
                if (pebble != null) {
                    pebble.close();
                }
            } finally {
                if (named != null) {
                    named.close();
                }
            }
        }
    }

    @Test
    void theWildcardIsObtainedOnceAndBothNodesServeTheSameCertificate() throws Exception {
        StackProcess first = nodes.first();
        StackProcess second = nodes.second();
        String admin = first.calls().logIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        ApiCalls.Answer joined = nodes.join(admin, 100);
        assertThat(joined.status()).as(joined.toString()).isIn(200, 201);

        String tenant = first.calls().signUpAndLogIn("tls-" + first.prefix() + "@example.com", "correct horse battery staple",
                "tls" + first.prefix());
        List<String> sites = new ArrayList<>();
        for (int index = 0; index < 2; index++) {
            String site = first.uniqueSiteName("tls");
            assertThat(first.createSite(tenant, site).status()).isEqualTo(201);
            sites.add(site);
        }
        Map<String, String> placed = nodes.nodeOfSites(admin);
        String onFirst = sites.stream().filter(site -> "node1".equals(placed.get(site))).findFirst().orElseThrow();
        String onSecond = sites.stream().filter(site -> "node2".equals(placed.get(site))).findFirst().orElseThrow();

        SSLContext trust = Trust.of(pebble.issuingRootPem());
        await("node1 serves its site over HTTPS", () -> served(trust, firstHttpsPort, onFirst) != null);
        await("node2 serves its site over HTTPS", () -> served(trust, secondHttpsPort, onSecond) != null);
        X509Certificate fromFirst = served(trust, firstHttpsPort, onFirst);
        X509Certificate fromSecond = served(trust, secondHttpsPort, onSecond);
        assertThat(fromSecond.getSerialNumber()).as("both nodes serve the one stored certificate")
                .isEqualTo(fromFirst.getSerialNumber());
        assertThat(fromFirst.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))).toList())
                .contains("*." + NamedServer.ZONE, NamedServer.ZONE);

        // Each node reports it as its own, installed from the API's copy; Pebble issued it once.
        for (StackProcess node : List.of(first, second)) {
            JsonNode platform = platformCertificate(node);
            assertThat(platform.path("state").asText()).isEqualTo("active");
            assertThat(platform.path("serialNumber").asText()).isEqualTo(fromFirst.getSerialNumber().toString(16));
        }
        String log = pebble.log();
        Matcher issued = Pattern.compile("Issued certificate serial").matcher(log);
        int issuances = 0;
        while (issued.find()) {
            issuances++;
        }
        assertThat(issuances).as("Pebble's log:%n%s", log).isEqualTo(1);
        // A node cannot be told to obtain one itself behind the API's back.
        assertThat(second.hostd("POST", "/v1/certificates/platform/renewal").status()).isEqualTo(409);
    }

    private static JsonNode platformCertificate(StackProcess node) throws IOException {
        for (JsonNode certificate : new com.fasterxml.jackson.databind.ObjectMapper().readTree(node.hostd("GET", "/v1/certificates").body())) {
            if ("platform".equals(certificate.path("name").asText())) {
                return certificate;
            }
        }
        throw new AssertionError("the node reports no platform certificate");
    }

    /** The certificate a node's nginx presents for a site's name (chained to Pebble's root), or null while it serves none. */
    private static X509Certificate served(SSLContext trust, int port, String site) {
        String hostname = site + "." + NamedServer.ZONE;
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port);
             SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket(plain, hostname, port, true)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (IOException notYet) {
            return null;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLED.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not within " + SETTLED.toSeconds() + " s: " + what);
    }
}
