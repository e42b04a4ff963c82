package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.NamedServer;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Two real hostd nodes publishing their sites in one real BIND zone ({@link TwoNodes}, each node's
 * hostd with the rfc2136 provider and its own public addresses): each site's name answers with the
 * addresses of the node that holds it; a drained node's site moves to the other node, its name
 * follows it, and the old node removing its copy leaves the new node's records in place. The
 * second node joins with {@code hostd join}, run on it as its operator would.
 */
class TwoNodesDnsEndToEndIT {
    private static final String ADMIN_EMAIL = "admin@berth.localhost";
    private static final String ADMIN_PASSWORD = "admin-password-for-two-nodes-dns";
    private static final Duration SETTLED = Duration.ofSeconds(90);

    private static NamedServer named;
    private static TwoNodes nodes;

    @BeforeAll
    static void twoNodes() throws Exception {
        String missing = StackProcess.missingPrerequisite();
        if (missing == null && !NamedServer.available()) {
            missing = "/usr/sbin/named (bind9) is not installed";
        }
        Assumptions.assumeTrue(missing == null || "1".equals(System.getenv("BERTH_REQUIRE_HOST_TESTS")), missing);
        named = new NamedServer();
        named.start();
        nodes = TwoNodes.start(StackProcess.builder()
                .name("dns1")
                .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
                .defaultQuota("apiRequestsPerMinute", 100_000)
                .dns(named, "127.0.0.1", "::1"), 30, second -> second.dns(named, "192.0.2.2", "2001:db8::2"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (nodes != null) {
                nodes.close();
            }
        } finally {
            if (named != null) {
                named.close();
            }
        }
    }

    @Test
    void aSitesNameAnswersWithItsNodesAddressesAndFollowsItWhenItsNodeIsDrained() throws Exception {
        StackProcess first = nodes.first();
        StackProcess second = nodes.second();
        String admin = first.calls().logIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        StackProcess.CommandResult joined = nodes.joinWithCommand(admin, 100);
        assertThat(joined.exitCode()).as(joined.output()).isZero();
        assertThat(joined.output()).contains("joined as node node2");
        assertThat(Files.readString(second.dataDirectory().resolve("node.json"))).contains("\"name\" : \"node2\"");
        StackProcess.CommandResult again = nodes.joinWithCommand(admin, 100);
        assertThat(again.output()).as("a second join of the same node, with node.json present: %s",
                Files.exists(second.dataDirectory().resolve("node.json"))).contains("this node already joined");
        assertThat(again.exitCode()).isNotZero();
        Map<String, String> addresses = new HashMap<>();
        first.calls().get("/admin/nodes", admin).json().get("items")
                .forEach(node -> addresses.put(node.get("name").asText(), node.path("publicIpv4").asText()));
        assertThat(addresses.get("node2")).as("the registry holds the addresses node2 publishes its sites at").isEqualTo("192.0.2.2");

        String tenant = first.calls().signUpAndLogIn("dns-" + first.prefix() + "@example.com", "correct horse battery staple",
                "dns" + first.prefix());
        List<String> sites = new ArrayList<>();
        for (int index = 0; index < 2; index++) {
            String site = first.uniqueSiteName("dns");
            assertThat(first.createSite(tenant, site).status()).isEqualTo(201);
            sites.add(site);
        }
        Map<String, String> placed = nodes.nodeOfSites(admin);
        String onFirst = sites.stream().filter(site -> placed.get(site).equals("node1")).findFirst().orElseThrow();
        String onSecond = sites.stream().filter(site -> placed.get(site).equals("node2")).findFirst().orElseThrow();
        await("the site on node1 answers with node1's addresses", () -> answersWith(onFirst, "127.0.0.1", "0:0:0:0:0:0:0:1"));
        await("the site on node2 answers with node2's addresses", () -> answersWith(onSecond, "192.0.2.2", "2001:db8:0:0:0:0:0:2"));
        await("node2 serves its site", () -> serves(second, onSecond));

        ApiCalls.Answer drain = first.calls().json("POST", "/admin/nodes/node2/drain", admin, "{}");
        assertThat(drain.status()).as(drain.toString()).isEqualTo(200);
        await("node2's site is placed on node1", () -> "node1".equals(nodes.nodeOfSites(admin).get(onSecond)));
        await("node1 serves the moved site", () -> serves(first, onSecond));
        await("the moved site's name answers with node1's addresses", () -> answersWith(onSecond, "127.0.0.1", "0:0:0:0:0:0:0:1"));
        await("node2 removed its copy of the site", () -> !holds(second, onSecond));

        // node2 removed its copy after node1 took the name over: node1's records are still there, and stay.
        Thread.sleep(3_000);
        assertThat(answersWith(onSecond, "127.0.0.1", "0:0:0:0:0:0:0:1"))
                .as("the moved site's records after the old node removed its copy: A %s, AAAA %s",
                        named.answers(onSecond + "." + NamedServer.ZONE, Type.A), named.answers(onSecond + "." + NamedServer.ZONE, Type.AAAA))
                .isTrue();
        assertThat(answersWith(onFirst, "127.0.0.1", "0:0:0:0:0:0:0:1")).isTrue();
    }

    private static boolean answersWith(String site, String ipv4, String ipv6) {
        try {
            String name = site + "." + NamedServer.ZONE;
            return named.answers(name, Type.A).equals(List.of(ipv4)) && named.answers(name, Type.AAAA).equals(List.of(ipv6));
        } catch (IOException notYet) {
            return false;
        }
    }

    private static boolean serves(StackProcess node, String site) {
        try {
            return SiteHttp.get("127.0.0.1", node.proxyPort(), site + "." + NamedServer.ZONE, "/").status() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static boolean holds(StackProcess node, String site) {
        try {
            for (var held : node.hostdSites()) {
                if (held.path("name").asText().equals(site)) {
                    return true;
                }
            }
            return false;
        } catch (IOException unreadable) {
            return true;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLED.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not within " + SETTLED.toSeconds() + " s: " + what);
    }
}
