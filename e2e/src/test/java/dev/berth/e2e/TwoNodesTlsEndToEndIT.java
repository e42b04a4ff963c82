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
 * same certificate, chained to Pebble's root. A custom domain of the site on node2 is proven
 * through HTTP-01 at node1 (Pebble reaches node1's proxy only): node1 serves the answer of
 * node2's order.
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
                .apiConfiguration("""
                        domains:
                          nameservers: ["127.0.0.1:%d"]
                          lookupTimeoutMillis: 2000
                        """.formatted(named.port))
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
        // Joined with hostd join, so that the registry holds node2's public address (its sites' domains must resolve to it).
        StackProcess.CommandResult joined = nodes.joinWithCommand(admin, 100);
        assertThat(joined.exitCode()).as(joined.output()).isZero();

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
        String firstName = onFirst + "." + NamedServer.ZONE;
        String secondName = onSecond + "." + NamedServer.ZONE;
        X509Certificate fromFirst = awaitServed("node1 serves its site over HTTPS", trust, firstHttpsPort, firstName);
        X509Certificate fromSecond = awaitServed("node2 serves its site over HTTPS", trust, secondHttpsPort, secondName);
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
        assertThat(issuances()).as("Pebble's log:%n%s", pebble.log()).isEqualTo(1);
        // A node cannot be told to obtain one itself behind the API's back.
        assertThat(second.hostd("POST", "/v1/certificates/platform/renewal").status()).isEqualTo(409);

        // The tenant proves www.custom.test (its own zone, pointing at 127.0.0.1) for the site on node2.
        String custom = "www." + NamedServer.CUSTOM_ZONE;
        String token = first.calls().get("/tenant", tenant).json().path("domainToken").asText();
        named.nsupdateZone(NamedServer.CUSTOM_ZONE, "update add _berth-challenge." + custom + " 60 TXT \"" + token + "\"");
        ApiCalls.Answer added = first.calls().json("POST", "/sites/" + onSecond + "/domains", tenant, "{\"hostname\":\"" + custom + "\"}");
        assertThat(added.status()).as(added.toString()).isEqualTo(201);
        assertThat(added.json().path("status").asText()).as(added.toString()).isEqualTo("verified");
        // Pebble validates HTTP-01 at node1's proxy only: node2's order succeeds because node1 serves its answer.
        assertThat(awaitServed("node2 serves " + custom + " over HTTPS", trust, secondHttpsPort, custom).getSubjectAlternativeNames().stream()
                .map(name -> String.valueOf(name.get(1))).toList()).containsExactly(custom);
        assertThat(served(trust, firstHttpsPort, custom)).as("node1 holds no site with the name, so not its certificate").isNull();
        assertThat(issuances()).as("Pebble's log:%n%s", pebble.log()).isEqualTo(2);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(first.hostd("GET", "/v1/certificates").body()))
                .extracting(certificate -> certificate.path("name").asText()).containsExactly("platform");
        // node2's answer is gone from node1 once the order ended.
        try (var files = java.nio.file.Files.list(first.dataDirectory().resolve("acme-challenges"))) {
            assertThat(files.toList()).isEmpty();
        }
    }

    private static int issuances() throws IOException {
        Matcher issued = Pattern.compile("Issued certificate serial").matcher(pebble.log());
        int count = 0;
        while (issued.find()) {
            count++;
        }
        return count;
    }

    private static JsonNode platformCertificate(StackProcess node) throws IOException {
        for (JsonNode certificate : new com.fasterxml.jackson.databind.ObjectMapper().readTree(node.hostd("GET", "/v1/certificates").body())) {
            if ("platform".equals(certificate.path("name").asText())) {
                return certificate;
            }
        }
        throw new AssertionError("the node reports no platform certificate");
    }

    /** The certificate a node's nginx presents for a hostname (chained to Pebble's root), or null while it serves none. */
    private static X509Certificate served(SSLContext trust, int port, String hostname) {
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port);
             SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket(plain, hostname, port, true)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (IOException notYet) {
            return null;
        }
    }

    /**
     * The first certificate a node presents for a hostname, once it presents one. It is kept rather
     * than asked for again: for about 100 ms after a reload nginx's previous workers still accept
     * connections with the previous configuration, which may have no server for the name yet.
     */
    private static X509Certificate awaitServed(String what, SSLContext trust, int port, String hostname)
            throws InterruptedException {
        X509Certificate[] served = new X509Certificate[1];
        await(what, () -> (served[0] = served(trust, port, hostname)) != null);
        return served[0];
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
