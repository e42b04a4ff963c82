package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;
import static dev.berth.e2e.bench.BenchSupport.round;

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
 * Issue 3's benchmark on the real stack: over N sites (argument, default 50) created one after the
 * other through the API, create -> first 200 through the proxy (p50, p95); stop -> start -> 200
 * (p50, 20 sites); idle memory per running site (the site cgroups' usage summed / N, and the
 * MemAvailable drop over the run); and in the same run the floor: {@code runc run --detach} of the
 * same bundle (the config.json hostd generated, same rootfs and netns) until its server answers.
 * Runs as root, stops by itself, prints a table and writes target/bench/stack.json and stack.txt.
 *
 * <p>{@code mvn -B -pl e2e -am -Pbench-stack -DskipTests verify [-Dberth.bench.args=50]}
 */
public final class StackBenchmark {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final double GOAL_CREATE_P50_MILLIS = 150;
    private static final double GOAL_IDLE_KIB = 1024;

    private StackBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int count = BenchSupport.countArgument(args, 50);
        BenchSupport.requireStack("StackBenchmark");
        int restarts = Math.min(count, 20);
        int floors = Math.min(count, 20);
        try (StackProcess stack = StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .defaultQuota("maxSites", count + 10)
                .defaultQuota("maxRunningSites", count + 10)
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
            for (int index = 0; index < count; index++) {
                String site = stack.uniqueSiteName("b" + index);
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

            List<Double> restartMillis = new ArrayList<>();
            for (int index = 0; index < restarts; index++) {
                String site = sites.get(index);
                post(api, token, "/sites/" + site + "/stop");
                awaitStatus(stack, site, 503);
                long start = System.nanoTime();
                post(api, token, "/sites/" + site + "/start");
                awaitStatus(stack, site, 200);
                restartMillis.add((System.nanoTime() - start) / 1e6);
            }

            List<Double> floorMillis = new ArrayList<>();
            String podman = podmanMissing();
            List<Double> podmanMillis = new ArrayList<>();
            try {
                for (int index = 0; index < floors; index++) {
                    // The same stopped site (its netns and content) for both, one after the other.
                    StandIn standIn = stopForStandIn(stack, api, token, sites.get(count - 1 - index));
                    floorMillis.add(floor(stack, standIn, index));
                    if (podman == null) {
                        podmanMillis.add(podmanRun(stack, standIn, index));
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
            table.append(String.format("Berth stack benchmark: %d sites through the API, hostd, runc and nginx; %d cpus; load %s -> %s%n",
                    count, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("%-58s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            row(table, "API create -> first 200 through nginx (" + count + ")", createMillis);
            row(table, "  of which POST /sites answered 201", postMillis);
            row(table, "  of which until nginx knows the name (first non-404)", proxyMillis);
            row(table, "stop -> start -> 200 through nginx (" + restarts + ")", restartMillis);
            row(table, "floor: runc run --detach, same bundle -> 200 (" + floors + ")", floorMillis);
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
            table.append(String.format("goals: create -> 200 p50 <= %.0f ms: %s; <= 1 MiB per idle site (cgroup): %s%n",
                    GOAL_CREATE_P50_MILLIS, percentile(createMillis, 50) <= GOAL_CREATE_P50_MILLIS ? "MET" : "NOT MET",
                    cgroupKib <= GOAL_IDLE_KIB ? "MET" : "NOT MET"));

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("sites", count);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("createToFirst200", BenchSupport.summary(createMillis));
            json.put("createPostAnswered", BenchSupport.summary(postMillis));
            json.put("createToProxyEntry", BenchSupport.summary(proxyMillis));
            json.put("stopStartTo200", BenchSupport.summary(restartMillis));
            json.put("floorRuncRunTo200", BenchSupport.summary(floorMillis));
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
        table.append(String.format("%-58s %9.1f %9.1f %9.1f%n", label, percentile(millis, 50), percentile(millis, 95),
                percentile(millis, 100)));
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
    private static double floor(StackProcess stack, StandIn standIn, int index) throws Exception {
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
    private static double podmanRun(StackProcess stack, StandIn standIn, int index) throws Exception {
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
     * site's address on the run's bridge; {@code cleanup} runs afterwards whatever happened.
     */
    private static double timeStandIn(StackProcess stack, StandIn standIn, Launcher launcher, List<String> cleanup)
            throws Exception {
        byte[] config = standIn.config();
        String address = standIn.address();
        Path bundle = Files.createTempDirectory(stack.dataDirectory(), "floor");
        Files.write(bundle.resolve("config.json"), config);
        List<String> argv = launcher.argv(bundle, new com.fasterxml.jackson.databind.ObjectMapper().readTree(config));
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
                        return (System.nanoTime() - start) / 1e6;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(1);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the stand-in container did not answer: " + Files.readString(bundle.resolve("log")));
                }
            }
        } finally {
            StackProcess.run(cleanup);
        }
    }
}
