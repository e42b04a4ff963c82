package dev.berth.e2e.bench;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 7's proxy figures on the real stack: one site created through the API, then the same page
 * requested three ways: directly at the site's address on the run's own bridge (the floor), through
 * hostd's nginx (what Berth serves), and through Debian's HAProxy (the peer) started for this run
 * as a second proxy to the same site, one thread as nginx runs one worker. For each: throughput at
 * saturation (16 requests in flight, closed loop), then latency at a fixed 2,000 req/s (open loop,
 * measured from each request's scheduled send time). Goals: nginx throughput >= 50% of direct,
 * p50 +<= 0.25 ms and p99 +<= 1 ms over direct. Argument: seconds per phase (default 10).
 * Runs as root, prints a table and writes target/bench/proxy.{json,txt}.
 *
 * <p>{@code mvn -B -pl e2e -Pbench-proxy -DskipTests verify -Dberth.bench.args=10}
 */
public final class ProxyBenchmark {
    private static final int RATE_PER_SECOND = 2_000;
    private static final int CONCURRENCY = 16;
    private static final double GOAL_THROUGHPUT_RATIO = 0.5;
    private static final double GOAL_ADDED_P50_MILLIS = 0.25;
    private static final double GOAL_ADDED_P99_MILLIS = 1.0;
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    /** Above this direct p50 at the fixed rate, requests queue at the site itself. */
    private static final double FLOOR_QUEUEING_MILLIS = 20;

    private ProxyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = BenchSupport.sizeArgument(args, 10, 600);
        BenchSupport.requireStack("ProxyBenchmark");
        String haproxyMissing = haproxyMissing();
        try (StackProcess stack = StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .defaultQuota("cpuMillicores", 2000)
                .defaultQuota("pids", 1000)
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                // The site may use a whole core, so that the proxies, not the site's quota, are what differ.
                .apiConfiguration("siteLimits:\n  cpuMillicores: 1000\n  memoryMib: 64\n  pids: 256\n")
                .name("proxy-bench")
                .build()) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String token = api.signUpAndLogIn("proxy-" + stack.prefix() + "@example.com", "correct horse battery staple",
                    "proxy" + stack.prefix());
            String site = stack.uniqueSiteName("proxy");
            stack.createSite(token, site);
            stack.awaitSite(site, "/", response -> response.status() == 200, ANSWER_TIMEOUT);
            // A steady answer before the load phases: where a change reloads nginx (a certificate), old workers
            // still accept next to new ones, and a 404 after the first 200 would count as an error.
            awaitSteady(stack, site);
            BridgeAddress address = BridgeAddress.check(stack, api.get("/sites/" + site, token).json().get("ipv4").asText());
            // nginx asks the site for the release's own directory; the floor and the peer ask for the same file.
            String releasePath = "/releases/_welcome/";
            String welcome = "Welcome to " + site;
            SiteHttp.Response proxied = stack.site(site, "/");
            SiteHttp.Response direct = SiteHttp.get(address.ipv4(), 80, "direct", releasePath);
            if (direct.status() != 200 || !direct.text().contains(welcome) || !proxied.text().contains(welcome)) {
                throw new IllegalStateException("the site's page at " + releasePath + " and through nginx should both welcome " + site
                        + ": direct " + direct + "; nginx " + proxied);
            }
            String hostname = site + ".localhost";
            Map<String, LoadGenerator.Target> targets = new LinkedHashMap<>();
            targets.put("direct", new LoadGenerator.Target("direct to the site's address on the run's bridge",
                    URI.create("http://" + address.ipv4() + ":80" + releasePath), Map.of(), address));
            targets.put("nginx", new LoadGenerator.Target("through hostd's nginx",
                    URI.create("http://127.0.0.1:" + stack.proxyPort() + "/"), Map.of("Host", hostname)));
            Process haproxy = null;
            if (haproxyMissing == null) {
                int port = freeLoopbackPort();
                haproxy = startHaproxy(stack, port, address, releasePath);
                awaitHaproxy(port, hostname);
                targets.put("haproxy", new LoadGenerator.Target("through HAProxy (peer)",
                        URI.create("http://127.0.0.1:" + port + "/"), Map.of("Host", hostname)));
            }
            Map<String, LoadGenerator.Result> saturation = new LinkedHashMap<>();
            Map<String, LoadGenerator.Result> fixedRate = new LinkedHashMap<>();
            try (LoadGenerator load = new LoadGenerator(64)) {
                for (LoadGenerator.Target target : targets.values()) {
                    load.closedLoop(target, CONCURRENCY, 2);
                }
                for (Map.Entry<String, LoadGenerator.Target> target : targets.entrySet()) {
                    saturation.put(target.getKey(), load.closedLoop(target.getValue(), CONCURRENCY, seconds));
                }
                for (Map.Entry<String, LoadGenerator.Target> target : targets.entrySet()) {
                    fixedRate.put(target.getKey(), load.openLoop(target.getValue(), RATE_PER_SECOND, seconds));
                }
            } finally {
                if (haproxy != null) {
                    haproxy.destroy();
                }
            }
            String loadAfter = BenchSupport.loadAverage();
            report(seconds, haproxyMissing, loadBefore, loadAfter, saturation, fixedRate);
        }
    }

    private static void report(int seconds, String haproxyMissing, String loadBefore, String loadAfter,
                               Map<String, LoadGenerator.Result> saturation, Map<String, LoadGenerator.Result> fixedRate)
            throws IOException {
        StringBuilder table = new StringBuilder();
        table.append(String.format("Berth proxy benchmark: one busybox site, %d s per phase; %d cpus; load %s -> %s%n", seconds,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
        table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
        table.append(String.format("%-52s %10s %8s %8s %8s %8s %7s%n", "", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors"));
        for (String key : saturation.keySet()) {
            LoadGenerator.Result result = saturation.get(key);
            table.append(String.format("%-52s %10.0f %8.2f %8.2f %8.2f %8.2f %7d%n", "saturation (" + CONCURRENCY + " in flight), "
                    + key, result.throughputPerSecond(), result.percentileMillis(50), result.percentileMillis(99),
                    result.percentileMillis(99.9), result.maxMillis(), result.errors()));
        }
        for (String key : fixedRate.keySet()) {
            LoadGenerator.Result result = fixedRate.get(key);
            table.append(String.format("%-52s %10.0f %8.2f %8.2f %8.2f %8.2f %7d%n", RATE_PER_SECOND + " req/s open loop, " + key,
                    result.throughputPerSecond(), result.percentileMillis(50), result.percentileMillis(99),
                    result.percentileMillis(99.9), result.maxMillis(), result.errors()));
        }
        if (haproxyMissing != null) {
            table.append("HAProxy: ").append(haproxyMissing).append(", not measured\n");
        }

        List<BenchSupport.Figure> figures = new ArrayList<>();
        double directRps = saturation.get("direct").throughputPerSecond();
        double nginxRps = saturation.get("nginx").throughputPerSecond();
        List<BenchSupport.Comparison> throughputPeers = new ArrayList<>();
        throughputPeers.add(new BenchSupport.Comparison("direct (floor)", directRps));
        if (saturation.containsKey("haproxy")) {
            throughputPeers.add(new BenchSupport.Comparison("HAProxy (peer)", saturation.get("haproxy").throughputPerSecond()));
        }
        figures.add(new BenchSupport.Figure("proxy throughput at saturation, nginx", nginxRps, "req/s",
                ">= 50% of direct", nginxRps >= GOAL_THROUGHPUT_RATIO * directRps, throughputPeers));
        for (double percentile : new double[] {50, 99}) {
            double directMillis = fixedRate.get("direct").percentileMillis(percentile);
            double added = fixedRate.get("nginx").percentileMillis(percentile) - directMillis;
            List<BenchSupport.Comparison> latencyPeers = new ArrayList<>();
            if (fixedRate.containsKey("haproxy")) {
                latencyPeers.add(new BenchSupport.Comparison("HAProxy added (peer)",
                        fixedRate.get("haproxy").percentileMillis(percentile) - directMillis));
            }
            latencyPeers.add(new BenchSupport.Comparison("direct p" + (int) percentile + " (floor)", directMillis));
            double goal = percentile == 50 ? GOAL_ADDED_P50_MILLIS : GOAL_ADDED_P99_MILLIS;
            // An added latency means something only while the site itself keeps up with the rate.
            LoadGenerator.Result floor = fixedRate.get("direct");
            // (Answers per second over the phase are no test: the drain of the last stragglers lengthens the phase.)
            boolean floorKeptUp = floor.errors() == 0 && floor.percentileMillis(50) <= FLOOR_QUEUEING_MILLIS;
            figures.add(new BenchSupport.Figure("proxy added latency p" + (int) percentile + " at " + RATE_PER_SECOND + " req/s, nginx",
                    added, "ms", "+<= " + goal + " ms", floorKeptUp ? added <= goal && fixedRate.get("nginx").errors() == 0 : null,
                    latencyPeers, floorKeptUp ? null : String.format("the site itself did not keep up with %d req/s here (direct:"
                    + " p50 %.1f ms, %d errors): the difference is not the proxy's", RATE_PER_SECOND, floor.percentileMillis(50),
                    floor.errors())));
        }
        for (BenchSupport.Figure figure : figures) {
            table.append(String.format("%s: %.2f %s (goal %s: %s)%s%n", figure.name(), figure.value(), figure.unit(), figure.goal(),
                    figure.verdict(), figure.note() == null ? "" : " -- " + figure.note()));
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("secondsPerPhase", seconds);
        json.put("cpus", Runtime.getRuntime().availableProcessors());
        json.put("loadAverageBefore", loadBefore);
        json.put("loadAverageAfter", loadAfter);
        json.put("haproxy", haproxyMissing == null ? "measured" : haproxyMissing);
        json.put("saturation", phases(saturation));
        json.put("fixedRate", phases(fixedRate));
        json.put("figures", figures.stream().map(BenchSupport.Figure::toJson).toList());
        BenchSupport.report(table.toString(), json, "target/bench/proxy.json");
    }

    private static Map<String, Object> phases(Map<String, LoadGenerator.Result> results) {
        Map<String, Object> json = new LinkedHashMap<>();
        results.forEach((key, result) -> json.put(key, Map.of("label", result.label(), "requestsPerSecond",
                BenchSupport.round(result.throughputPerSecond()), "p50Millis", result.percentileMillis(50), "p99Millis",
                result.percentileMillis(99), "p999Millis", result.percentileMillis(99.9), "maxMillis", result.maxMillis(),
                "errors", result.errors(), "statuses", result.statuses())));
        return json;
    }

    /**
     * HAProxy in the foreground (one thread, like nginx's one worker), its configuration in the run's
     * data directory, registered with the stack so that teardown (or the next run's sweep) stops it.
     * {@code timeout} bounds its life in case even that is skipped.
     */
    private static Process startHaproxy(StackProcess stack, int port, BridgeAddress site, String releasePath) throws IOException {
        Path config = stack.dataDirectory().resolve("haproxy.cfg");
        Files.writeString(config, """
                global
                    nbthread 1
                    maxconn 4096
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 30s
                    timeout server 30s
                frontend berth_bench
                    bind 127.0.0.1:%1$d
                    default_backend site
                backend site
                    http-request set-path %3$s%%[path,regsub(^/,)]
                    http-reuse always
                    server site %2$s:80
                """.formatted(port, site.ipv4(), releasePath));
        Process process = new ProcessBuilder("timeout", "1800", "haproxy", "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(stack.dataDirectory().resolve("haproxy.log").toFile()).start();
        stack.registerHelper("haproxy", process);
        return process;
    }

    private static void awaitHaproxy(int port, String hostname) throws Exception {
        long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        while (true) {
            try {
                SiteHttp.Response response = SiteHttp.get("127.0.0.1", port, hostname, "/");
                if (response.status() == 200) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("HAProxy answers " + response);
                }
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("HAProxy did not start", notYet);
                }
            }
            Thread.sleep(20);
        }
    }

    /** Until 50 answers in a row through nginx are 200. */
    private static void awaitSteady(StackProcess stack, String site) throws Exception {
        long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        for (int inARow = 0; inARow < 50; ) {
            inARow = stack.site(site, "/").status() == 200 ? inARow + 1 : 0;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nginx never answered 50 times in a row for " + site);
            }
            Thread.sleep(inARow == 0 ? 20 : 1);
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** Why HAProxy cannot be measured here, or null if it can. */
    private static String haproxyMissing() {
        for (String directory : List.of("/usr/sbin", "/usr/bin")) {
            if (Files.isExecutable(Path.of(directory, "haproxy"))) {
                return null;
            }
        }
        return "not installed (scripts/deps.sh haproxy)";
    }
}
