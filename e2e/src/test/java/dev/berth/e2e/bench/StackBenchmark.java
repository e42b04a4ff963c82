package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;
import static dev.berth.e2e.bench.BenchSupport.round;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.SiteHttp;
import dev.berth.e2e.StackProcess;
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
            for (int index = 0; index < floors; index++) {
                floorMillis.add(floor(stack, api, token, sites.get(count - 1 - index), index));
            }
            String loadAfter = BenchSupport.loadAverage();

            double cgroupKib = cgroupBytes / 1024.0 / count;
            long availableDrop = before.get("MemAvailable") - running.get("MemAvailable");
            long kernelGrowth = kernel(running) - kernel(before);
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
            table.append("podman: not installed and not installable on this machine, not measured\n");
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
            json.put("podman", "not installed and not installable on this machine, not measured");
            json.put("createMillis", createMillis.stream().map(BenchSupport::round).toList());
            BenchSupport.report(table.toString(), json, "target/bench/stack.json");
        }
    }

    private static void row(StringBuilder table, String label, List<Double> millis) {
        table.append(String.format("%-58s %9.1f %9.1f %9.1f%n", label, percentile(millis, 50), percentile(millis, 95),
                percentile(millis, 100)));
    }

    private static long kernel(Map<String, Long> meminfo) {
        return Stream.of("Slab", "Percpu", "KernelStack", "PageTables").mapToLong(field -> meminfo.getOrDefault(field, 0L)).sum();
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
    private static double floor(StackProcess stack, ApiCalls api, String token, String site, int index) throws Exception {
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
        Path bundle = Files.createTempDirectory(stack.dataDirectory(), "floor");
        Files.write(bundle.resolve("config.json"), config);
        String floorId = stack.prefix() + "-floor" + index;
        Path runcRoot = stack.runDirectory().resolve("runc");
        try {
            long start = System.nanoTime();
            Process run = new ProcessBuilder("runc", "--root", runcRoot.toString(), "run", "--detach", "--bundle", bundle.toString(),
                    floorId).redirectErrorStream(true).redirectOutput(bundle.resolve("log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
                throw new IllegalStateException("runc run did not return");
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
                    throw new IllegalStateException("the floor container did not answer: " + Files.readString(bundle.resolve("log")));
                }
            }
        } finally {
            StackProcess.run(List.of("runc", "--root", runcRoot.toString(), "delete", "--force", floorId));
        }
    }
}
