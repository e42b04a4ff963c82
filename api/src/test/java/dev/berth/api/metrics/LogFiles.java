package dev.berth.api.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fresh file for an application's JSON log, deleted when the JVM exits. */
final class LogFiles {
    private LogFiles() {
    }

    static Path create() {
        try {
            Path directory = Files.createTempDirectory("berth-log-");
            directory.toFile().deleteOnExit();
            Path file = directory.resolve("api.json.log");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException failed) {
            throw new UncheckedIOException(failed);
        }
    }
}
