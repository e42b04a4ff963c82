package dev.berth.hostd.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints create -> first 200 through the proxy (p50, p95), stop -> start -> 200 (p50), idle memory
 * per running site (cgroup figures and the MemAvailable drop), and the floor: a bare
 * {@code runc run --detach} of the same bundle until its server answers.
 * Runs only with BERTH_BENCH_SITES set (e.g. 50), as root.
 */
@Tag("host")
class HostdBenchmarkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void benchmark() throws Exception {
        String sitesSetting = System.getenv("BERTH_BENCH_SITES");
        assumeTrue(sitesSetting != null, "set BERTH_BENCH_SITES to run the benchmark");
        int count = Integer.parseInt(sitesSetting);
        TestHost host = TestHost.create();
        Thread hook = new Thread(host::destroy);
        Runtime.getRuntime().addShutdownHook(hook);
        StringBuilder report = new StringBuilder();
        try {
            host.reconcileIntervalSeconds = Integer.parseInt(System.getenv().getOrDefault("BERTH_BENCH_FULL_INTERVAL", "30"));
            host.start();
            UUID tenant = UUID.randomUUID();
            List<UUID> sites = new ArrayList<>();
            List<Double> createMillis = new ArrayList<>();
            java.util.Map<String, Long> meminfoBefore = meminfo();
            long kernelBefore = kernelMemory();
            long availableBefore = memAvailable();
            long jvmRssBefore = rss(host.pid()) + rss(ProcessHandle.current().pid()) + nginxRss(host);
            for (int index = 0; index < count; index++) {
                UUID siteId = UUID.randomUUID();
                sites.add(siteId);
                String hostname = host.prefix + "-" + index + ".localhost";
                long start = System.nanoTime();
                put(host, siteId, tenant, index, true, 1);
                awaitStatus(host, hostname, 200);
                createMillis.add((System.nanoTime() - start) / 1e6);
            }
            Thread.sleep(3000);
            long availableAfter = memAvailable();
            long kernelAfter = kernelMemory();
            java.util.Map<String, Long> meminfoRunning = meminfo();
            long jvmRssAfter = rss(host.pid()) + rss(ProcessHandle.current().pid()) + nginxRss(host);
            long drop = availableBefore - availableAfter;
            long jvmGrowth = jvmRssAfter - jvmRssBefore;
            long cgroupTotal = 0;
            for (UUID siteId : sites) {
                JsonNode observed = JSON.readTree(host.hostd("GET", "/v1/sites/" + siteId, null).text());
                cgroupTotal += observed.path("memoryBytes").asLong();
            }
            List<Double> restartMillis = new ArrayList<>();
            int restarts = Math.min(count, 20);
            for (int index = 0; index < restarts; index++) {
                String hostname = host.prefix + "-" + index + ".localhost";
                put(host, sites.get(index), tenant, index, false, 2);
                awaitStatus(host, hostname, 503);
                long start = System.nanoTime();
                put(host, sites.get(index), tenant, index, true, 3);
                awaitStatus(host, hostname, 200);
                restartMillis.add((System.nanoTime() - start) / 1e6);
            }
            List<Double> floorMillis = floor(host, sites, tenant, Math.min(count, 20));

            report.append("hostd benchmark, ").append(count).append(" sites, ")
                    .append(java.lang.Runtime.getRuntime().availableProcessors()).append(" cpus\n");
            report.append(String.format("create -> first 200 through nginx: p50 %.1f ms, p95 %.1f ms, max %.1f ms%n",
                    percentile(createMillis, 50), percentile(createMillis, 95), percentile(createMillis, 100)));
            report.append(String.format("stop -> start -> 200 (%d sites): p50 %.1f ms, p95 %.1f ms%n",
                    restarts, percentile(restartMillis, 50), percentile(restartMillis, 95)));
            report.append(String.format("floor, bare runc run --detach of the same bundle -> 200 (%d): p50 %.1f ms, p95 %.1f ms%n",
                    floorMillis.size(), percentile(floorMillis, 50), percentile(floorMillis, 95)));
            report.append(String.format("idle memory per running site, cgroup memory.usage: %.0f KiB%n",
                    cgroupTotal / 1024.0 / count));
            report.append(String.format("idle memory per running site, MemAvailable drop: %.0f KiB (total %.1f MiB)%n",
                    drop / 1024.0 / count, drop / 1048576.0));
            report.append(String.format("  of which hostd + test JVMs and nginx grew %.1f MiB; without them: %.0f KiB per site%n",
                    jvmGrowth / 1048576.0, (drop - jvmGrowth) / 1024.0 / count));
            report.append(String.format("kernel memory (Slab + Percpu + KernelStack + PageTables) per site: %.0f KiB%n",
                    (kernelAfter - kernelBefore) / 1024.0 / count));
            report.append("podman: not installed on this host, not measured\n");
            for (UUID siteId : sites) {
                host.hostd("DELETE", "/v1/sites/" + siteId, null);
            }
            Thread.sleep(3000);
            java.util.Map<String, Long> meminfoDeleted = meminfo();
            report.append("/proc/meminfo per site (KiB): field, running - before, running - after delete\n");
            for (String field : List.of("MemAvailable", "MemFree", "AnonPages", "Shmem", "Cached", "Slab", "SUnreclaim",
                    "Percpu", "KernelStack", "PageTables")) {
                report.append(String.format("  %-13s %8.0f %8.0f%n", field,
                        (meminfoRunning.getOrDefault(field, 0L) - meminfoBefore.getOrDefault(field, 0L)) / 1024.0 / count,
                        (meminfoRunning.getOrDefault(field, 0L) - meminfoDeleted.getOrDefault(field, 0L)) / 1024.0 / count));
            }
            try (var lines = Files.lines(host.dataDirectory.resolve("hostd.log"))) {
                lines.filter(line -> line.contains(" took ")).limit(20).forEach(line -> report.append("slow: ").append(line).append('\n'));
            }
            System.out.print(report);
            Files.writeString(Path.of("target", "hostd-bench.txt"), report.toString());
            assertThat(createMillis).hasSize(count);
        } finally {
            host.destroy();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    /**
     * Stops a site through hostd (its netns stays), then starts the saved bundle with plain runc and
     * waits for its server: what any orchestration on top of runc cannot beat.
     */
    private static List<Double> floor(TestHost host, List<UUID> sites, UUID tenant, int rounds) throws Exception {
        List<Double> millis = new ArrayList<>();
        Path runcRoot = host.runDirectory.resolve("runc");
        for (int index = 0; index < rounds; index++) {
            UUID siteId = sites.get(index);
            String id = host.prefix + "-" + siteId;
            byte[] config = Files.readAllBytes(host.runDirectory.resolve("bundles").resolve(id).resolve("config.json"));
            put(host, siteId, tenant, index, false, 4);
            awaitObserved(host, siteId, "stopped");
            Path bundle = Files.createTempDirectory(host.dataDirectory, "floor");
            Files.write(bundle.resolve("config.json"), config);
            String floorId = host.prefix + "-floor" + index;
            long start = System.nanoTime();
            Process run = new ProcessBuilder("runc", "--root", runcRoot.toString(), "run", "--detach", "--bundle",
                    bundle.toString(), floorId).redirectErrorStream(true)
                    .redirectOutput(bundle.resolve("log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            run.waitFor(30, TimeUnit.SECONDS);
            String address = host.ipv4(index + 2);
            while (true) {
                try {
                    if (SiteHttp.tcp(address, 80, "GET", "x", "/current/", null, null).status() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(1);
                }
                if ((System.nanoTime() - start) > 20_000_000_000L) {
                    throw new AssertionError("floor container did not answer: " + Files.readString(bundle.resolve("log")));
                }
            }
            millis.add((System.nanoTime() - start) / 1e6);
            new ProcessBuilder("runc", "--root", runcRoot.toString(), "delete", "--force", floorId).start().waitFor();
        }
        return millis;
    }

    private static void put(TestHost host, UUID siteId, UUID tenant, int index, boolean running, long generation)
            throws IOException {
        String spec = """
                {"siteId":"%s","name":"%s-%d","tenantId":"%s","hostnames":["%s-%d.localhost"],"ipv4":"%s","ipv6":"%s",
                 "siteLimits":{"cpuMillicores":200,"memoryMib":32,"pids":32},
                 "tenantLimits":{"cpuMillicores":2000,"memoryMib":8192,"pids":20000},
                 "running":%s,"release":null,"generation":%d}
                """.formatted(siteId, host.prefix, index, tenant, host.prefix, index, host.ipv4(index + 2), host.ipv6(index + 2),
                running, generation);
        int status = host.hostd("PUT", "/v1/sites/" + siteId, spec).status();
        if (status != 202 && status != 200) {
            throw new AssertionError("PUT answered " + status);
        }
    }

    private static void awaitStatus(TestHost host, String hostname, int status) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (host.proxy(hostname, "/").status() == status) {
                    return;
                }
            } catch (IOException retry) {
                // proxy reloading
            }
            Thread.sleep(2);
        }
        throw new AssertionError(hostname + " never answered " + status + "\n" + host.tail());
    }

    private static void awaitObserved(TestHost host, UUID siteId, String state) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (JSON.readTree(host.hostd("GET", "/v1/sites/" + siteId, null).text()).path("state").asText().equals(state)) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(siteId + " never " + state);
    }

    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException ignored) {
            // process gone
        }
        return 0;
    }

    /** RSS of the run's nginx master and workers. */
    private static long nginxRss(TestHost host) {
        try {
            long master = Long.parseLong(Files.readString(host.dataDirectory.resolve("nginx/run/nginx.pid")).trim());
            return rss(master) + ProcessHandle.of(master).map(handle -> handle.children().mapToLong(child -> rss(child.pid())).sum()).orElse(0L);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static java.util.Map<String, Long> meminfo() throws IOException {
        java.util.Map<String, Long> values = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
            String[] parts = line.split(":\\s+");
            values.put(parts[0], Long.parseLong(parts[1].replaceAll("\\D+", "")) * 1024);
        }
        return values;
    }

    private static long kernelMemory() throws IOException {
        long total = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
            for (String key : List.of("Slab:", "Percpu:", "KernelStack:", "PageTables:")) {
                if (line.startsWith(key)) {
                    total += Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        }
        return total;
    }

    private static long memAvailable() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        return -1;
    }

    private static double percentile(List<Double> values, int percent) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
