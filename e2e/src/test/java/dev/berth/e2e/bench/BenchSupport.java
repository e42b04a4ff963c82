package dev.berth.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Figures shared by the stack and deploy benchmarks: percentiles, /proc readings, the report files. */
final class BenchSupport {
    private BenchSupport() {
    }

    /** Nearest-rank percentile of {@code values} (milliseconds or any unit); NaN when empty. */
    static double percentile(List<Double> values, double percent) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static Map<String, Object> summary(List<Double> millis) {
        return Map.of("count", millis.size(), "p50Millis", round(percentile(millis, 50)), "p95Millis", round(percentile(millis, 95)),
                "p99Millis", round(percentile(millis, 99)), "maxMillis", round(percentile(millis, 100)));
    }

    static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    /** /proc/meminfo in bytes, by field. */
    static Map<String, Long> meminfo() throws IOException {
        Map<String, Long> values = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
            String[] parts = line.split(":\\s+");
            values.put(parts[0], Long.parseLong(parts[1].replaceAll("\\D+", "")) * 1024);
        }
        return values;
    }

    /** The kernel's own memory in a /proc/meminfo reading: Slab, Percpu, KernelStack and PageTables. */
    static long kernelBytes(Map<String, Long> meminfo) {
        return java.util.stream.Stream.of("Slab", "Percpu", "KernelStack", "PageTables")
                .mapToLong(field -> meminfo.getOrDefault(field, 0L)).sum();
    }

    /** The 1, 5 and 15 minute load averages, to judge how shared the machine was. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException unknown) {
            return "unknown";
        }
    }

    /** Writes the table next to the JSON and prints the table. */
    static void report(String table, Map<String, Object> json, String defaultOutput) throws IOException {
        System.out.print(table);
        String directory = System.getProperty("berth.bench.directory");
        Path output = Path.of(System.getProperty("berth.bench.output",
                directory == null ? defaultOutput : Path.of(directory).resolve(Path.of(defaultOutput).getFileName()).toString()));
        Files.createDirectories(output.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(output.toFile(), json);
        String name = output.getFileName().toString().replaceFirst("\\.json$", "");
        Files.writeString(output.resolveSibling(name + ".txt"), table, StandardCharsets.UTF_8);
        System.out.println("written: " + output.toAbsolutePath() + " and " + name + ".txt");
    }

    /** Fails (thrown, not System.exit: exec:java runs a benchmark inside Maven's JVM) when the stack cannot run here. */
    static void requireStack(String benchmark) {
        String missing = StackProcess.missingPrerequisite();
        if (missing != null) {
            throw new IllegalStateException(benchmark + " needs the real stack: " + missing);
        }
    }

    /**
     * The run's IPv4 subnet for {@code sites} sites: a /21 up to 1,900 sites, each bit shorter
     * doubling that, down to a /18 (16,000 sites).
     */
    static int ipv4PrefixFor(int sites) {
        int prefix = 21;
        while (prefix > 18 && sitesOn(prefix) < sites + 100) {
            prefix--;
        }
        if (sitesOn(prefix) < sites + 10) {
            throw new IllegalArgumentException("at most " + (sitesOn(18) - 10) + " sites fit the largest run subnet, not " + sites);
        }
        return prefix;
    }

    /**
     * The bridges' prefix for a run subnet: a /25 (125 sites each; a Linux bridge takes at most
     * 1,024 ports, and many small bridges are what a large host runs), a /24 where /25s would be
     * more than the 64 bridges hostd allows (a /18).
     */
    static int bridgePrefixFor(int ipv4Prefix) {
        return Math.min(25, ipv4Prefix + 6);
    }

    private static int sitesOn(int prefix) {
        int bridgePrefix = bridgePrefixFor(prefix);
        return (1 << (bridgePrefix - prefix)) * ((1 << (32 - bridgePrefix)) - 3);
    }

    /**
     * A stack sized for hundreds to thousands of running sites: a subnet of {@link #ipv4PrefixFor}
     * over bridges of {@link #bridgePrefixFor}, and a default quota with room for {@code sites} running
     * sites and no limit a benchmark would meet first. Not started.
     */
    static StackProcess manySitesStack(String name, int sites) {
        return manySitesBuilder(name, sites).build();
    }

    /** {@link #manySitesStack}'s builder, for a benchmark that adds to it. */
    static StackProcess.Builder manySitesBuilder(String name, int sites) {
        return StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .ipv4PrefixLength(ipv4PrefixFor(sites))
                .bridgePrefixLength(bridgePrefixFor(ipv4PrefixFor(sites)))
                .defaultQuota("maxSites", sites + 10)
                .defaultQuota("maxRunningSites", sites + 10)
                .defaultQuota("cpuMillicores", 2000)
                .defaultQuota("memoryMib", 16_384)
                .defaultQuota("pids", 50_000)
                .defaultQuota("diskMib", 100_000)
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                .name(name);
    }

    /** Signs a new tenant up on the stack and returns its token. */
    static String benchTenant(StackProcess stack) {
        return stack.calls().signUpAndLogIn("bench-" + stack.prefix() + "@example.com", "correct horse battery staple",
                "bench" + stack.prefix());
    }

    /** Creates a site named after {@code prefix} and waits until it serves its first page; returns its name. */
    static String servingSite(StackProcess stack, String token, String prefix, java.time.Duration timeout)
            throws InterruptedException {
        String site = stack.uniqueSiteName(prefix);
        createSite(stack, token, site, System.nanoTime());
        stack.awaitSite(site, "/", response -> response.status() == 200, timeout);
        return site;
    }

    /**
     * Creates {@code count} sites named {@code label}-INDEX through the API from {@code clients}
     * clients at once, each waited for until it serves its first page; returns their names.
     */
    static List<String> createServingSites(StackProcess stack, String token, int count, int clients, String label,
                                           java.time.Duration timeout) throws Exception {
        List<String> sites = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<?>> work = new java.util.ArrayList<>();
            for (int client = 0; client < clients; client++) {
                int first = client;
                work.add(pool.submit(() -> {
                    for (int index = first; index < count; index += clients) {
                        String site = stack.uniqueSiteName(label + index);
                        createSite(stack, token, site, System.nanoTime());
                        stack.awaitSite(site, "/", response -> response.status() == 200, timeout);
                        sites.add(site);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> done : work) {
                done.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return sites;
    }

    /** Resident memory of a process (VmRSS), 0 when it is gone. */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException gone) {
            return 0;
        }
        return 0;
    }

    /** Resident memory of hostd's nginx: its master and the master's children (workers). */
    static long nginxResidentBytes(StackProcess stack) throws IOException {
        long total = 0;
        for (long pid : nginxProcesses(stack)) {
            total += residentBytes(pid);
        }
        return total;
    }

    /** hostd's nginx master, then its children (the workers). */
    private static List<Long> nginxProcesses(StackProcess stack) throws IOException {
        long master = Long.parseLong(Files.readString(stack.dataDirectory().resolve("nginx/run/nginx.pid")).trim());
        List<Long> pids = new java.util.ArrayList<>(List.of(master));
        ProcessHandle.of(master).ifPresent(handle -> handle.children().forEach(child -> pids.add(child.pid())));
        return pids;
    }

    /** The kinds of mapping {@link #residentKibByKind} sums, in the order it reports them. */
    static final List<String> MAPPING_KINDS = List.of("shared zones", "private anonymous", "files");

    /**
     * Resident memory of hostd's nginx (master and workers, as {@link #nginxResidentBytes} counts
     * it) in KiB by kind of mapping, from /proc/PID/smaps: nginx's shared memory zones (the route
     * table, the TLS session cache: anonymous shared mappings, shown as /dev/zero), private
     * anonymous memory (the C heap, LuaJIT's heap, stacks) and mapped files.
     */
    static Map<String, Long> nginxResidentKibByKind(StackProcess stack) throws IOException {
        Map<String, Long> total = new LinkedHashMap<>();
        for (long pid : nginxProcesses(stack)) {
            try {
                residentKibByKind(Files.readString(Path.of("/proc", Long.toString(pid), "smaps")))
                        .forEach((kind, kib) -> total.merge(kind, kib, Long::sum));
            } catch (IOException gone) {
                // A worker that exited between the listing and the read holds nothing any more.
            }
        }
        return total;
    }

    /** Sums the Rss lines of an smaps text by the kind of each mapping; visible for its test. */
    static Map<String, Long> residentKibByKind(String smaps) {
        Map<String, Long> kib = new LinkedHashMap<>();
        MAPPING_KINDS.forEach(kind -> kib.put(kind, 0L));
        String kind = null;
        for (String line : smaps.lines().toList()) {
            String[] words = line.trim().split("\\s+", 6);
            if (words.length >= 5 && words[0].matches("[0-9a-f]+-[0-9a-f]+")) {
                String path = words.length == 6 ? words[5] : "";
                kind = path.startsWith("/dev/zero") || path.startsWith("/SYSV") ? "shared zones"
                        : path.isEmpty() || path.startsWith("[") ? "private anonymous" : "files";
            } else if (kind != null && words.length >= 2 && words[0].equals("Rss:")) {
                kib.merge(kind, Long.parseLong(words[1]), Long::sum);
            }
        }
        return kib;
    }

    /** Creates a site through the API; returns the milliseconds from {@code startNanos} until it answered 201. */
    static double createSite(StackProcess stack, String token, String site, long startNanos) {
        ApiCalls.Answer created = stack.createSite(token, site);
        if (created.status() != 201) {
            throw new IllegalStateException("create failed: " + created);
        }
        return (System.nanoTime() - startNanos) / 1e6;
    }

    /**
     * One figure of the consolidated report: what was measured, its goal (and whether it was met;
     * null when there is no goal), and what it was compared with in the same run.
     */
    record Figure(String name, double value, String unit, String goal, Boolean met, List<Comparison> comparisons, String note) {
        Figure {
            comparisons = List.copyOf(comparisons);
        }

        Figure(String name, double value, String unit, String goal, Boolean met, List<Comparison> comparisons) {
            this(name, value, unit, goal, met, comparisons, null);
        }

        String verdict() {
            return met == null ? "not judged" : met ? "MET" : "NOT MET";
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new java.util.LinkedHashMap<>();
            json.put("name", name);
            json.put("value", Math.round(value * 1000) / 1000.0);
            json.put("unit", unit);
            json.put("goal", goal);
            json.put("met", met);
            List<Map<String, Object>> compared = new ArrayList<>();
            for (Comparison comparison : comparisons) {
                Map<String, Object> entry = new java.util.LinkedHashMap<>();
                entry.put("with", comparison.label());
                entry.put("value", Math.round(comparison.value() * 1000) / 1000.0);
                entry.put("ratio", comparison.value() == 0 ? null : Math.round(value / comparison.value() * 100) / 100.0);
                compared.add(entry);
            }
            json.put("comparedWith", compared);
            json.put("note", note);
            return json;
        }
    }

    /** A peer or floor measured in the same run, in the unit of the figure it is compared with. */
    record Comparison(String label, double value) {
    }

    /** The first argument as a size between 1 and {@code max}, or the default when absent or blank. */
    static int sizeArgument(String[] args, int defaultSize, int max) {
        if (args.length == 0 || args[0].isBlank()) {
            return defaultSize;
        }
        int size = Integer.parseInt(args[0].trim());
        if (size < 1 || size > max) {
            throw new IllegalArgumentException("the size must be between 1 and " + max + ", not " + size);
        }
        return size;
    }

    /** The first argument as a positive count, or the default when absent or blank. */
    static int countArgument(String[] args, int defaultCount) {
        if (args.length == 0 || args[0].isBlank()) {
            return defaultCount;
        }
        int count = Integer.parseInt(args[0].trim());
        if (count < 1 || count > 200) {
            throw new IllegalArgumentException("the count must be between 1 and 200, not " + count);
        }
        return count;
    }

    /** One figure in the form {@link BenchReport} reads. */
    static Map<String, Object> figure(String name, double value, String unit, String goal, Boolean met, String with,
                                      double baseline, String note) {
        Map<String, Object> figure = new java.util.LinkedHashMap<>();
        figure.put("name", name);
        figure.put("value", round(value));
        figure.put("unit", unit);
        figure.put("goal", goal);
        figure.put("met", met);
        figure.put("comparedWith", List.of(Map.of("with", with, "value", round(baseline))));
        figure.put("note", note);
        return figure;
    }
}
