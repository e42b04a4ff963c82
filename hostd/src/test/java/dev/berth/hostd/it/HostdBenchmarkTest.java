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
import java.time.Duration;
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
                // As a tenant meets it: the warm pool full again (creates back to back would outrun its refill).
                awaitWarmPool(host);
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
                awaitWarmPool(host);
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
                lines.filter(line -> line.contains(" took ") || line.contains("pool slot")).limit(60)
                        .forEach(line -> report.append("hostd: ").append(line).append('\n'));
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
     * One site with the API's default limits (250 millicores, 64 MiB, 64 pids; tenant 1,000 / 512 /
     * 256) serving a 1 KB page through hostd's nginx, next to Debian's nginx serving the same file
     * straight from disk in the same run: wrk, 16 connections, 2 threads, 5 s each (issue 17's
     * figure). Runs with BERTH_BENCH_SITES or BERTH_BENCH_THROUGHPUT set, as root, with wrk installed;
     * appends to hostd/target/hostd-throughput.txt.
     */
    @Test
    void throughputOfADefaultSiteNextToNginxFromDisk() throws Exception {
        assumeTrue(System.getenv("BERTH_BENCH_SITES") != null || System.getenv("BERTH_BENCH_THROUGHPUT") != null,
                "set BERTH_BENCH_SITES or BERTH_BENCH_THROUGHPUT to run the throughput benchmark");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/wrk")), "wrk is not installed");
        TestHost host = TestHost.create();
        Thread hook = new Thread(host::destroy);
        Runtime.getRuntime().addShutdownHook(hook);
        Path peer = Files.createTempDirectory("berth-nginx-peer");
        Process peerNginx = null;
        try {
            host.start();
            UUID siteId = UUID.randomUUID();
            UUID tenant = UUID.randomUUID();
            String name = host.prefix + "-t";
            String page = "<!DOCTYPE html><title>1 KB</title>\n" + "x".repeat(1024 - 35) + "\n";
            String spec = """
                    {"siteId":"%s","name":"%s","tenantId":"%s","hostnames":["%s.localhost"],"ipv4":"%s","ipv6":"%s",
                     "siteLimits":{"cpuMillicores":250,"memoryMib":64,"pids":64},
                     "tenantLimits":{"cpuMillicores":1000,"memoryMib":512,"pids":256},
                     "running":true,"release":%s,"generation":%d}
                    """;
            host.hostd("PUT", "/v1/sites/" + siteId, spec.formatted(siteId, name, tenant, name, host.ipv4(2), host.ipv6(2), "null", 1));
            awaitStatus(host, name + ".localhost", 200);
            java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
            try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(tar)) {
                byte[] bytes = page.getBytes(StandardCharsets.US_ASCII);
                var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("index.html");
                entry.setSize(bytes.length);
                out.putArchiveEntry(entry);
                out.write(bytes);
                out.closeArchiveEntry();
            }
            SiteHttp.unix(host.socket, "PUT", "/v1/sites/" + siteId + "/releases/r1", tar.toByteArray(), "application/x-tar");
            host.hostd("PUT", "/v1/sites/" + siteId, spec.formatted(siteId, name, tenant, name, host.ipv4(2), host.ipv6(2), "\"r1\"", 2));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!host.proxy(name + ".localhost", "/").text().contains("1 KB")) {
                assertThat(System.nanoTime()).as("r1 is served").isLessThan(deadline);
                Thread.sleep(20);
            }

            // The peer: Debian's nginx with its own defaults (a worker per core) serving the file from disk.
            int peerPort;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                peerPort = probe.getLocalPort();
            }
            Files.writeString(peer.resolve("index.html"), page);
            Files.createDirectories(peer.resolve("logs"));
            Files.writeString(peer.resolve("nginx.conf"), """
                    worker_processes auto;
                    pid %1$s/nginx.pid;
                    error_log %1$s/logs/error.log;
                    events { worker_connections 1024; }
                    http {
                        access_log off;
                        sendfile on;
                        client_body_temp_path %1$s/body; proxy_temp_path %1$s/proxy; fastcgi_temp_path %1$s/fastcgi;
                        uwsgi_temp_path %1$s/uwsgi; scgi_temp_path %1$s/scgi;
                        server { listen 127.0.0.1:%2$d; root %1$s; }
                    }
                    """.formatted(peer, peerPort));
            Files.setPosixFilePermissions(peer, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(peer.resolve("index.html"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            peerNginx = new ProcessBuilder("nginx", "-p", peer.toString(), "-c", peer.resolve("nginx.conf").toString(), "-g",
                    "daemon off;").redirectErrorStream(true).redirectOutput(peer.resolve("logs/out").toFile()).start();
            Thread.sleep(300);

            Path cpuStat = Path.of("/sys/fs/cgroup/cpu", host.prefix, "tenant-" + tenant, "site-" + siteId, "cpu.stat");
            long throttledBefore = throttled(cpuStat);
            String site = wrk("http://127.0.0.1:" + host.proxyPort + "/", name + ".localhost");
            long throttledDuring = throttled(cpuStat) - throttledBefore;
            String disk = wrk("http://127.0.0.1:" + peerPort + "/index.html", null);
            double siteRate = rate(site);
            double diskRate = rate(disk);
            String report = String.format("default-quota site (250 mCPU) through hostd's nginx, 1 KB page, wrk -t2 -c16 -d5s:"
                            + " %.0f req/s, p50 %s, p99 %s, throttled %d times%n"
                            + "floor, Debian's nginx from disk in the same run: %.0f req/s, p50 %s, p99 %s%n"
                            + "ratio: %.1f%% of the floor%n",
                    siteRate, latency(site, "50%"), latency(site, "99%"), throttledDuring, diskRate, latency(disk, "50%"),
                    latency(disk, "99%"), 100 * siteRate / diskRate);
            System.out.print(report);
            Files.writeString(Path.of("target", "hostd-throughput.txt"), report, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            assertThat(siteRate).isPositive();
        } finally {
            if (peerNginx != null) {
                peerNginx.destroy();
                peerNginx.waitFor(10, TimeUnit.SECONDS);
            }
            dev.berth.testkit.HostCleanup.deleteTree(peer);
            host.destroy();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private static String wrk(String url, String hostHeader) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("wrk", "-t2", "-c16", "-d5s", "--latency"));
        if (hostHeader != null) {
            argv.addAll(List.of("-H", "Host: " + hostHeader));
        }
        argv.add(url);
        Process wrk = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor(30, TimeUnit.SECONDS);
        if (output.contains("Non-2xx") || output.contains("Socket errors")) {
            throw new AssertionError("wrk saw failed requests:\n" + output);
        }
        return output;
    }

    private static double rate(String wrk) {
        return wrk.lines().filter(line -> line.startsWith("Requests/sec:")).mapToDouble(line -> Double.parseDouble(line.split("\\s+")[1]))
                .findFirst().orElseThrow();
    }

    private static String latency(String wrk, String percentile) {
        return wrk.lines().map(String::trim).filter(line -> line.startsWith(percentile)).map(line -> line.split("\\s+")[1])
                .findFirst().orElse("?");
    }

    private static long throttled(Path cpuStat) throws IOException {
        if (!Files.exists(cpuStat)) {
            return 0;
        }
        return Files.readAllLines(cpuStat).stream().filter(line -> line.startsWith("nr_throttled "))
                .mapToLong(line -> Long.parseLong(line.substring("nr_throttled ".length()).trim())).findFirst().orElse(0);
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
                    if (SiteHttp.tcp(address, 80, "GET", "x", "/releases/_welcome/", null, null).status() == 200) {
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

    /** Until hostd reports every slot of its warm pool started and unclaimed. */
    private static void awaitWarmPool(TestHost host) throws Exception {
        host.await("the warm pool full", Duration.ofSeconds(30), () -> {
            JsonNode pool = JSON.readTree(host.hostd("GET", "/v1/host", null).text()).path("warmPool");
            return pool.path("ready").asInt() >= pool.path("size").asInt();
        });
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
