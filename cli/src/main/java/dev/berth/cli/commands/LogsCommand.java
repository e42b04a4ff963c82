package dev.berth.cli.commands;

import dev.berth.cli.ExitCodes;
import dev.berth.cli.Io;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Printer;
import dev.berth.sdk.api.UsageApi;
import dev.berth.sdk.model.AccessLogEntry;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth logs --site NAME [-f]}: the site's recent requests from the API's access-log
 * endpoint, oldest first; with {@code -f}, polls it every {@code --interval} and prints each new
 * request once ({@link LogFollower}). {@code -o json} prints one JSON object per line.
 */
@Command(name = "logs", description = "Print a site's recent requests; -f follows its access log.")
public final class LogsCommand extends ApiCommand {
    /** The API's largest page of the access log. */
    static final int POLL_LIMIT = 200;

    @Option(names = {"-s", "--site"}, required = true, paramLabel = "NAME", description = "the site")
    String site;
    @Option(names = {"-f", "--follow"}, description = "keep printing new requests until interrupted")
    boolean follow;
    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "50", description = "how many recent requests first (1-200, default ${DEFAULT-VALUE})")
    int lines;
    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2", description = "seconds between polls with -f (default ${DEFAULT-VALUE})")
    double intervalSeconds;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (lines < 1 || lines > POLL_LIMIT) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--lines must be between 1 and " + POLL_LIMIT);
        }
        if (!(intervalSeconds >= 0.2)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--interval must be at least 0.2 seconds");
        }
        Io io = io();
        Session session = session();
        Printer printer = printer(session);
        UsageApi usage = new UsageApi(session.client());
        LogFollower follower = new LogFollower();
        print(printer, follower.next(usage.getSiteAccessLog(site, lines).getItems(), lines).entries());
        while (follow) {
            Waits.sleep(io, Duration.ofMillis((long) (intervalSeconds * 1000)));
            LogFollower.Batch batch = follower.next(usage.getSiteAccessLog(site, POLL_LIMIT).getItems(), POLL_LIMIT);
            if (batch.mayHaveMissed()) {
                io.err().println("berth: more than " + POLL_LIMIT + " requests since the last poll: some were not printed");
                io.err().flush();
            }
            print(printer, batch.entries());
        }
        return ExitCodes.OK;
    }

    private void print(Printer printer, List<AccessLogEntry> entries) {
        for (AccessLogEntry entry : entries) {
            if (output.json()) {
                printer.jsonLine(entry);
            } else {
                printer.line(line(entry));
            }
        }
    }

    /** One request as a line: time, client, method, path, status, size, duration, user agent. */
    static String line(AccessLogEntry entry) {
        String line = entry.getTime().withOffsetSameInstant(ZoneOffset.UTC) + " " + orDash(entry.getRemoteAddress()) + " "
                + entry.getMethod() + " " + entry.getUri() + " " + entry.getStatus() + " "
                + (entry.getBytesSent() == null ? "-" : entry.getBytesSent() + "B") + " "
                + (entry.getRequestSeconds() == null ? "-" : String.format("%.3fs", entry.getRequestSeconds())) + " \""
                + orDash(entry.getUserAgent()) + "\"";
        // A request line is the client's text: never let it move the cursor or colour the terminal.
        return line.replaceAll("\\p{Cntrl}", "?");
    }

    private static String orDash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }
}
