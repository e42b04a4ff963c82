package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.Cluster;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Losing an API replica, on the cluster {@code scripts/cluster.sh} starts (PostgreSQL, two API
 * replicas behind the loopback load balancer, three hostd nodes in namespaces of their own), as a
 * user and an operator see it. Each round kills one replica (replica 1 and 2 in turn, so the
 * leader is among them) with {@code kill -9} while a client polls {@code GET /sites} through the
 * load balancer every 5 ms, and at once creates a site through the load balancer:
 * <ul>
 *   <li>the API's outage: from the kill to the last failed call (0 when none failed);</li>
 *   <li>create -> first 200 of that site through its node's proxy: the surviving replica has to
 *       lead (take the advisory lock, run the reconciler) for it to be placed and served;</li>
 * </ul>
 * next to create -> first 200 with both replicas up, measured in the same run (the floor). The
 * killed replica is started again between rounds. Runs as root, writes
 * target/bench/replicas.json and replicas.txt.
 *
 * <p>{@code mvn -B -pl e2e -Pbench-main -DskipTests verify -Dberth.bench.main=ReplicaFailoverBenchmark [-Dberth.bench.args=6]}
 */
public final class ReplicaFailoverBenchmark {
    private static final int LOST_AFTER_SECONDS = 10;
    private static final long SERVED_TIMEOUT_NANOS = 120_000_000_000L;

    private ReplicaFailoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = BenchSupport.countArgument(args, 6);
        BenchSupport.requireStack("ReplicaFailoverBenchmark");
        try (Cluster cluster = Cluster.up(LOST_AFTER_SECONDS, 2)) {
            String loadBefore = BenchSupport.loadAverage();
            String admin = cluster.adminToken();
            ApiCalls api = cluster.calls();
            String token = api.signUpAndLogIn("bench-replicas@example.com", "correct horse battery staple", "benchreplicas");
            raiseQuota(api, admin, token, rounds * 2 + 10);

            List<Double> floor = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                floor.add(createUntilServed(cluster, admin, token, "floor" + round));
            }
            List<Double> outage = new ArrayList<>();
            List<Double> failover = new ArrayList<>();
            List<Integer> failedCalls = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Poller poller = new Poller(cluster.calls(), token);
                Thread thread = new Thread(poller, "replica-bench-poller");
                thread.start();
                Thread.sleep(1000);
                long killed = System.nanoTime();
                poller.killedAt.set(killed);
                cluster.killApi(1 + round % 2);
                failover.add(createUntilServed(cluster, admin, token, "kill" + round));
                Thread.sleep(1000);
                poller.running.set(false);
                thread.join();
                long lastFailure = poller.lastFailureAfterKill.get();
                outage.add(lastFailure == 0 ? 0.0 : (lastFailure - killed) / 1e6);
                failedCalls.add(poller.failuresAfterKill);
                cluster.up();
            }
            String loadAfter = BenchSupport.loadAverage();

            StringBuilder table = new StringBuilder();
            table.append(String.format("Berth API replica failover benchmark: 2 replicas behind the load balancer, 3 nodes, %d kills"
                    + " (replica 1 and 2 in turn); %d cpus; load %s -> %s%n", rounds, Runtime.getRuntime().availableProcessors(),
                    loadBefore, loadAfter));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("%-62s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            DeployBenchmark.row(table, "API outage after kill -9 of a replica (to the last failed call)", outage);
            DeployBenchmark.row(table, "create -> first 200, created right after the kill", failover);
            DeployBenchmark.row(table, "floor: create -> first 200, both replicas up", floor);
            table.append(String.format("failed calls through the load balancer per kill (a call every 5 ms): %s%n", failedCalls));
            table.append(String.format("create -> 200 across a kill, p50 / floor p50: %.1fx%n",
                    percentile(failover, 50) / percentile(floor, 50)));

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("rounds", rounds);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("apiOutage", BenchSupport.summary(outage));
            json.put("failedCallsPerKill", failedCalls);
            json.put("createToServedAcrossKill", BenchSupport.summary(failover));
            json.put("createToServedBothUp", BenchSupport.summary(floor));
            json.put("figures", List.of(
                    BenchSupport.figure("API replica killed: create -> first 200 of a site created at once, max",
                            failover.stream().mapToDouble(Double::doubleValue).max().orElse(0), "ms", null, null,
                            "create -> first 200, both replicas up, max", floor.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                            String.format("p50 %.0f ms vs %.0f ms", percentile(failover, 50), percentile(floor, 50))),
                    BenchSupport.figure("API replica killed: outage through the load balancer, max",
                            outage.stream().mapToDouble(Double::doubleValue).max().orElse(0), "ms", null, null,
                            "calls failed per kill, most", failedCalls.stream().mapToInt(Integer::intValue).max().orElse(0), null)));
            BenchSupport.report(table.toString(), json, "target/bench/replicas.json");
        }
    }

    /** GET /sites through the load balancer every 5 ms, counting what fails after the kill. */
    private static final class Poller implements Runnable {
        final ApiCalls api;
        final String token;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong killedAt = new AtomicLong();
        final AtomicLong lastFailureAfterKill = new AtomicLong();
        volatile int failuresAfterKill;

        Poller(ApiCalls api, String token) {
            this.api = api;
            this.token = token;
        }

        @Override
        public void run() {
            while (running.get()) {
                boolean ok;
                try {
                    ok = api.get("/sites", token).status() == 200;
                } catch (RuntimeException failure) {
                    ok = false;
                }
                long now = System.nanoTime();
                if (!ok && killedAt.get() != 0 && now >= killedAt.get()) {
                    failuresAfterKill++;
                    lastFailureAfterKill.set(now);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Creates a site through the load balancer; the milliseconds until its node's proxy answers it with 200. */
    private static double createUntilServed(Cluster cluster, String admin, String token, String name) throws Exception {
        long start = System.nanoTime();
        ApiCalls.Answer created;
        do {
            created = cluster.calls().json("POST", "/sites", token, "{\"name\":\"" + name + "\"}");
        } while (created.status() >= 500 && System.nanoTime() - start < SERVED_TIMEOUT_NANOS); // the load balancer's retry
        if (created.status() != 201) {
            throw new IllegalStateException("create failed: " + created);
        }
        while (System.nanoTime() - start < SERVED_TIMEOUT_NANOS) {
            String node = cluster.nodeOfSites(admin).get(name);
            if (node != null && !node.isEmpty()) {
                try {
                    SiteHttp.Response response = cluster.site(node, name);
                    if (response.status() == 200) {
                        return (System.nanoTime() - start) / 1e6;
                    }
                } catch (IOException notYet) {
                    // the node's proxy has no route yet
                }
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(name + " was not served within two minutes");
    }

    private static void raiseQuota(ApiCalls api, String admin, String token, int sites) {
        String tenantId = api.get("/tenant", token).json().get("id").asText();
        ApiCalls.Answer quota = api.get("/admin/tenants/" + tenantId + "/quota", admin);
        com.fasterxml.jackson.databind.node.ObjectNode raised = (com.fasterxml.jackson.databind.node.ObjectNode) quota.json().deepCopy();
        raised.put("maxSites", Math.max(sites, raised.get("maxSites").asInt())).put("maxRunningSites", Math.max(sites,
                raised.get("maxRunningSites").asInt())).put("apiRequestsPerMinute", 1_000_000);
        ApiCalls.Answer set = api.json("PUT", "/admin/tenants/" + tenantId + "/quota", admin, raised.toString());
        if (set.status() != 200) {
            throw new IllegalStateException("quota not raised: " + set);
        }
    }
}
