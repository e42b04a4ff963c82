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
                "maxMillis", round(percentile(millis, 100)));
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
        Path output = Path.of(System.getProperty("berth.bench.output", defaultOutput));
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

    /** Creates a site through the API; returns the milliseconds from {@code startNanos} until it answered 201. */
    static double createSite(StackProcess stack, String token, String site, long startNanos) {
        ApiCalls.Answer created = stack.createSite(token, site);
        if (created.status() != 201) {
            throw new IllegalStateException("create failed: " + created);
        }
        return (System.nanoTime() - startNanos) / 1e6;
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
}
