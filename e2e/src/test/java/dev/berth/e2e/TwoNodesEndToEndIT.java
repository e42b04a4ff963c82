package dev.berth.e2e;

import static dev.berth.testkit.Archives.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.Archives;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real hostd nodes driven by one API ({@link TwoNodes}): the second joins over mutual TLS, a
 * tenant's sites spread over both; then the second machine is lost (hostd, its nginx and its
 * containers gone, its disk deleted) and every one of its sites serves its own content again from
 * the first node, its release sent from the content store.
 */
class TwoNodesEndToEndIT {
    private static final String ADMIN_EMAIL = "admin@berth.localhost";
    private static final String ADMIN_PASSWORD = "admin-password-for-two-nodes";
    private static final Duration LIVE = Duration.ofSeconds(60);
    /** Lost after 5 s of silence, then placed, applied, refilled from the content store. */
    private static final Duration FAILED_OVER = Duration.ofSeconds(90);

    private static TwoNodes nodes;

    @BeforeAll
    static void twoNodes() throws Exception {
        String missing = StackProcess.missingPrerequisite();
        Assumptions.assumeTrue(missing == null || "1".equals(System.getenv("BERTH_REQUIRE_HOST_TESTS")), missing);
        nodes = TwoNodes.start(StackProcess.builder()
                .name("node1")
                .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
                .defaultQuota("apiRequestsPerMinute", 100_000), 5);
    }

    @AfterAll
    static void stop() throws IOException {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aTenantsSitesSpreadOverTwoNodesAndTheSitesOfALostNodeServeAgainFromTheOther() throws Exception {
        StackProcess first = nodes.first();
        StackProcess second = nodes.second();
        String admin = first.calls().logIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        ApiCalls.Answer joined = nodes.join(admin, 100);
        assertThat(joined.status()).as(joined.toString()).isEqualTo(201);

        String tenant = first.calls().signUpAndLogIn("nodes-" + first.prefix() + "@example.com", "correct horse battery staple",
                "nodes" + first.prefix());
        Map<String, byte[]> pages = new HashMap<>();
        for (int index = 0; index < 4; index++) {
            String site = first.uniqueSiteName("two");
            assertThat(first.createSite(tenant, site).status()).isEqualTo(201);
            pages.put(site, utf8("<!doctype html><h1>" + site + " lives on</h1>\n"));
        }
        Map<String, String> placed = nodes.nodeOfSites(admin);
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
        JsonNode listed = first.calls().get("/admin/nodes", admin).json().get("items");
        assertThat(listed.findValuesAsText("name")).containsExactlyInAnyOrder("node1", "node2");

        long lostAt = System.nanoTime();
        nodes.loseSecond();
        for (String site : onSecond) {
            first.awaitSite(site, "/", response -> response.status() == 200 && Arrays.equals(response.body(), pages.get(site)),
                    FAILED_OVER);
        }
        System.out.printf("two nodes: %d sites of the lost node served their content from the other %d ms after it was lost"
                + " (host.nodeLostAfterSeconds: 5 of it)%n", onSecond.size(), Duration.ofNanos(System.nanoTime() - lostAt).toMillis());
        for (String site : pages.keySet()) {
            assertThat(first.site(site, "/").body()).as(site).isEqualTo(pages.get(site));
        }
        Map<String, JsonNode> byName = new HashMap<>();
        first.calls().get("/admin/nodes", admin).json().get("items").forEach(node -> byName.put(node.get("name").asText(), node));
        assertThat(byName.get("node2").get("state").asText()).isEqualTo("lost");
        assertThat(byName.get("node2").get("sites").asInt()).isZero();
        assertThat(nodes.nodeOfSites(admin).values()).doesNotContain("node2");
    }
}
