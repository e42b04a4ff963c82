package dev.berth.hostd.exec;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program that leaves a daemon behind (runc run --detach, nginx). Its output goes to a log
 * file instead of pipes: the daemon inherits the descriptors, and a pipe would keep this JVM
 * waiting for an end-of-file that only comes when the daemon exits.
 */
public final class Detached {
    private Detached() {
    }

    public static void run(List<String> argv, Path log, Duration timeout) throws CommandException {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process process = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CommandException(String.join(" ", argv) + " timed out");
            }
            if (process.exitValue() != 0) {
                throw new CommandException(String.join(" ", argv) + " exited with " + process.exitValue() + ": " + tail(log));
            }
        } catch (IOException e) {
            throw new CommandException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted while running " + argv.get(0), e);
        }
    }

    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
