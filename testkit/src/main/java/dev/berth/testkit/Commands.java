package dev.berth.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs host tools (runc, ip, nft, dig, curl...) from tests: an argv, never a shell; standard input
 * from /dev/null; killed after 30 s. Stateless and thread-safe.
 */
public final class Commands {
    private static final long TIMEOUT_SECONDS = 30;

    private Commands() {
    }

    /** Standard output and standard error together; the exit status is not looked at. */
    public static String run(List<String> argv) throws IOException {
        return output(new ProcessBuilder(argv).redirectErrorStream(true));
    }

    /** Standard output only (runc prints warnings on standard error). */
    public static String stdout(List<String> argv) throws IOException {
        return output(new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD));
    }

    /**
     * The exit status, or -1 when the program was killed after the timeout.
     *
     * @throws UncheckedIOException when the program cannot be started
     */
    public static int exitCode(List<String> argv) {
        try {
            Process process = start(new ProcessBuilder(argv).redirectErrorStream(true));
            process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException failed) {
            throw new UncheckedIOException(failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }

    private static String output(ProcessBuilder builder) throws IOException {
        try {
            Process process = start(builder);
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException(interrupted);
        }
    }

    private static Process start(ProcessBuilder builder) throws IOException {
        return builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }
}
