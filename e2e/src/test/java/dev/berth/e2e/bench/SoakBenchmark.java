package dev.berth.e2e.bench;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.Archives;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 17's soak on the real stack: N running sites (default 500), every one asked for its page
 * through nginx in turn at a fixed rate in all (default 200 req/s, open loop: a slow answer cannot
 * hide the requests queued behind it) for M minutes (default 10), while a deploy goes to the next
 * site every second. Figures: requests that did not answer 200 (goal 0), deploys that failed
 * (goal 0), and the resident memory of hostd, of nginx (master and workers) and of the API at the
 * end against the same processes after a warm-up minute (goal: each grew under 5%). hostd runs
 * with Native Memory Tracking: the report splits its growth by the JVM's own account (heap, class
 * metadata, compiled code, threads, ...) and gives its live objects after a full collection at
 * both ends, which tells a leak (live objects growing) from the JVM settling, and the resident
 * pages within the Java heap's range at both ends, which tells heap pages written for the first
 * time from growth outside the heap. nginx's growth is
 * split by kind of mapping: its shared zones (the route table), private anonymous memory (C and
 * LuaJIT heaps) and files.
 *
 * <p>Arguments: {@code SITES [MINUTES [RATE]]}. Runs as root, prints a table, writes
 * target/bench/soak.{json,txt}.
 * {@code mvn -B -pl e2e -Pbench-main -DskipTests verify -Dberth.bench.main=SoakBenchmark -Dberth.bench.args="500 10 200"}
 */
public final class SoakBenchmark {
    private static final int CLIENTS = 4;
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration WARM_UP = Duration.ofSeconds(60);
    private static final double GOAL_GROWTH_PERCENT = 5;

    private SoakBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String[] words = args.length == 1 ? args[0].trim().split("\\s+") : args;
        int count = BenchSupport.sizeArgument(words, 500, 1_000);
        int minutes = words.length > 1 ? Integer.parseInt(words[1]) : 10;
        int rate = words.length > 2 ? Integer.parseInt(words[2]) : 200;
        if (minutes < 1 || minutes > 120 || rate < 1 || rate > 5_000) {
            throw new IllegalArgumentException("minutes 1 to 120, rate 1 to 5,000 requests per second");
        }
        BenchSupport.requireStack("SoakBenchmark");
        try (DensityBenchmark.NeighbourTable neighbours = DensityBenchmark.NeighbourTable.sizedForSites(count);
             StackProcess stack = BenchSupport.manySitesBuilder("soak-bench", count)
                     .hostdJvmOption(NativeMemory.TRACKING).build()) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String token = BenchSupport.benchTenant(stack);
            long createStart = System.nanoTime();
            List<String> sites = BenchSupport.createServingSites(stack, token, count, CLIENTS, "s", ANSWER_TIMEOUT);
            double createSeconds = (System.nanoTime() - createStart) / 1e9;
            List<LoadGenerator.Target> targets = new ArrayList<>();
            for (String site : sites) {
                targets.add(new LoadGenerator.Target(site, URI.create("http://127.0.0.1:" + stack.proxyPort() + "/"),
                        Map.of("Host", site + ".localhost")));
            }

            try (LoadGenerator load = new LoadGenerator(64)) {
                // Warm-up: the JITs, nginx's workers and the kernel's caches reach their working size.
                load.openLoop("warm-up", targets, rate, (int) WARM_UP.toSeconds());
                long hostdBefore = BenchSupport.residentBytes(stack.hostdPid());
                long hostdHeapBefore = NativeMemory.heapResidentKib(stack.hostdPid());
                long nginxBefore = BenchSupport.nginxResidentBytes(stack);
                Map<String, Long> nginxKindsBefore = BenchSupport.nginxResidentKibByKind(stack);
                long apiBefore = BenchSupport.residentBytes(stack.api().pid());
                // After the resident sizes: the histogram's full collection must not shrink what they read.
                NativeMemory.baseline(stack.hostdPid());
                long hostdLiveBefore = NativeMemory.liveHeapBytes(stack.hostdPid());

                AtomicBoolean deploying = new AtomicBoolean(true);
                AtomicInteger refused = new AtomicInteger();
                List<String[]> deploys = java.util.Collections.synchronizedList(new ArrayList<>());
                Thread deployer = new Thread(() -> {
                    int next = 0;
                    while (deploying.get()) {
                        long started = System.nanoTime();
                        String site = sites.get(next++ % sites.size());
                        ApiCalls.Answer answer = api.upload(token, site, Archives.zip(Map.of("index.html",
                                Archives.utf8("<h1>" + site + " release " + next + "</h1>"))), "application/zip");
                        if (answer.status() == 202) {
                            deploys.add(new String[] {site, answer.json().get("id").asText()});
                        } else {
                            refused.incrementAndGet();
                            System.err.println("deploy refused: " + answer);
                        }
                        long left = 1_000_000_000L - (System.nanoTime() - started);
                        if (left > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(left);
                        }
                    }
                }, "soak-deployer");
                deployer.start();
                LoadGenerator.Result soak;
                try {
                    soak = load.openLoop("soak", targets, rate, minutes * 60);
                } finally {
                    deploying.set(false);
                    deployer.join(60_000);
                }
                long hostdAfter = BenchSupport.residentBytes(stack.hostdPid());
                long hostdHeapAfter = NativeMemory.heapResidentKib(stack.hostdPid());
                long nginxAfter = BenchSupport.nginxResidentBytes(stack);
                Map<String, Long> nginxKindsAfter = BenchSupport.nginxResidentKibByKind(stack);
                long apiAfter = BenchSupport.residentBytes(stack.api().pid());
                Map<String, Long> hostdCommitted = NativeMemory.committedGrowth(stack.hostdPid(), 256);
                long hostdLiveAfter = NativeMemory.liveHeapBytes(stack.hostdPid());

                Map<String, Integer> outcomes = new java.util.TreeMap<>();
                long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
                for (String[] deploy : deploys) {
                    String status = "";
                    while (System.nanoTime() < deadline) {
                        status = api.get("/sites/" + deploy[0] + "/deploys/" + deploy[1], token).json().path("status").asText();
                        if (List.of("live", "superseded", "failed").contains(status)) {
                            break;
                        }
                        Thread.sleep(100);
                    }
                    outcomes.merge(status, 1, Integer::sum);
                }
                int failedDeploys = outcomes.getOrDefault("failed", 0) + refused.get();
                String loadAfter = BenchSupport.loadAverage();

                StringBuilder table = new StringBuilder();
                table.append(String.format("Soak: %d sites, %d req/s in all through nginx for %d min, a deploy every second"
                        + " (%d cores, load %s -> %s)%n", count, rate, minutes, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
                table.append(String.format("  sites created and serving in %.0f s%n", createSeconds));
                table.append(String.format("  requests %d, not 200: %d %s; latency p50 %.2f ms, p99 %.2f ms, max %.1f ms%n",
                        soak.sent(), soak.errors(), soak.statuses(), soak.percentileMillis(50), soak.percentileMillis(99), soak.maxMillis()));
                table.append(String.format("  deploys %d: %s, refused %d%n", deploys.size() + refused.get(), outcomes, refused.get()));
                table.append(String.format("  resident memory after the warm-up -> at the end: hostd %.1f -> %.1f MiB (%+.1f%%),"
                                + " nginx %.1f -> %.1f MiB (%+.1f%%), API %.1f -> %.1f MiB (%+.1f%%)%n",
                        mib(hostdBefore), mib(hostdAfter), growth(hostdBefore, hostdAfter), mib(nginxBefore), mib(nginxAfter),
                        growth(nginxBefore, nginxAfter), mib(apiBefore), mib(apiAfter), growth(apiBefore, apiAfter)));
                long residentGrowthKib = (hostdAfter - hostdBefore) / 1024;
                StringBuilder categories = new StringBuilder();
                hostdCommitted.forEach((category, kib) -> {
                    if (!category.equals("Total")) {
                        categories.append(String.format(", %s %+.1f", category, kib / 1024.0));
                    }
                });
                table.append(String.format("  hostd's growth by the JVM's account (MiB committed): total %+.1f%s; outside it"
                                + " (C allocator, kernel) %+.1f; live objects after a full collection %.1f -> %.1f MiB (%+.1f%%)%n",
                        hostdCommitted.get("Total") / 1024.0, categories, (residentGrowthKib - hostdCommitted.get("Total")) / 1024.0,
                        mib(hostdLiveBefore), mib(hostdLiveAfter), growth(hostdLiveBefore, hostdLiveAfter)));

                table.append(String.format("  hostd's resident memory in the Java heap's range: %.1f -> %.1f MiB (%+.1f MiB: pages the"
                                + " collector wrote for the first time); outside it %+.1f MiB%n", hostdHeapBefore / 1024.0,
                        hostdHeapAfter / 1024.0, (hostdHeapAfter - hostdHeapBefore) / 1024.0,
                        (residentGrowthKib - (hostdHeapAfter - hostdHeapBefore)) / 1024.0));

                StringBuilder kinds = new StringBuilder();
                Map<String, Long> nginxKindGrowth = new LinkedHashMap<>();
                for (String kind : BenchSupport.MAPPING_KINDS) {
                    long grown = nginxKindsAfter.getOrDefault(kind, 0L) - nginxKindsBefore.getOrDefault(kind, 0L);
                    nginxKindGrowth.put(kind, grown);
                    kinds.append(String.format("%s%s %.1f -> %.1f (%+.1f)", kinds.length() == 0 ? "" : ", ", kind,
                            nginxKindsBefore.getOrDefault(kind, 0L) / 1024.0, nginxKindsAfter.getOrDefault(kind, 0L) / 1024.0,
                            grown / 1024.0));
                }
                table.append("  nginx's resident memory by kind of mapping (MiB, master and workers): ").append(kinds).append('\n');

                Map<String, Object> json = new LinkedHashMap<>();
                json.put("sites", count);
                json.put("minutes", minutes);
                json.put("ratePerSecond", rate);
                json.put("cpus", Runtime.getRuntime().availableProcessors());
                json.put("loadAverageBefore", loadBefore);
                json.put("loadAverageAfter", loadAfter);
                json.put("requests", soak.sent());
                json.put("statuses", soak.statuses());
                json.put("deploys", outcomes);
                json.put("hostdCommittedGrowthKib", hostdCommitted);
                json.put("nginxResidentGrowthKibByKind", nginxKindGrowth);
                json.put("hostdHeapResidentKib", Map.of("afterWarmUp", hostdHeapBefore, "atEnd", hostdHeapAfter));
                json.put("hostdLiveHeapBytes", Map.of("afterWarmUp", hostdLiveBefore, "atEnd", hostdLiveAfter));
                json.put("figures", List.of(
                        BenchSupport.figure("requests not answered 200", soak.errors(), "requests", "0", soak.errors() == 0,
                                "requests sent", soak.sent(), count + " sites, " + rate + " req/s, " + minutes + " min"),
                        BenchSupport.figure("latency p99", soak.percentileMillis(99), "ms", null, null, "p50",
                                soak.percentileMillis(50), null),
                        BenchSupport.figure("deploys failed or refused", failedDeploys, "deploys", "0", failedDeploys == 0,
                                "deploys made", deploys.size() + refused.get(), "one a second to the next site"),
                        growthFigure("hostd", hostdBefore, hostdAfter),
                        growthFigure("nginx (master and workers)", nginxBefore, nginxAfter),
                        growthFigure("API", apiBefore, apiAfter)));
                BenchSupport.report(table.toString(), json, "target/bench/soak.json");
            }
        }
    }

    private static Map<String, Object> growthFigure(String process, long before, long after) {
        double growth = growth(before, after);
        return BenchSupport.figure(process + " resident memory growth", growth, "%", "< " + GOAL_GROWTH_PERCENT + "%",
                growth < GOAL_GROWTH_PERCENT, "MiB after the warm-up", mib(before), String.format("%.1f MiB at the end", mib(after)));
    }

    private static double growth(long before, long after) {
        return before == 0 ? Double.NaN : (after - before) * 100.0 / before;
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
