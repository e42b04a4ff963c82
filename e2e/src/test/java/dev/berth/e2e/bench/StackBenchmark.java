package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;
import static dev.berth.e2e.bench.BenchSupport.round;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The stack's figures on {@code make run}'s configuration (the API's default site limits; only the
 * tenant's quota is raised to hold the run's sites): over N sites (argument, default 50) created one
 * after the other through the API, each once hostd's warm pool is full again, create -> first 200
 * through the proxy (p50, p95, p99), then 10 more back to back (the pool refilling behind); stop ->
 * 503 and start -> 200 through the proxy, each timed on its own (20 sites); idle memory per running
 * site (the site cgroups' usage summed / N, and the MemAvailable drop over the run); one site's
 * throughput through the proxy (a 1 KB page, 16 connections) next to a host nginx serving the same
 * file; and in the same run the floors: {@code runc run --detach} of the same bundle (the
 * config.json hostd generated, same rootfs and netns) until its server answers, and {@code runc
 * delete --force} of that container. Runs as root, stops by itself, prints a table and writes
 * target/bench/stack.json and stack.txt.
 *
 * <p>{@code mvn -B -pl e2e -am -Pbench-stack -DskipTests verify [-Dberth.bench.args=50]}
 */
public final class StackBenchmark {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    /** Sites created back to back, each as soon as the previous one answers. */
    private static final int BURST = 10;
    private static final double GOAL_CREATE_P50_MILLIS = 50;
    private static final double GOAL_CREATE_P99_MILLIS = 150;
    private static final double GOAL_STOP_START_P50_MILLIS = 30;
    private static final double GOAL_IDLE_KIB = 1024;
    private static final double GOAL_THROUGHPUT_SHARE = 0.20;
    private static final double GOAL_THROUGHPUT_P99_MILLIS = 20;
    private static final int THROUGHPUT_CONNECTIONS = 16;
    private static final int THROUGHPUT_SECONDS = 10;

    private StackBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int count = BenchSupport.countArgument(args, 50);
        BenchSupport.requireStack("StackBenchmark");
        int restarts = Math.min(count, 20);
        int floors = Math.min(count, 20);
        try (StackProcess stack = StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .defaultQuota("maxSites", count + BURST + 10)
                .defaultQuota("maxRunningSites", count + BURST + 10)
                .defaultQuota("cpuMillicores", 2000)
                .defaultQuota("memoryMib", 8192)
                .defaultQuota("pids", 20_000)
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                .name("stack-bench")
                .build()) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String token = api.signUpAndLogIn("bench-" + stack.prefix() + "@example.com", "correct horse battery staple",
                    "bench" + stack.prefix());
            // Warm-up: one site created and deleted, so that JIT and first-time nginx work are not measured.
            String warmUp = stack.uniqueSiteName("warm");
            stack.createSite(token, warmUp);
            awaitStatus(stack, warmUp, 200);

            Map<String, Long> before = BenchSupport.meminfo();
            List<String> sites = new ArrayList<>();
            List<Double> createMillis = new ArrayList<>();
            List<Double> postMillis = new ArrayList<>();
            List<Double> proxyMillis = new ArrayList<>();
            JsonNode pool = stack.warmPool();
            for (int index = 0; index < count; index++) {
                String site = stack.uniqueSiteName("b" + index);
                // A tenant's create meets a full pool unless creates come faster than slots start:
                // this series waits for it; the back-to-back series below does not.
                stack.awaitWarmPool(ANSWER_TIMEOUT);
                long start = System.nanoTime();
                postMillis.add(BenchSupport.createSite(stack, token, site, start));
                // Where the time goes: the host's proxy knows the name (503 or 200 instead of 404), then the server answers.
                stack.awaitSite(site, "/", response -> response.status() != 404, ANSWER_TIMEOUT);
                proxyMillis.add((System.nanoTime() - start) / 1e6);
                awaitStatus(stack, site, 200);
                createMillis.add((System.nanoTime() - start) / 1e6);
                sites.add(site);
            }
            Thread.sleep(3000);
            Map<String, Long> running = BenchSupport.meminfo();
            long cgroupBytes = siteCgroupMemory(stack, sites);
            long hostdReported = 0;
            for (var observed : stack.hostdSites()) {
                if (sites.contains(observed.path("name").asText())) {
                    hostdReported += observed.path("memoryBytes").asLong();
                }
            }

            List<Double> stopMillis = new ArrayList<>();
            List<Double> stopPostMillis = new ArrayList<>();
            List<Double> startMillis = new ArrayList<>();
            List<Double> startPostMillis = new ArrayList<>();
            // hostd's log up to here holds the creates' claims, after it the starts' (Claims).
            int linesBeforeRestarts = stack.hostdLogLines().size();
            for (int index = 0; index < restarts; index++) {
                String site = sites.get(index);
                stack.awaitWarmPool(ANSWER_TIMEOUT);
                long stopStart = System.nanoTime();
                post(api, token, "/sites/" + site + "/stop");
                stopPostMillis.add((System.nanoTime() - stopStart) / 1e6);
                awaitStatus(stack, site, 503);
                stopMillis.add((System.nanoTime() - stopStart) / 1e6);
                long start = System.nanoTime();
                post(api, token, "/sites/" + site + "/start");
                startPostMillis.add((System.nanoTime() - start) / 1e6);
                awaitStatus(stack, site, 200);
                startMillis.add((System.nanoTime() - start) / 1e6);
            }

            // Back to back: each create as soon as the previous site answers, the pool refilling behind.
            List<Double> burstMillis = new ArrayList<>();
            stack.awaitWarmPool(ANSWER_TIMEOUT);
            for (int index = 0; index < BURST; index++) {
                String site = stack.uniqueSiteName("c" + index);
                long start = System.nanoTime();
                BenchSupport.createSite(stack, token, site, start);
                awaitStatus(stack, site, 200);
                burstMillis.add((System.nanoTime() - start) / 1e6);
            }

            Throughput throughput = throughput(stack, api, token, sites.get(0));

            List<Double> floorMillis = new ArrayList<>();
            List<Double> floorDeleteMillis = new ArrayList<>();
            String podman = podmanMissing();
            List<Double> podmanMillis = new ArrayList<>();
            try {
                for (int index = 0; index < floors; index++) {
                    // The same stopped site (its netns and content) for both, one after the other.
                    StandIn standIn = stopForStandIn(stack, api, token, sites.get(count - 1 - index));
                    StandInTimes floor = floor(stack, standIn, index);
                    floorMillis.add(floor.answeredMillis());
                    floorDeleteMillis.add(floor.removedMillis());
                    if (podman == null) {
                        podmanMillis.add(podmanRun(stack, standIn, index).answeredMillis());
                    }
                }
            } finally {
                StackProcess.run(List.of("rm", "-rf", podmanRunRoot(stack).toString()));
            }
            String loadAfter = BenchSupport.loadAverage();

            double cgroupKib = cgroupBytes / 1024.0 / count;
            long availableDrop = before.get("MemAvailable") - running.get("MemAvailable");
            long kernelGrowth = BenchSupport.kernelBytes(running) - BenchSupport.kernelBytes(before);
            StringBuilder table = new StringBuilder();
            Claims claims = Claims.fromHostdLog(stack.hostdLogLines(), linesBeforeRestarts, sites.subList(0, restarts), sites);
            table.append(String.format("Berth stack benchmark: %d sites through the API, hostd, runc and nginx; %d cpus; load %s -> %s%n",
                    count, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("%-58s %9s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "p99 ms", "max ms"));
            row(table, "API create -> first 200 through nginx (" + count + ")", createMillis);
            row(table, "  of which POST /sites answered 201", postMillis);
            row(table, "  of which until nginx knows the name (first non-404)", proxyMillis);
            row(table, "  of which hostd's warm pool claim", claims.create());
            row(table, "    of which its network part (`ip` runs)", claims.createNetwork());
            row(table, "API create -> 200, " + BURST + " back to back (pool of " + pool.path("size").asInt() + " refilling)", burstMillis);
            row(table, "API stop -> 503 through nginx (" + restarts + ")", stopMillis);
            row(table, "  of which POST .../stop answered 202", stopPostMillis);
            row(table, "API start -> 200 through nginx (" + restarts + ")", startMillis);
            row(table, "  of which POST .../start answered 202", startPostMillis);
            row(table, "  of which hostd's warm pool claim", claims.start());
            row(table, "    of which its network part (`ip` runs)", claims.startNetwork());
            row(table, "floor: runc run --detach, same bundle -> 200 (" + floors + ")", floorMillis);
            row(table, "floor: runc delete --force of that container (" + floors + ")", floorDeleteMillis);
            table.append(String.format("idle memory per running site, site cgroups' usage / N:     %.0f KiB (hostd reports %.0f KiB)%n",
                    cgroupKib, hostdReported / 1024.0 / count));
            table.append(String.format("MemAvailable drop over the run / N:                        %.0f KiB (total %.1f MiB; other processes included)%n",
                    availableDrop / 1024.0 / count, availableDrop / 1048576.0));
            table.append(String.format("kernel memory growth / N (Slab+Percpu+KernelStack+PageTables): %.0f KiB%n",
                    kernelGrowth / 1024.0 / count));
            if (podman == null) {
                row(table, "peer: podman run -d, same rootfs, netns -> 200 (" + floors + ")", podmanMillis);
            } else {
                table.append("podman: ").append(podman).append(", not measured\n");
            }
            table.append(throughput.describe());
            double createP50 = percentile(createMillis, 50);
            table.append(String.format("goals (issue 17): create -> 200 below the runc floor (x%.2f), p50 <= %.0f ms, p99 <= %.0f ms: %s;"
                    + " stop -> 503 p50 <= %.0f ms: %s; start -> 200 p50 <= %.0f ms: %s; throughput >= %.0f%% of the host nginx, p99 <= %.0f ms: %s;"
                    + " <= 1 MiB per idle site (cgroup): %s%n",
                    createP50 / percentile(floorMillis, 50), GOAL_CREATE_P50_MILLIS, GOAL_CREATE_P99_MILLIS,
                    verdict(createP50 < percentile(floorMillis, 50) && createP50 <= GOAL_CREATE_P50_MILLIS
                            && percentile(createMillis, 99) <= GOAL_CREATE_P99_MILLIS),
                    GOAL_STOP_START_P50_MILLIS, verdict(percentile(stopMillis, 50) <= GOAL_STOP_START_P50_MILLIS),
                    GOAL_STOP_START_P50_MILLIS, verdict(percentile(startMillis, 50) <= GOAL_STOP_START_P50_MILLIS),
                    GOAL_THROUGHPUT_SHARE * 100, GOAL_THROUGHPUT_P99_MILLIS, verdict(throughput.met()),
                    verdict(cgroupKib <= GOAL_IDLE_KIB)));

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("sites", count);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("createToFirst200", BenchSupport.summary(createMillis));
            json.put("createPostAnswered", BenchSupport.summary(postMillis));
            json.put("createBackToBack", BenchSupport.summary(burstMillis));
            json.put("warmPoolSize", pool.path("size").asInt());
            json.put("createToProxyEntry", BenchSupport.summary(proxyMillis));
            json.put("stopTo503", BenchSupport.summary(stopMillis));
            json.put("stopPostAnswered", BenchSupport.summary(stopPostMillis));
            json.put("startTo200", BenchSupport.summary(startMillis));
            json.put("startPostAnswered", BenchSupport.summary(startPostMillis));
            json.put("createClaim", BenchSupport.summary(claims.create()));
            json.put("createClaimNetwork", BenchSupport.summary(claims.createNetwork()));
            json.put("startClaim", BenchSupport.summary(claims.start()));
            json.put("startClaimNetwork", BenchSupport.summary(claims.startNetwork()));
            json.put("floorRuncRunTo200", BenchSupport.summary(floorMillis));
            json.put("floorRuncDelete", BenchSupport.summary(floorDeleteMillis));
            json.put("throughput", throughput.toJson());
            json.put("idleSiteCgroupKib", round(cgroupKib));
            json.put("idleSiteHostdReportedKib", round(hostdReported / 1024.0 / count));
            json.put("memAvailableDropKibPerSite", round(availableDrop / 1024.0 / count));
            json.put("kernelMemoryGrowthKibPerSite", round(kernelGrowth / 1024.0 / count));
            json.put("podmanRunTo200", podman == null ? BenchSupport.summary(podmanMillis) : podman);
            json.put("createMillis", createMillis.stream().map(BenchSupport::round).toList());
            BenchSupport.report(table.toString(), json, "target/bench/stack.json");
        }
    }

    private static void row(StringBuilder table, String label, List<Double> millis) {
        table.append(String.format("%-58s %9.1f %9.1f %9.1f %9.1f%n", label, percentile(millis, 50), percentile(millis, 95),
                percentile(millis, 99), percentile(millis, 100)));
    }

    private static String verdict(boolean met) {
        return met ? "MET" : "NOT MET";
    }

    /** One site's throughput through hostd's nginx and a host nginx's serving the same page from disk, same run. */
    private record Throughput(int pageBytes, LoadGenerator.Result site, LoadGenerator.Result hostNginx) {
        boolean met() {
            return site.errors() == 0 && site.throughputPerSecond() >= GOAL_THROUGHPUT_SHARE * hostNginx.throughputPerSecond()
                    && site.percentileMillis(99) <= GOAL_THROUGHPUT_P99_MILLIS;
        }

        String describe() {
            return String.format("a %d-byte page, %d connections, %d s: the site through nginx %.0f req/s (p50 %.2f ms, p99 %.2f ms,"
                            + " %d errors); host nginx from disk, same page %.0f req/s (p99 %.2f ms): %.1f%% of it%n", pageBytes,
                    THROUGHPUT_CONNECTIONS, THROUGHPUT_SECONDS, site.throughputPerSecond(), site.percentileMillis(50),
                    site.percentileMillis(99), site.errors(), hostNginx.throughputPerSecond(), hostNginx.percentileMillis(99),
                    100 * site.throughputPerSecond() / hostNginx.throughputPerSecond());
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("pageBytes", pageBytes);
            json.put("connections", THROUGHPUT_CONNECTIONS);
            json.put("seconds", THROUGHPUT_SECONDS);
            json.put("site", result(site));
            json.put("hostNginx", result(hostNginx));
            return json;
        }

        private static Map<String, Object> result(LoadGenerator.Result result) {
            return Map.of("requestsPerSecond", round(result.throughputPerSecond()), "p50Millis", round(result.percentileMillis(50)),
                    "p99Millis", round(result.percentileMillis(99)), "errors", result.errors());
        }
    }

    /**
     * Deploys a 1 KB page to {@code site} (the API's default limits) and loads it through hostd's
     * nginx with {@link #THROUGHPUT_CONNECTIONS} connections, then the same page from a host nginx
     * (a worker per core, as Debian's) on loopback: issue 17's peer for a site's throughput.
     */
    private static Throughput throughput(StackProcess stack, ApiCalls api, String token, String site) throws Exception {
        // The same bytes in both places: the page's marker pads it to 1 KB.
        String marker = "throughput " + "x".repeat(1024 - DeployBenchmark.index("throughput ").length);
        byte[] page = DeployBenchmark.index(marker);
        ApiCalls.Answer uploaded = api.upload(token, site, dev.berth.testkit.Archives.zip(Map.of("index.html", page)), "application/zip");
        if (uploaded.status() != 202) {
            throw new IllegalStateException("upload refused: " + uploaded);
        }
        stack.awaitSite(site, "/", response -> response.status() == 200 && response.text().contains(marker), ANSWER_TIMEOUT);
        Path work = Files.createTempDirectory("berth-e2e-stack-bench-");
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (DeployBenchmark.PlainNginx hostNginx = new DeployBenchmark.PlainNginx(work.resolve("nginx"), "auto");
             LoadGenerator load = new LoadGenerator(64)) {
            hostNginx.deployUntilServed(Map.of(), marker);
            LoadGenerator.Target throughSite = new LoadGenerator.Target("the site through hostd's nginx",
                    java.net.URI.create("http://127.0.0.1:" + stack.proxyPort() + "/"), Map.of("Host", site + ".localhost"));
            LoadGenerator.Target fromDisk = new LoadGenerator.Target("host nginx from disk",
                    java.net.URI.create("http://127.0.0.1:" + hostNginx.port() + "/"), Map.of());
            load.closedLoop(throughSite, THROUGHPUT_CONNECTIONS, 2);
            load.closedLoop(fromDisk, THROUGHPUT_CONNECTIONS, 2);
            LoadGenerator.Result siteResult = load.closedLoop(throughSite, THROUGHPUT_CONNECTIONS, THROUGHPUT_SECONDS);
            LoadGenerator.Result diskResult = load.closedLoop(fromDisk, THROUGHPUT_CONNECTIONS, THROUGHPUT_SECONDS);
            return new Throughput(page.length, siteResult, diskResult);
        } finally {
            dev.berth.testkit.HostCleanup.deleteTree(work);
        }
    }

    private static final java.util.regex.Pattern CLAIM = java.util.regex.Pattern.compile(
            "site (\\S+) claimed pool slot \\S+ in (\\d+) ms \\(cgroups \\d+, network (\\d+),");

    /**
     * hostd's warm pool claims as it logs them (whole claim and its network part, ms): a site's claim
     * in the log's first {@code restartsFrom} lines is its create's, one after them its start's. A
     * create or start that started a container instead (an empty pool) has none and is left out.
     */
    record Claims(List<Double> create, List<Double> createNetwork, List<Double> start, List<Double> startNetwork) {
        static Claims fromHostdLog(List<String> lines, int restartsFrom, List<String> restarted, List<String> created) {
            Map<String, double[]> creates = claimsBySite(lines.subList(0, Math.min(restartsFrom, lines.size())));
            Map<String, double[]> starts = claimsBySite(lines.subList(Math.min(restartsFrom, lines.size()), lines.size()));
            Claims claims = new Claims(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (String site : created) {
                double[] claim = creates.get(site);
                if (claim != null) {
                    claims.create.add(claim[0]);
                    claims.createNetwork.add(claim[1]);
                }
            }
            for (String site : restarted) {
                double[] claim = starts.get(site);
                if (claim != null) {
                    claims.start.add(claim[0]);
                    claims.startNetwork.add(claim[1]);
                }
            }
            return claims;
        }

        /** Each site's first claim in these lines: {whole ms, network ms}. */
        private static Map<String, double[]> claimsBySite(List<String> lines) {
            Map<String, double[]> bySite = new java.util.HashMap<>();
            for (String line : lines) {
                java.util.regex.Matcher claim = CLAIM.matcher(line);
                if (claim.find()) {
                    bySite.putIfAbsent(claim.group(1), new double[] {Double.parseDouble(claim.group(2)), Double.parseDouble(claim.group(3))});
                }
            }
            return bySite;
        }
    }

    private static void post(ApiCalls api, String token, String path) {
        ApiCalls.Answer answer = api.send("POST", path, token, null, null, Map.of());
        if (answer.status() != 202) {
            throw new IllegalStateException(answer.toString());
        }
    }

    private static void awaitStatus(StackProcess stack, String site, int status) throws InterruptedException {
        stack.awaitSite(site, "/", response -> response.status() == status, ANSWER_TIMEOUT);
    }

    /** Sum of the memory usage of the measured sites' cgroups (v1 memory.usage_in_bytes or v2 memory.current). */
    private static long siteCgroupMemory(StackProcess stack, List<String> sites) throws IOException {
        Path v1 = Path.of("/sys/fs/cgroup/memory", stack.prefix());
        Path root = Files.isDirectory(v1) ? v1 : Path.of("/sys/fs/cgroup", stack.prefix());
        String file = Files.isDirectory(v1) ? "memory.usage_in_bytes" : "memory.current";
        java.util.Set<String> measured = new java.util.HashSet<>();
        for (var observed : stack.hostdSites()) {
            if (sites.contains(observed.path("name").asText())) {
                measured.add("site-" + observed.path("siteId").asText());
            }
        }
        long total = 0;
        try (Stream<Path> walk = Files.walk(root, 2)) {
            for (Path site : walk.filter(path -> measured.contains(path.getFileName().toString())).toList()) {
                total += Long.parseLong(Files.readString(site.resolve(file)).trim());
            }
        }
        return total;
    }

    /**
     * Stops a site through the API (its netns stays), then starts the bundle hostd generated for it
     * with plain runc and times until its server answers on the site's address on the run's bridge:
     * what any orchestration on top of runc cannot beat.
     */
    private static StandInTimes floor(StackProcess stack, StandIn standIn, int index) throws Exception {
        Path runcRoot = stack.runDirectory().resolve("runc");
        String floorId = stack.prefix() + "-floor" + index;
        return timeStandIn(stack, standIn, (bundle, config) -> List.of("runc", "--root", runcRoot.toString(), "run",
                "--detach", "--bundle", bundle.toString(), floorId),
                List.of("runc", "--root", runcRoot.toString(), "delete", "--force", floorId));
    }

    /**
     * The peer: {@code podman run -d} of the same root filesystem (a copy: podman writes into the
     * root it is given), the site's content read-only on /srv, uid 1000, in the site's own network
     * namespace, timed like the floor. podman keeps its storage in the run's data directory and its
     * cgroups under the run's prefix, so the stack's teardown finds whatever a crash leaves; the vfs storage
     * driver mounts nothing there, and the open-files and process limits are set explicitly (this
     * sandbox refuses podman's defaults, which raise them).
     */
    private static StandInTimes podmanRun(StackProcess stack, StandIn standIn, int index) throws Exception {
        List<String> podman = List.of("podman", "--root", stack.dataDirectory().resolve("podman").toString(), "--runroot",
                podmanRunRoot(stack).toString(), "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none", "--runtime", "runc");
        String name = stack.prefix() + "-podman" + index;
        List<String> remove = new ArrayList<>(podman);
        remove.addAll(List.of("rm", "--force", "--time", "0", name));
        return timeStandIn(stack, standIn, (bundle, config) -> {
            Path rootfs = bundle.resolve("rootfs");
            StackProcess.run(List.of("cp", "-a", config.path("root").path("path").asText() + "/.", rootfs.toString() + "/"));
            String content = null;
            for (var mount : config.path("mounts")) {
                if ("/srv".equals(mount.path("destination").asText())) {
                    content = mount.path("source").asText();
                }
            }
            String netns = null;
            for (var namespace : config.path("linux").path("namespaces")) {
                if ("network".equals(namespace.path("type").asText())) {
                    netns = namespace.path("path").asText();
                }
            }
            long files = 1024;
            for (var rlimit : config.path("process").path("rlimits")) {
                if ("RLIMIT_NOFILE".equals(rlimit.path("type").asText())) {
                    files = rlimit.path("hard").asLong();
                }
            }
            String user = config.path("process").path("user").path("uid").asText() + ":"
                    + config.path("process").path("user").path("gid").asText();
            List<String> argv = new ArrayList<>(podman);
            argv.addAll(List.of("run", "--detach", "--name", name, "--network", "ns:" + netns, "--user", user,
                    "--ulimit", "nofile=" + files + ":" + files, "--ulimit", "nproc=1024:1024", "--volume", content + ":/srv:ro",
                    "--cgroup-parent", "/" + stack.prefix() + "-podman",
                    // --rootfs is a switch that makes the first argument the root: options after it would be the command's.
                    "--rootfs", rootfs.toString()));
            // The site's own server, as hostd starts it (the process of the bundle's config.json).
            for (var argument : config.path("process").path("args")) {
                argv.add(argument.asText());
            }
            return argv;
        }, remove);
    }

    /** podman refuses a run root longer than 50 characters, so it cannot live in the run's data directory. */
    private static Path podmanRunRoot(StackProcess stack) {
        return Path.of("/run", "berth-podman-" + stack.prefix());
    }

    /** Why podman cannot be measured here, or null if it can. */
    private static String podmanMissing() {
        try {
            Process version = new ProcessBuilder("podman", "--version").redirectErrorStream(true).start();
            return version.waitFor(30, TimeUnit.SECONDS) && version.exitValue() == 0 ? null : "podman --version failed";
        } catch (IOException | InterruptedException e) {
            return "not installed (apt-get install podman)";
        }
    }

    private interface Launcher {
        List<String> argv(Path bundle, com.fasterxml.jackson.databind.JsonNode config) throws Exception;
    }

    /** Until the stand-in answered 200, and until its removal command returned. */
    private record StandInTimes(double answeredMillis, double removedMillis) {
    }

    /** A stopped site's address and the bundle configuration hostd generated for it while it ran. */
    private record StandIn(String address, byte[] config) {
    }

    /** Stops a site through the API and waits until hostd sees it stopped (its netns stays). */
    private static StandIn stopForStandIn(StackProcess stack, ApiCalls api, String token, String site) throws Exception {
        UUID siteId = stack.siteId(site);
        String id = stack.containerId(siteId);
        String address = api.get("/sites/" + site, token).json().get("ipv4").asText();
        byte[] config = Files.readAllBytes(stack.runDirectory().resolve("bundles").resolve(id).resolve("config.json"));
        post(api, token, "/sites/" + site + "/stop");
        awaitStatus(stack, site, 503);
        long stopDeadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        while (!stack.hostd("GET", "/v1/sites/" + siteId).text().contains("\"state\":\"stopped\"")) {
            if (System.nanoTime() > stopDeadline) {
                throw new IllegalStateException("hostd never observed the site stopped");
            }
            Thread.sleep(10);
        }
        return new StandIn(address, config);
    }

    /**
     * Times {@code launcher}'s command from its start until a server answers 200 on the stopped
     * site's address on the run's bridge; {@code cleanup} runs afterwards whatever happened, timed too.
     */
    private static StandInTimes timeStandIn(StackProcess stack, StandIn standIn, Launcher launcher, List<String> cleanup)
            throws Exception {
        byte[] config = standIn.config();
        String address = standIn.address();
        Path bundle = Files.createTempDirectory(stack.dataDirectory(), "floor");
        Files.write(bundle.resolve("config.json"), config);
        List<String> argv = launcher.argv(bundle, new com.fasterxml.jackson.databind.ObjectMapper().readTree(config));
        double answeredMillis;
        long removeStart;
        try {
            long start = System.nanoTime();
            Process run = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(bundle.resolve("log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
                throw new IllegalStateException(argv.get(0) + " run did not return");
            }
            if (run.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed: " + Files.readString(bundle.resolve("log")));
            }
            long deadline = start + ANSWER_TIMEOUT.toNanos();
            while (true) {
                try {
                    if (SiteHttp.get(address, 80, "floor", "/current/").status() == 200) {
                        answeredMillis = (System.nanoTime() - start) / 1e6;
                        break;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(1);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the stand-in container did not answer: " + Files.readString(bundle.resolve("log")));
                }
            }
        } finally {
            removeStart = System.nanoTime();
            StackProcess.run(cleanup);
        }
        return new StandInTimes(answeredMillis, (System.nanoTime() - removeStart) / 1e6);
    }
}
