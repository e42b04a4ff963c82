package dev.berth.e2e;

import static dev.berth.testkit.Archives.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.Archives;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster of {@code scripts/cluster.sh} driven as a user drives it ({@link Cluster}): the API
 * through the load balancer, each site through the proxy of the node the API says it lives on, with
 * its {@code Host} header. 30 sites of three tenants with their own content spread over three
 * nodes; one node is lost and every site serves its own content again within 60 s; the lost node
 * comes back with an empty disk and serves nothing stale; an API replica is killed under steady
 * API traffic and no call fails beyond one retry; a node is drained under a reader per site and no
 * read fails. A reader reads from the node the admin site list names for its site (the node that
 * serves it: the old one until the new one serves it), looked up every 200 ms as a client's resolver
 * would; the old node keeps serving a moved site for {@link Cluster#DRAIN_GRACE_SECONDS} after that,
 * so no reader ever finds the site gone from the address it looked up. Sites are uploaded to right
 * after they are created. The steps run in order on one cluster, which {@code cluster.sh down}
 * removes at the end, also when a step failed.
 *
 * <p>{@code host.nodeLostAfterSeconds} is {@code BERTH_E2E_CLUSTER_LOST_AFTER} (default 10).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndIT {
    private static final int TENANTS = 3;
    private static final int SITES_PER_TENANT = 10;
    private static final Duration LIVE = Duration.ofSeconds(90);
    private static final Duration FAILED_OVER = Duration.ofSeconds(60);
    private static final List<String> NODES = List.of("node1", "node2", "node3");

    private static Cluster cluster;
    private static String admin;
    /** Each site's owner's token and its page, by site name. */
    private static final Map<String, String> OWNERS = new LinkedHashMap<>();
    private static final Map<String, byte[]> PAGES = new LinkedHashMap<>();

    @BeforeAll
    static void up() throws Exception {
        String missing = StackProcess.missingPrerequisite();
        if (missing != null && !"1".equals(System.getenv("BERTH_REQUIRE_HOST_TESTS"))) {
            Assumptions.abort("cluster tests skipped: " + missing);
        }
        int lostAfter = Integer.parseInt(System.getenv().getOrDefault("BERTH_E2E_CLUSTER_LOST_AFTER", "10"));
        cluster = Cluster.up(lostAfter, 2);
        admin = cluster.adminToken();
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void thirtySitesWithTheirOwnContentSpreadOverThreeNodes() throws Exception {
        Map<String, JsonNode> nodes = cluster.nodes(admin);
        assertThat(nodes.keySet()).containsExactlyInAnyOrderElementsOf(NODES);
        for (String node : NODES) {
            assertThat(nodes.get(node).get("state").asText()).as(node).isEqualTo("ready");
            assertThat(nodes.get(node).path("publicIpv4").asText()).as(node + "'s proxy address").isEqualTo(cluster.address(node));
        }
        ApiCalls calls = cluster.calls();
        for (int tenant = 0; tenant < TENANTS; tenant++) {
            String suffix = Long.toString(System.nanoTime(), 36);
            String token = calls.signUpAndLogIn("cluster" + tenant + "-" + suffix + "@example.com", "correct horse battery staple",
                    "cluster" + tenant + suffix);
            for (int index = 0; index < SITES_PER_TENANT; index++) {
                String site = "c" + tenant + "s" + index + "-" + suffix;
                ApiCalls.Answer created = calls.json("POST", "/sites", token, "{\"name\":\"" + site + "\"}");
                assertThat(created.status()).as(created.toString()).isEqualTo(201);
                OWNERS.put(site, token);
                PAGES.put(site, utf8("<!doctype html><h1>" + site + "</h1><p>" + suffix + index + "</p>\n"));
            }
        }
        // Uploaded right after create: the deploy gives the site's node its spec first if it lacks it.
        for (Map.Entry<String, byte[]> page : PAGES.entrySet()) {
            ApiCalls.Answer upload = calls.upload(OWNERS.get(page.getKey()), page.getKey(),
                    Archives.tarGz(Map.of("index.html", page.getValue())), "application/gzip");
            assertThat(upload.status()).as(upload.toString()).isEqualTo(202);
        }
        awaitEverySiteServesItsOwnContent(PAGES.keySet(), LIVE);

        Map<String, String> placed = cluster.nodeOfSites(admin);
        Map<String, Long> perNode = PAGES.keySet().stream().collect(Collectors.groupingBy(placed::get, Collectors.counting()));
        System.out.println("cluster: sites per node " + perNode);
        assertThat(perNode.keySet()).as("the sites spread over all three nodes").containsExactlyInAnyOrderElementsOf(NODES);
        assertThat(perNode.values()).as("evenly").allSatisfy(count -> assertThat(count).isBetween(8L, 12L));
        for (int tenant = 0; tenant < TENANTS; tenant++) {
            String prefix = "c" + tenant + "s";
            assertThat(PAGES.keySet().stream().filter(site -> site.startsWith(prefix)).map(placed::get).distinct())
                    .as("tenant %d's sites spread over the nodes", tenant).hasSize(3);
        }
    }

    @Test
    @Order(2)
    void losingANodeServesEachOfItsSitesFromAnotherWithinSixtySeconds() throws Exception {
        List<String> onLost = sitesOn("node3");
        long lostAt = System.nanoTime();
        cluster.lose("node3");
        awaitEverySiteServesItsOwnContent(PAGES.keySet(), FAILED_OVER.minus(Duration.ofNanos(System.nanoTime() - lostAt)));
        System.out.printf("cluster: the %d sites of the lost node served their own content again %d ms after it was lost%n",
                onLost.size(), Duration.ofNanos(System.nanoTime() - lostAt).toMillis());
        Map<String, JsonNode> nodes = cluster.nodes(admin);
        assertThat(nodes.get("node3").get("state").asText()).isEqualTo("lost");
        assertThat(nodes.get("node3").get("sites").asInt()).isZero();
        assertThat(cluster.nodeOfSites(admin)).as("nothing lost").containsKeys(PAGES.keySet().toArray(String[]::new))
                .doesNotContainValue("node3");
    }

    @Test
    @Order(3)
    void theLostNodeReturnsEmptyAndServesNothingStale() throws Exception {
        cluster.up();
        awaitNode("node3", node -> node.get("state").asText().equals("ready"), LIVE);
        for (String site : PAGES.keySet()) {
            SiteHttp.Response stale = cluster.site("node3", site);
            assertThat(stale.status()).as(site + " on the returned node: " + stale).isNotEqualTo(200);
            assertThat(new String(stale.body(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(site);
        }
        // It takes sites again: the emptiest node gets the next one, and serves it.
        String owner = OWNERS.values().iterator().next();
        String site = "back-" + Long.toString(System.nanoTime(), 36);
        ApiCalls.Answer created = cluster.calls().json("POST", "/sites", owner, "{\"name\":\"" + site + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        OWNERS.put(site, owner);
        PAGES.put(site, utf8("<!doctype html><h1>" + site + "</h1>\n"));
        assertThat(cluster.calls().upload(owner, site, Archives.tarGz(Map.of("index.html", PAGES.get(site))), "application/gzip")
                .status()).isEqualTo(202);
        assertThat(cluster.nodeOfSites(admin).get(site)).isEqualTo("node3");
        awaitEverySiteServesItsOwnContent(List.of(site), LIVE);
    }

    @Test
    @Order(4)
    void killingAnApiReplicaUnderSteadyTrafficFailsNoCallBeyondOneRetry() throws Exception {
        List<String> sites = new ArrayList<>(PAGES.keySet());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger retried = new AtomicInteger();
        List<String> failed = new CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int client = 0; client < 4; client++) {
            int offset = client;
            clients.add(started("api-client-" + client, () -> {
                ApiCalls api = cluster.calls();
                for (int call = offset; running.get(); call++) {
                    String site = sites.get(call % sites.size());
                    String token = OWNERS.get(site);
                    Function<Integer, ApiCalls.Answer> once = switch (call % 3) {
                        case 0 -> attempt -> api.get("/sites/" + site, token);
                        case 1 -> attempt -> api.get("/sites", token);
                        default -> attempt -> api.json("POST", "/admin/nodes/join-tokens", admin, "{}");
                    };
                    String first = outcome(once, 1);
                    if (first != null) {
                        retried.incrementAndGet();
                        String second = outcome(once, 2);
                        if (second != null) {
                            failed.add(first + " then " + second);
                        }
                    }
                    calls.incrementAndGet();
                }
            }));
        }
        Thread.sleep(3000);
        int before = calls.get();
        cluster.killApi(1);
        Thread.sleep(8000);
        running.set(false);
        for (Thread client : clients) {
            client.join();
        }
        System.out.printf("cluster: %d API calls, %d after replica 1 was killed, %d retried once, %d failed twice%n", calls.get(),
                calls.get() - before, retried.get(), failed.size());
        assertThat(failed).as("calls that failed after one retry").isEmpty();
        assertThat(calls.get() - before).as("calls answered after the kill").isGreaterThan(20);
        cluster.up();
        assertThat(cluster.replica(1).get("/health", null).status()).isEqualTo(200);
        assertThat(cluster.replica(2).get("/health", null).status()).isEqualTo(200);
    }

    @Test
    @Order(5)
    void drainingANodeUnderAReaderPerSiteFailsNoRead() throws Exception {
        List<String> onDrained = sitesOn("node2");
        assertThat(onDrained).isNotEmpty();
        Map<String, String> where = new ConcurrentHashMap<>(cluster.nodeOfSites(admin));
        AtomicBoolean running = new AtomicBoolean(true);
        Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
        List<String> failed = new CopyOnWriteArrayList<>();
        List<String> stale = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        // Where each site lives, as the API tells it now (what DNS would say), refreshed all the time.
        threads.add(started("resolver", () -> {
            while (running.get()) {
                try {
                    where.putAll(cluster.nodeOfSites(admin));
                } catch (RuntimeException notNow) {
                    failed.add("the site list: " + notNow.getMessage());
                }
                sleep(200);
            }
        }));
        for (String site : PAGES.keySet()) {
            reads.put(site, new AtomicInteger());
            threads.add(started("reader-" + site, () -> {
                while (running.get()) {
                    String node = where.get(site);
                    String miss = read(node, site);
                    if (miss != null) {
                        // The address it had may have gone stale since the resolver's last look: ask again, once.
                        stale.add(miss);
                        String again;
                        try {
                            again = cluster.nodeOfSites(admin).get(site);
                        } catch (RuntimeException notNow) {
                            failed.add(miss + ", then the site list: " + notNow.getMessage());
                            sleep(100);
                            continue;
                        }
                        where.put(site, again);
                        String second = read(again, site);
                        if (second != null) {
                            failed.add(miss + ", then " + second);
                        }
                    }
                    reads.get(site).incrementAndGet();
                    sleep(100);
                }
            }));
        }
        sleep(1000);
        long drainedAt = System.nanoTime();
        ApiCalls.Answer drain = cluster.calls().json("POST", "/admin/nodes/node2/drain", admin, null);
        assertThat(drain.status()).as(drain.toString()).isEqualTo(200);
        awaitNode("node2", node -> node.get("sites").asInt() == 0, Duration.ofSeconds(120));
        awaitEverySiteServesItsOwnContent(onDrained, LIVE);
        long drainedMillis = Duration.ofNanos(System.nanoTime() - drainedAt).toMillis();
        sleep(2000);
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        int total = reads.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.printf("cluster: node2 drained of %d sites in %d ms under %d reads, %d failed, %d from a stale address read again"
                + " %s%n", onDrained.size(), drainedMillis, total, failed.size(), stale.size(), stale);
        assertThat(failed).as("failed reads").isEmpty();
        assertThat(stale).as("reads from an address that had gone stale: the old node serves a moved site for the grace period")
                .isEmpty();
        assertThat(reads.values()).allSatisfy(count -> assertThat(count.get()).isPositive());
        assertThat(cluster.nodeOfSites(admin)).doesNotContainValue("node2");
        for (String site : PAGES.keySet()) {
            assertThat(cluster.site("node2", site).status()).as(site + " left node2").isNotEqualTo(200);
        }
    }

    /** Each site answers 200 with its own page from the node the API places it on, within {@code timeout}. */
    private static void awaitEverySiteServesItsOwnContent(Collection<String> sites, Duration timeout) throws InterruptedException {
        awaitEverySite(sites, (site, response) -> response.status() == 200 && Arrays.equals(response.body(), PAGES.get(site)), timeout);
    }

    /** Each site's answer from the node the API places it on satisfies {@code accept} within {@code timeout}. */
    private static void awaitEverySite(Collection<String> sites, java.util.function.BiPredicate<String, SiteHttp.Response> accept,
                                       Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> pending = new HashMap<>();
        sites.forEach(site -> pending.put(site, "not tried"));
        while (!pending.isEmpty()) {
            Map<String, String> placed = cluster.nodeOfSites(admin);
            for (String site : List.copyOf(pending.keySet())) {
                String node = placed.get(site);
                try {
                    SiteHttp.Response response = cluster.site(node, site);
                    if (accept.test(site, response)) {
                        pending.remove(site);
                    } else {
                        pending.put(site, node + ": " + response.status() + " " + response.text());
                    }
                } catch (IOException notYet) {
                    pending.put(site, node + ": " + notYet);
                }
            }
            if (!pending.isEmpty()) {
                assertThat(System.nanoTime()).as("sites still not serving their own content: " + pending).isLessThan(deadline);
                Thread.sleep(250);
            }
        }
    }

    private static void awaitNode(String name, java.util.function.Predicate<JsonNode> accept, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode node = cluster.nodes(admin).get(name);
        while (!accept.test(node)) {
            assertThat(System.nanoTime()).as(name + " is still " + node).isLessThan(deadline);
            Thread.sleep(250);
            node = cluster.nodes(admin).get(name);
        }
    }

    private static List<String> sitesOn(String node) {
        Map<String, String> placed = cluster.nodeOfSites(admin);
        return PAGES.keySet().stream().filter(site -> node.equals(placed.get(site))).toList();
    }

    /** null when the site answered 200 with its own page through {@code node}'s proxy, else what it answered. */
    private static String read(String node, String site) {
        try {
            SiteHttp.Response response = cluster.site(node, site);
            return response.status() == 200 && Arrays.equals(response.body(), PAGES.get(site)) ? null
                    : site + " on " + node + ": " + response.status() + " " + response.text().lines().findFirst().orElse("");
        } catch (IOException failure) {
            return site + " on " + node + ": " + failure;
        }
    }

    /** null when the call succeeded (2xx), else what went wrong. */
    private static String outcome(Function<Integer, ApiCalls.Answer> call, int attempt) {
        try {
            ApiCalls.Answer answer = call.apply(attempt);
            return answer.status() / 100 == 2 ? null : answer.toString();
        } catch (UncheckedIOException failure) {
            return failure.getMessage() + ": " + failure.getCause();
        }
    }

    private static Thread started(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.start();
        return thread;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
