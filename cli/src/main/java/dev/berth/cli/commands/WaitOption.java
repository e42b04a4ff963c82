package dev.berth.cli.commands;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --no-wait} and {@code --timeout}: mixed into every command that starts long-running work. */
final class WaitOption {
    @Option(names = "--no-wait", description = "return once the API accepted the request")
    boolean noWait;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300", description = "how long to wait (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }
}
