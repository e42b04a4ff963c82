package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The density figures on the real stack: N running sites on one host (argument, default 150,
 * up to 10,000), created through the API by 4 clients at once, then every one of them asked for its
 * page through nginx; the memory they take (the run's cgroup usage, the kernel's growth, nginx's
 * resident memory, next to the MemAvailable drop); and "a new site routable with N present": 10
 * sites created one after the other, POST /sites -> first 200 through nginx, when only the warm-up
 * site exists (the floor, same run) and again once the N are running. The goals are for 10,000
 * sites: all answering, at most 12 GiB in all (at most 1,258 KiB a site; below 10,000 sites the rate is
 * only extrapolated, not judged), and a new site routable within 100 ms with 10,000 present.
 *
 * <p>A Linux bridge takes at most 1,024 ports, so the run's subnet (a /21 up to 1,900 sites, down to a
 * /18 for 10,000) is split over bridges of a /25 (125 sites each; a /24 of 253 on the /18, where hostd's
 * 64 bridges would not hold /25s; hostd's {@code network.bridgePrefixLength}, reported to the API): the
 * default 150 sites span two bridges, 1,000 span nine, 10,000 forty. The host's neighbour table is sized for the run as
 * docs/operations.md tells operators to (the kernel's default of 1,024 entries overflows near
 * 1,000 sites) and restored afterwards. Runs as root, prints a table, writes
 * target/bench/density.{json,txt}.
 *
 * <p>{@code mvn -B -pl e2e -Pbench-main -DskipTests verify -Dberth.bench.main=DensityBenchmark -Dberth.bench.args=150}
 */
public final class DensityBenchmark {
    private static final int GOAL_SITES = 10_000;
    private static final double GOAL_ROUTABLE_MILLIS = 100;
    /** 12 GiB for 10,000 sites. */
    private static final double GOAL_KIB_PER_SITE = 12.0 * 1024 * 1024 / GOAL_SITES;
    private static final int ROUTABLE_SAMPLES = 10;
    private static final int CLIENTS = 4;
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(120);

    private DensityBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int count = BenchSupport.sizeArgument(args, 150, GOAL_SITES);
        BenchSupport.requireStack("DensityBenchmark");
        int total = count + 2 * ROUTABLE_SAMPLES + 1;
        try (NeighbourTable neighbours = NeighbourTable.sizedForSites(total);
             StackProcess stack = BenchSupport.manySitesStack("density-bench", total)) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String session = api.signUpAndLogIn("density-" + stack.prefix() + "@example.com", "correct horse battery staple",
                    "density" + stack.prefix());
            // A personal access token: creating thousands of sites outlasts a login's 15-minute access token.
            ApiCalls.Answer created = api.json("POST", "/tokens", session,
                    "{\"name\":\"density benchmark\",\"scopes\":[\"read\",\"write\"],\"expiresInDays\":1}");
            if (created.status() != 201) {
                throw new IllegalStateException("cannot create the benchmark's token: " + created);
            }
            String token = created.json().get("token").asText();
            String warmUp = stack.uniqueSiteName("warm");
            stack.createSite(token, warmUp);
            awaitOk(stack, warmUp);

            Map<String, Long> before = BenchSupport.meminfo();
            long nginxBefore = BenchSupport.nginxResidentBytes(stack);
            List<Double> routableFew = routable(stack, token, "f");

            long createStart = System.nanoTime();
            List<String> sites = BenchSupport.createServingSites(stack, token, count, CLIENTS, "d", ANSWER_TIMEOUT);
            double createAllSeconds = (System.nanoTime() - createStart) / 1e9;
            Thread.sleep(5000);

            int answering = 0;
            List<String> silent = new ArrayList<>();
            Map<String, Integer> silentStatuses = new java.util.TreeMap<>();
            for (String site : sites) {
                int status;
                try {
                    status = stack.site(site, "/").status();
                } catch (IOException noAnswer) {
                    status = 0;
                }
                if (status == 200) {
                    answering++;
                } else {
                    silent.add(site);
                    silentStatuses.merge(status == 0 ? "no answer" : Integer.toString(status), 1, Integer::sum);
                }
            }
            // With about 1,000 sites the host's neighbour table (net.ipv4.neigh.default.gc_thresh3, 1,024 by
            // default) overflows and nginx cannot reach some sites: the kernel says so.
            String neighbourOverflow = silent.isEmpty() ? null : kernelNeighbourOverflow();
            Map<String, Long> portsPerBridge = portsPerBridge(stack);
            Map<String, Long> running = BenchSupport.meminfo();
            long cgroupBytes = runCgroupMemory(stack);
            long nginxAfter = BenchSupport.nginxResidentBytes(stack);
            int present = count + ROUTABLE_SAMPLES + 1;
            List<Double> routableMany = routable(stack, token, "m");
            String loadAfter = BenchSupport.loadAverage();

            long kernelGrowth = BenchSupport.kernelBytes(running) - BenchSupport.kernelBytes(before);
            long availableDrop = before.get("MemAvailable") - running.get("MemAvailable");
            long nginxGrowth = nginxAfter - nginxBefore;
            long attributed = cgroupBytes + Math.max(0, kernelGrowth) + Math.max(0, nginxGrowth);
            // Every site created since the "before" reading: the N and the first routable samples.
            int measured = count + ROUTABLE_SAMPLES;
            StringBuilder table = new StringBuilder();
            table.append(String.format("Berth density benchmark: %d sites through the API, hostd, runc and nginx, on %d bridges ("
                    + "ports %s); %d cpus; load %s -> %s; %s%n", count, portsPerBridge.size(), portsPerBridge.values(),
                    Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter, neighbours));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("created by %d clients in %.1f s; answering 200 through nginx afterwards: %d of %d%s%n", CLIENTS,
                    createAllSeconds, answering, count, silent.isEmpty() ? "" : " (not 200: " + silentStatuses + ", e.g. "
                    + silent.subList(0, Math.min(5, silent.size())) + (neighbourOverflow == null ? "" : "; kernel: " + neighbourOverflow) + ")"));
            table.append(String.format("memory of the running sites: cgroups %.1f MiB, kernel growth %.1f MiB, nginx RSS growth %.1f MiB"
                    + " = %.1f MiB for %d sites (%.0f KiB per site); MemAvailable drop %.1f MiB (other processes included)%n",
                    mib(cgroupBytes), mib(kernelGrowth), mib(nginxGrowth), mib(attributed), measured, attributed / 1024.0 / measured,
                    mib(availableDrop)));
            table.append(String.format("%-62s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            row(table, "new site: POST -> first 200 with 1 present (" + ROUTABLE_SAMPLES + ")", routableFew);
            row(table, "new site: POST -> first 200 with " + present + " present (" + ROUTABLE_SAMPLES + ")", routableMany);

            List<BenchSupport.Figure> figures = new ArrayList<>();
            String sizeNote = count < GOAL_SITES ? "run with " + count + " sites (the default keeps make bench short); "
                    + "-Dberth.bench.args=10000 measures the goal" : null;
            String silentNote = silent.isEmpty() ? null : (count - answering) + " of " + count + " did not answer 200 afterwards "
                    + silentStatuses + (neighbourOverflow == null ? "" : "; kernel: " + neighbourOverflow);
            String bridgesNote = "on " + portsPerBridge.size() + " bridges";
            figures.add(new BenchSupport.Figure("density: running sites on one host, all answering", answering, "sites",
                    ">= 10,000", count < GOAL_SITES ? null : answering >= GOAL_SITES, List.of(),
                    bridgesNote + (sizeNote == null ? "" : "; " + sizeNote) + (silentNote == null ? "" : "; " + silentNote)));
            figures.add(new BenchSupport.Figure("density: memory of " + measured + " running sites (cgroups + kernel + nginx)",
                    mib(attributed), "MiB", "<= 12 GiB for 10,000 (1,258 KiB per site)",
                    // A smaller run's rate is an extrapolation to 10,000, not a verdict on it.
                    count < GOAL_SITES ? null : attributed / 1024.0 / measured <= GOAL_KIB_PER_SITE,
                    List.of(new BenchSupport.Comparison("MemAvailable drop (whole machine)", mib(availableDrop))),
                    String.format("%.0f KiB per site, %.1f GiB for 10,000 at that rate%s", attributed / 1024.0 / measured,
                            attributed / 1024.0 / measured * GOAL_SITES / 1024 / 1024,
                            sizeNote == null ? "" : " (extrapolated); " + sizeNote)));
            double routableP50 = percentile(routableMany, 50);
            double routableMax = percentile(routableMany, 100);
            figures.add(new BenchSupport.Figure("new site routable (POST -> first 200) with " + present + " present, p50", routableP50,
                    "ms", "<= 100 ms with 10,000 present", count < GOAL_SITES ? null : routableP50 <= GOAL_ROUTABLE_MILLIS,
                    List.of(new BenchSupport.Comparison("with 1 present (floor)", percentile(routableFew, 50))),
                    String.format("max %.0f ms%s", routableMax, sizeNote == null ? "" : "; " + sizeNote)));
            for (BenchSupport.Figure figure : figures) {
                table.append(String.format("%s: %.1f %s (goal %s: %s)%n", figure.name(), figure.value(), figure.unit(),
                        figure.goal() == null ? "none" : figure.goal(), figure.verdict()));
            }

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("sites", count);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("createAllSeconds", BenchSupport.round(createAllSeconds));
            json.put("answering", answering);
            json.put("portsPerBridge", portsPerBridge);
            json.put("neighbourTable", neighbours.toString());
            json.put("cgroupMib", BenchSupport.round(mib(cgroupBytes)));
            json.put("kernelGrowthMib", BenchSupport.round(mib(kernelGrowth)));
            json.put("nginxRssGrowthMib", BenchSupport.round(mib(nginxGrowth)));
            json.put("memAvailableDropMib", BenchSupport.round(mib(availableDrop)));
            json.put("sitesInMemoryFigures", measured);
            json.put("routableWithOnePresent", BenchSupport.summary(routableFew));
            json.put("routableWithManyPresent", BenchSupport.summary(routableMany));
            json.put("presentWhenMeasured", present);
            json.put("figures", figures.stream().map(BenchSupport.Figure::toJson).toList());
            BenchSupport.report(table.toString(), json, "target/bench/density.json");
        }
    }

    /** {@link #ROUTABLE_SAMPLES} sites created one after the other: POST /sites -> first 200 through nginx. */
    private static List<Double> routable(StackProcess stack, String token, String label) throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int index = 0; index < ROUTABLE_SAMPLES; index++) {
            String site = stack.uniqueSiteName("r" + label + index);
            long start = System.nanoTime();
            BenchSupport.createSite(stack, token, site, start);
            awaitOk(stack, site);
            millis.add((System.nanoTime() - start) / 1e6);
        }
        return millis;
    }

    /** How many ports (sites) each of the run's bridges that has any carries, by bridge name. */
    private static Map<String, Long> portsPerBridge(StackProcess stack) throws IOException {
        Map<String, Long> ports = new java.util.TreeMap<>();
        for (String line : StackProcess.run(List.of("ip", "-o", "link", "show", "type", "veth")).split("\n")) {
            java.util.regex.Matcher master = java.util.regex.Pattern.compile(" master (\\S+) ").matcher(line);
            if (master.find() && dev.berth.testkit.HostCleanup.isRunBridge(stack.prefix(), master.group(1))) {
                ports.merge(master.group(1), 1L, Long::sum);
            }
        }
        return ports;
    }

    /**
     * The kernel's neighbour (ARP / NDP) table thresholds raised, for the run, to what
     * docs/operations.md tells operators to set (gc_thresh3 8,192 up to about 4,000 sites, then
     * twice the sites), and put back on close. Only raised: a host already configured higher is left
     * alone.
     */
    static final class NeighbourTable implements AutoCloseable {
        private final Map<String, String> previous = new LinkedHashMap<>();

        static NeighbourTable sizedForSites(int sites) throws IOException {
            long thresh3 = Math.max(8192L, Long.highestOneBit(2L * sites - 1) << 1);
            Map<String, Long> wanted = Map.of("gc_thresh1", thresh3 / 4, "gc_thresh2", thresh3 / 2, "gc_thresh3", thresh3);
            NeighbourTable table = new NeighbourTable();
            try {
                for (String family : List.of("ipv4", "ipv6")) {
                    for (String name : List.of("gc_thresh3", "gc_thresh2", "gc_thresh1")) {
                        String key = "net." + family + ".neigh.default." + name;
                        String before = StackProcess.run(List.of("sysctl", "-n", key)).trim();
                        if (Long.parseLong(before) < wanted.get(name)) {
                            table.previous.put(key, before);
                            set(key, Long.toString(wanted.get(name)));
                        }
                    }
                }
            } catch (IOException | RuntimeException failure) {
                table.close();
                throw failure;
            }
            return table;
        }

        @Override
        public void close() {
            // Put back in the reverse order (thresh1 <= thresh2 <= thresh3 holds at every step).
            List<Map.Entry<String, String>> entries = new ArrayList<>(previous.entrySet());
            Collections.reverse(entries);
            for (Map.Entry<String, String> entry : entries) {
                try {
                    set(entry.getKey(), entry.getValue());
                } catch (IOException | RuntimeException e) {
                    System.err.println("cannot restore " + entry.getKey() + " to " + entry.getValue() + ": " + e);
                }
            }
        }

        /**
         * Read and written with sysctl(8), not Java file I/O: on this machine's kernel a JDK read of
         * /proc/sys returns only the first byte ("1024" reads as "1"), so a value "restored" from it
         * would be wrong.
         */
        private static void set(String key, String value) throws IOException {
            String out = StackProcess.run(List.of("sysctl", "-w", key + "=" + value));
            if (!out.contains(key + " = " + value)) {
                throw new IOException("sysctl -w " + key + "=" + value + " said: " + out);
            }
        }

        @Override
        public String toString() {
            return previous.isEmpty() ? "neighbour table thresholds already sized (left alone)"
                    : "neighbour table thresholds raised for the run to 2048/4096/8192 (restored after)";
        }
    }

    /** The kernel's last neighbour-table overflow message, if it logged one (dmesg), else null. */
    private static String kernelNeighbourOverflow() {
        try {
            String log = StackProcess.run(List.of("dmesg"));
            String last = null;
            for (String line : log.split("\n")) {
                if (line.contains("neighbor table overflow")) {
                    last = line.replaceFirst("^\\[[^\\]]*\\]\\s*", "");
                }
            }
            return last;
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
    }

    private static void awaitOk(StackProcess stack, String site) throws InterruptedException {
        stack.awaitSite(site, "/", response -> response.status() == 200, ANSWER_TIMEOUT);
    }

    private static void row(StringBuilder table, String label, List<Double> millis) {
        table.append(String.format("%-62s %9.1f %9.1f %9.1f%n", label, percentile(millis, 50), percentile(millis, 95),
                percentile(millis, 100)));
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    /** The run's whole cgroup subtree: v1 memory.usage_in_bytes (hierarchical) or v2 memory.current. */
    private static long runCgroupMemory(StackProcess stack) throws IOException {
        Path v1 = Path.of("/sys/fs/cgroup/memory", stack.prefix(), "memory.usage_in_bytes");
        Path file = Files.exists(v1) ? v1 : Path.of("/sys/fs/cgroup", stack.prefix(), "memory.current");
        return Long.parseLong(Files.readString(file).trim());
    }

}
