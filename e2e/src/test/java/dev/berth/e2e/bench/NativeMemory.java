package dev.berth.e2e.bench;

import dev.berth.e2e.StackProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM's own account of its memory, through {@code jcmd}: Native Memory Tracking (the JVM started
 * with {@code -XX:NativeMemoryTracking=summary}) splits what it committed by category (heap, class
 * metadata, compiled code, threads, ...), and a class histogram (which runs a full collection first)
 * gives the bytes of live objects. Growth that neither shows is outside the JVM's own account
 * (the C library's allocator, the kernel's pages of the process).
 */
final class NativeMemory {
    /** The JVM option that makes {@link #baseline} and {@link #committedGrowth} work. */
    static final String TRACKING = "-XX:NativeMemoryTracking=summary";

    private static final Pattern CATEGORY = Pattern.compile(
            "^-\\s+(.+?) \\(reserved=\\d+KB(?: [+-]\\d+KB)?, committed=(\\d+)KB(?: ([+-]\\d+)KB)?\\)");
    private static final Pattern TOTAL = Pattern.compile("^Total: reserved=\\d+KB(?: [+-]\\d+KB)?, committed=(\\d+)KB(?: ([+-]\\d+)KB)?");
    private static final Pattern HEAP_ADDRESS = Pattern.compile("0x([0-9a-f]{8,16})");
    private static final Pattern MAPPING = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+\\d+\\s+(\\d+)\\s*$");

    private NativeMemory() {
    }

    private static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        argv.addAll(List.of(command));
        return StackProcess.run(argv);
    }

    /** Records the JVM's committed memory now, for {@link #committedGrowth}. */
    static void baseline(long pid) throws IOException, InterruptedException {
        jcmd(pid, "VM.native_memory", "baseline");
    }

    /**
     * Committed memory by category since {@link #baseline}, in KiB: the total first (key
     * "Total"), then every category whose committed memory changed by at least {@code minKib}.
     */
    static Map<String, Long> committedGrowth(long pid, long minKib) throws IOException, InterruptedException {
        return parseDiff(jcmd(pid, "VM.native_memory", "summary.diff"), minKib);
    }

    /** Parses {@code VM.native_memory summary.diff}; visible for its test. */
    static Map<String, Long> parseDiff(String diff, long minKib) {
        Map<String, Long> growth = new LinkedHashMap<>();
        for (String line : diff.lines().toList()) {
            Matcher total = TOTAL.matcher(line.strip());
            if (total.find()) {
                growth.put("Total", total.group(2) == null ? 0 : Long.parseLong(total.group(2)));
                continue;
            }
            Matcher category = CATEGORY.matcher(line.strip());
            if (category.find() && category.group(3) != null && Math.abs(Long.parseLong(category.group(3))) >= minKib) {
                growth.put(category.group(1).strip(), Long.parseLong(category.group(3)));
            }
        }
        if (!growth.containsKey("Total")) {
            throw new IllegalStateException("no native memory summary (was the JVM started with " + TRACKING + "?): " + diff);
        }
        return growth;
    }

    /**
     * KiB of the Java heap's pages that are resident: the heap's address range from
     * {@code GC.heap_info}, summed over the mappings of {@code /proc/PID/smaps} inside it. A page
     * of the committed heap counts only once the collector first writes it, so growth here that
     * the live objects do not show is the heap being touched for the first time, not a leak.
     */
    static long heapResidentKib(long pid) throws IOException, InterruptedException {
        long[] range = heapRange(jcmd(pid, "GC.heap_info"));
        return residentKibWithin(Files.readString(Path.of("/proc", Long.toString(pid), "smaps")), range[0], range[1]);
    }

    /** The lowest and highest address {@code GC.heap_info} names; visible for its test. */
    static long[] heapRange(String heapInfo) {
        Matcher address = HEAP_ADDRESS.matcher(heapInfo);
        long low = Long.MAX_VALUE;
        long high = Long.MIN_VALUE;
        while (address.find()) {
            long value = Long.parseUnsignedLong(address.group(1), 16);
            low = Math.min(low, value);
            high = Math.max(high, value);
        }
        if (low >= high) {
            throw new IllegalStateException("no heap address range in GC.heap_info: " + heapInfo);
        }
        return new long[] {low, high};
    }

    /** The Rss of the mappings of {@code smaps} that lie within [low, high); visible for its test. */
    static long residentKibWithin(String smaps, long low, long high) {
        long kib = 0;
        boolean inside = false;
        for (String line : smaps.lines().toList()) {
            Matcher mapping = MAPPING.matcher(line);
            if (mapping.find()) {
                inside = Long.parseUnsignedLong(mapping.group(1), 16) >= low && Long.parseUnsignedLong(mapping.group(2), 16) <= high;
            } else if (inside && line.startsWith("Rss:")) {
                kib += Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        return kib;
    }

    /** Bytes of live objects after a full collection ({@code GC.class_histogram}). */
    static long liveHeapBytes(long pid) throws IOException, InterruptedException {
        return parseHistogramTotal(jcmd(pid, "GC.class_histogram"));
    }

    /** The bytes of a class histogram's last line; visible for its test. */
    static long parseHistogramTotal(String histogram) {
        List<String> lines = histogram.strip().lines().toList();
        for (int index = lines.size() - 1; index >= 0; index--) {
            Matcher total = HISTOGRAM_TOTAL.matcher(lines.get(index).strip());
            if (total.find()) {
                return Long.parseLong(total.group(1));
            }
        }
        throw new IllegalStateException("no total in the class histogram: "
                + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
    }
}
