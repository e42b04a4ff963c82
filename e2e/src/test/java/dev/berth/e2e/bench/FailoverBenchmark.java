package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.e2e.TwoNodes;
import dev.berth.testkit.Archives;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Losing a node, on two real hostd nodes driven by one API ({@link TwoNodes}), as an operator would
 * see it: N sites (argument, default 100) with content of their own are placed on the second node
 * (the first cordoned meanwhile), the second machine is lost, and each site is polled through the
 * first node's proxy until it serves its own page again. Reports the time from the loss to each
 * site serving (p50, max), with the configured silence before a node counts as lost
 * ({@value #LOST_AFTER_SECONDS} s) included, next to create -> first 200 of a site on one node in
 * the same run. Runs as root, writes target/bench/failover.json and failover.txt.
 *
 * <p>{@code mvn -B -pl e2e -Pbench-main -DskipTests verify -Dberth.bench.main=FailoverBenchmark [-Dberth.bench.args=100]}
 */
public final class FailoverBenchmark {
    private static final int LOST_AFTER_SECONDS = 5;
    private static final int FLOOR_SITES = 10;
    private static final Duration SERVED_TIMEOUT = Duration.ofMinutes(5);
    private static final String ADMIN_EMAIL = "admin@berth.localhost";
    private static final String ADMIN_PASSWORD = "admin-password-for-the-benchmark";

    private FailoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int sites = BenchSupport.countArgument(args, 100);
        BenchSupport.requireStack("FailoverBenchmark");
        try (TwoNodes nodes = TwoNodes.start(StackProcess.builder()
                .name("failover-bench")
                .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                .defaultQuota("maxSites", sites + FLOOR_SITES + 10)
                .defaultQuota("maxRunningSites", sites + FLOOR_SITES + 10), LOST_AFTER_SECONDS)) {
            StackProcess first = nodes.first();
            StackProcess second = nodes.second();
            ApiCalls api = first.calls();
            String admin = api.logIn(ADMIN_EMAIL, ADMIN_PASSWORD);
            ApiCalls.Answer joined = nodes.join(admin, sites + 10);
            if (joined.status() != 201) {
                throw new IllegalStateException("the second node did not join: " + joined);
            }
            String token = api.signUpAndLogIn("bench-" + first.prefix() + "@example.com", "correct horse battery staple",
                    "bench" + first.prefix());
            String loadBefore = BenchSupport.loadAverage();

            // The floor: create -> first 200 on one node (the first; the second cordoned).
            check(api.json("POST", "/admin/nodes/node2/cordon", admin, null));
            List<Double> createMillis = new ArrayList<>();
            for (int index = 0; index < FLOOR_SITES; index++) {
                String site = first.uniqueSiteName("floor");
                long start = System.nanoTime();
                BenchSupport.createSite(first, token, site, start);
                first.awaitSite(site, "/", response -> response.status() == 200, SERVED_TIMEOUT);
                createMillis.add((System.nanoTime() - start) / 1e6);
            }
            check(api.json("POST", "/admin/nodes/node2/uncordon", admin, null));

            // N sites with their own page, all on the second node.
            check(api.json("POST", "/admin/nodes/node1/cordon", admin, null));
            Map<String, byte[]> pages = new LinkedHashMap<>();
            for (int index = 0; index < sites; index++) {
                String site = second.uniqueSiteName("moved");
                BenchSupport.createSite(first, token, site, System.nanoTime());
                pages.put(site, ("<!doctype html><h1>" + site + "</h1>\n").getBytes(StandardCharsets.UTF_8));
            }
            for (Map.Entry<String, byte[]> page : pages.entrySet()) {
                second.awaitSite(page.getKey(), "/", response -> response.status() == 200, SERVED_TIMEOUT);
                ApiCalls.Answer upload = api.upload(token, page.getKey(), Archives.tarGz(Map.of("index.html", page.getValue())),
                        "application/gzip");
                if (upload.status() != 202) {
                    throw new IllegalStateException("upload refused: " + upload);
                }
            }
            for (Map.Entry<String, byte[]> page : pages.entrySet()) {
                second.awaitSite(page.getKey(), "/", response -> Arrays.equals(response.body(), page.getValue()), SERVED_TIMEOUT);
            }
            check(api.json("POST", "/admin/nodes/node1/uncordon", admin, null));

            long lostAt = System.nanoTime();
            nodes.loseSecond();
            List<Double> servedAgainMillis = new ArrayList<>();
            for (Map.Entry<String, byte[]> page : pages.entrySet()) {
                first.awaitSite(page.getKey(), "/", response -> response.status() == 200 && Arrays.equals(response.body(), page.getValue()),
                        SERVED_TIMEOUT);
                servedAgainMillis.add((System.nanoTime() - lostAt) / 1e6);
            }
            String loadAfter = BenchSupport.loadAverage();

            StringBuilder table = new StringBuilder();
            table.append(String.format("Berth failover benchmark: %d sites with their own page on the second of two nodes, the second"
                    + " machine lost (host.nodeLostAfterSeconds %d); %d cpus; load %s -> %s%n", sites, LOST_AFTER_SECONDS,
                    Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            table.append(String.format("%-62s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            DeployBenchmark.row(table, "lost -> each site serves its own page from the other node", servedAgainMillis);
            DeployBenchmark.row(table, "floor: create -> first 200 on one node", createMillis);
            table.append(String.format("failover p50 - silence (%d s) / create p50: %.2f%n", LOST_AFTER_SECONDS,
                    (percentile(servedAgainMillis, 50) - LOST_AFTER_SECONDS * 1000.0) / percentile(createMillis, 50)));

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("sites", sites);
            json.put("nodeLostAfterSeconds", LOST_AFTER_SECONDS);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("lostToServedAgain", BenchSupport.summary(servedAgainMillis));
            json.put("createToFirst200", BenchSupport.summary(createMillis));
            json.put("figures", List.of(
                    BenchSupport.figure("node lost -> each of its " + sites + " sites serves its own page from another node, p50",
                            percentile(servedAgainMillis, 50), "ms", "every site within 60 s", percentile(servedAgainMillis, 100) <= 60_000,
                            "create -> first 200 on one node, p50", percentile(createMillis, 50),
                            "max " + BenchSupport.round(percentile(servedAgainMillis, 100)) + " ms; " + LOST_AFTER_SECONDS
                                    + " s of silence before the node counts as lost are included")));
            BenchSupport.report(table.toString(), json, "target/bench/failover.json");
        }
    }

    private static void check(ApiCalls.Answer answer) {
        if (answer.status() != 200) {
            throw new IllegalStateException("refused: " + answer);
        }
    }
}
