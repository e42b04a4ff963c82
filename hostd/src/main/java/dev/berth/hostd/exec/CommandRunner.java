package dev.berth.hostd.exec;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs a host program from an argv list. Implementations never pass anything through a shell, so a
 * value taken from a spec can never be read as shell syntax.
 */
public interface CommandRunner {

    /**
     * Runs {@code argv} with extra environment variables and optional standard input, waiting at
     * most {@code timeout}.
     *
     * @return the exit code and captured output; a non-zero exit is not an exception here
     * @throws CommandException if the program cannot be started or times out
     */
    CommandResult run(List<String> argv, Map<String, String> environment, byte[] stdin, Duration timeout)
            throws CommandException;

    default CommandResult run(List<String> argv) throws CommandException {
        return run(argv, Map.of(), null, Duration.ofSeconds(30));
    }

    /** Runs {@code argv} and throws unless it exits with 0. */
    default CommandResult check(List<String> argv) throws CommandException {
        return run(argv).orThrow(argv);
    }
}
