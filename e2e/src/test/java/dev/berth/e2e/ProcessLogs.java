package dev.berth.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** The console logs of the processes the tests start: their tail for failure messages, and a kept copy. */
final class ProcessLogs {
    private ProcessLogs() {
    }

    /** The last 60 lines of a log, or why there are none. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException | UncheckedIOException unreadable) {
            return "(no log: " + unreadable.getMessage() + ")";
        }
    }

    /** Copies a log to {@code berth.e2e.logs} (default target/api-logs) under a time-stamped name. */
    static void keep(Path log, String name) {
        if (!Files.isRegularFile(log)) {
            return;
        }
        try {
            Path logs = Path.of(System.getProperty("berth.e2e.logs", "target/api-logs"));
            Files.createDirectories(logs);
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
            Files.copy(log, logs.resolve(name + "-" + stamp + ".log"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException notKept) {
            System.err.println("Could not keep " + log + ": " + notKept);
        }
    }
}
