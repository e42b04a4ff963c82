package dev.berth.e2e;

import static dev.berth.testkit.Archives.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.Archives;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real hostd nodes driven by one API: the API's configured host on its socket, and a second
 * hostd that joins over mutual TLS (the platform CA, node and client certificates made by
 * {@code hostd pki}). A tenant's sites spread over both; then the second node is lost (hostd, its
 * nginx and its containers gone, its disk deleted) and every one of its sites serves its own content
 * again from the first node, its release sent from the content store.
 */
class TwoNodesEndToEndIT {
    private static final String ADMIN_EMAIL = "admin@berth.localhost";
    private static final String ADMIN_PASSWORD = "admin-password-for-two-nodes";
    private static final String PKI_PASSWORD = "pki-password-for-two-nodes";
    private static final Duration LIVE = Duration.ofSeconds(60);
    /** Lost after 5 s of silence, then placed, applied, refilled from the content store. */
    private static final Duration FAILED_OVER = Duration.ofSeconds(90);

    private static Path pki;
    private static StackProcess second;
    private static StackProcess first;
    private static int secondTlsPort;

    @BeforeAll
    static void twoNodes() throws Exception {
        String missing = StackProcess.missingPrerequisite();
        org.junit.jupiter.api.Assumptions.assumeTrue(missing == null || "1".equals(System.getenv("BERTH_REQUIRE_HOST_TESTS")), missing);
        pki = Files.createTempDirectory("berth-e2e-pki-");
        pki("ca");
        pki("node", "node2", "--ip", "127.0.0.1");
        pki("client", "api");
        secondTlsPort = StackProcess.freeLoopbackPort();
        second = StackProcess.builder()
                .name("node2")
                .withoutApi()
                .hostdConfig("../hostd/config/hostd-node.yml")
                .hostdEnvironment("BERTH_HOSTD_TLS_PORT", Integer.toString(secondTlsPort))
                .hostdEnvironment("BERTH_HOSTD_NODE_KEYSTORE", pki.resolve("node-node2.p12").toString())
                .hostdEnvironment("BERTH_HOSTD_TRUSTSTORE", pki.resolve("trust.p12").toString())
                .hostdEnvironment("BERTH_PKI_PASSWORD", PKI_PASSWORD)
                .build()
                .start();
        first = StackProcess.builder()
                .name("node1")
                .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
                .defaultQuota("apiRequestsPerMinute", 100_000)
                .apiHostSettings("""
                        nodeName: node1
                        nodeLostAfterSeconds: 5
                        keyStorePath: %s
                        keyStorePassword: %s
                        trustStorePath: %s
                        trustStorePassword: %s
                        """.formatted(pki.resolve("client-api.p12"), PKI_PASSWORD, pki.resolve("trust.p12"), PKI_PASSWORD))
                .build()
                .start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
        if (pki != null) {
            try (var files = Files.walk(pki)) {
                for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private static void pki(String... arguments) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("berth.hostd.jar", "../hostd/target/berth-hostd-0.1.0-SNAPSHOT-all.jar"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toAbsolutePath().toString(), "pki"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--dir", pki.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BERTH_PKI_PASSWORD", PKI_PASSWORD);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("hostd pki " + String.join(" ", arguments) + ": " + output).isZero();
    }

    private static Map<String, String> nodeOfSites(String admin) {
        Map<String, String> found = new HashMap<>();
        for (JsonNode site : first.calls().get("/admin/sites?limit=200", admin).json().get("items")) {
            found.put(site.get("name").asText(), site.get("node").asText());
        }
        return found;
    }

    @Test
    void aTenantsSitesSpreadOverTwoNodesAndTheSitesOfALostNodeServeAgainFromTheOther() throws Exception {
        String admin = first.calls().logIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        String token = first.calls().json("POST", "/admin/nodes/join-tokens", admin, "{}").json().get("token").asText();
        ApiCalls.Answer joined = first.calls().json("POST", "/nodes/join", null, "{\"token\":\"" + token
                + "\",\"name\":\"node2\",\"url\":\"https://127.0.0.1:" + secondTlsPort + "\",\"capacitySites\":100}");
        assertThat(joined.status()).as(joined.toString()).isEqualTo(201);

        String tenant = first.calls().signUpAndLogIn("nodes-" + first.prefix() + "@example.com", "correct horse battery staple",
                "nodes" + first.prefix());
        Map<String, byte[]> pages = new HashMap<>();
        for (int index = 0; index < 4; index++) {
            String site = first.uniqueSiteName("two");
            assertThat(first.createSite(tenant, site).status()).isEqualTo(201);
            byte[] page = utf8("<!doctype html><h1>" + site + " lives on</h1>\n");
            pages.put(site, page);
        }
        Map<String, String> placed = nodeOfSites(admin);
        List<String> onSecond = pages.keySet().stream().filter(site -> placed.get(site).equals("node2")).toList();
        assertThat(onSecond).as("a tenant's sites spread over both nodes").hasSize(2);
        for (Map.Entry<String, byte[]> entry : pages.entrySet()) {
            StackProcess node = onSecond.contains(entry.getKey()) ? second : first;
            node.awaitSite(entry.getKey(), "/", response -> response.status() == 200, LIVE);
            ApiCalls.Answer upload = first.calls().upload(tenant, entry.getKey(), Archives.tarGz(Map.of("index.html", entry.getValue())),
                    "application/gzip");
            assertThat(upload.status()).as(upload.toString()).isEqualTo(202);
            node.awaitSite(entry.getKey(), "/", response -> Arrays.equals(response.body(), entry.getValue()), LIVE);
        }
        JsonNode nodes = first.calls().get("/admin/nodes", admin).json().get("items");
        assertThat(nodes.findValuesAsText("name")).containsExactlyInAnyOrder("node1", "node2");

        // The second machine is lost: hostd, nginx, containers, bridge and disk gone.
        long lostAt = System.nanoTime();
        second.close();
        for (String site : onSecond) {
            first.awaitSite(site, "/", response -> response.status() == 200 && Arrays.equals(response.body(), pages.get(site)),
                    FAILED_OVER);
        }
        System.out.printf("two nodes: %d sites of the lost node served their content from the other %d ms after it was lost"
                        + " (host.nodeLostAfterSeconds: 5 of it)%n", onSecond.size(),
                Duration.ofNanos(System.nanoTime() - lostAt).toMillis());
        for (String site : pages.keySet()) {
            assertThat(first.site(site, "/").body()).as(site).isEqualTo(pages.get(site));
        }
        Map<String, JsonNode> byName = new HashMap<>();
        first.calls().get("/admin/nodes", admin).json().get("items").forEach(node -> byName.put(node.get("name").asText(), node));
        assertThat(byName.get("node2").get("state").asText()).isEqualTo("lost");
        assertThat(byName.get("node2").get("sites").asInt()).isZero();
        assertThat(nodeOfSites(admin).values()).doesNotContain("node2");
    }
}
