package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Io;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.api.DeploysApi;
import dev.berth.sdk.api.OperationsApi;
import dev.berth.sdk.api.SitesApi;
import dev.berth.sdk.model.Deploy;
import dev.berth.sdk.model.ObservedState;
import dev.berth.sdk.model.Operation;
import dev.berth.sdk.model.Site;
import java.time.Duration;
import java.util.List;

/**
 * Follows the API's long-running work to its end: an operation (start, stop, delete), a deploy
 * until it is live, a new site until it runs. Polls every {@link #POLL}; gives up after the
 * command's {@code --timeout} with {@link ExitCodes#FAILED} and says how to go on following.
 */
final class Waits {
    static final Duration POLL = Duration.ofMillis(500);
    /** A line of a build in a deploy's log: its time, then "| " and what the build printed. */
    private static final java.util.regex.Pattern BUILD_LINE = java.util.regex.Pattern.compile("\\S+ \\| (.*)");

    private Waits() {
    }

    /** Waits until the operation succeeded; a failed one ends the command with its error. */
    static Operation operation(Io io, OperationsApi operations, Operation started, Duration timeout) throws ApiException {
        Operation operation = started;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (operation.getStatus() == Operation.StatusEnum.PENDING || operation.getStatus() == Operation.StatusEnum.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.FAILED, operation.getKind().getValue() + " of " + operation.getTarget()
                        + " is still " + operation.getStatus().getValue() + " after " + timeout.toSeconds() + " s (operation "
                        + operation.getId() + ")");
            }
            sleep(io);
            operation = operations.getOperation(operation.getId());
        }
        if (operation.getStatus() == Operation.StatusEnum.FAILED) {
            throw new CliException(ExitCodes.FAILED, operation.getKind().getValue() + " of " + operation.getTarget() + " failed: "
                    + (operation.getError() == null ? "no reason given" : operation.getError()));
        }
        return operation;
    }

    /** Waits until the deploy is live (or was live and already replaced); a failed one prints its log. */
    static Deploy deploy(Io io, DeploysApi deploys, String site, Deploy accepted, Duration timeout) throws ApiException {
        Deploy deploy = accepted;
        long deadline = System.nanoTime() + timeout.toNanos();
        int shown = 0;
        while (!finished(deploy)) {
            shown = printBuildLines(io, deploy, shown);
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.FAILED, "deploy " + deploy.getId() + " is still " + deploy.getStatus().getValue()
                        + " after " + timeout.toSeconds() + " s; follow it with berth deploys ls --site " + site);
            }
            sleep(io);
            deploy = deploys.getDeploy(site, deploy.getId());
        }
        if (deploy.getStatus() != Deploy.StatusEnum.FAILED) {
            printBuildLines(io, deploy, shown);
        }
        if (deploy.getStatus() == Deploy.StatusEnum.FAILED) {
            List<String> log = deploy.getLog() == null ? List.of() : deploy.getLog();
            for (String line : log) {
                io.err().println("  " + line);
            }
            throw new CliException(ExitCodes.FAILED, "deploy " + deploy.getId() + " failed: "
                    + (deploy.getError() == null ? "no reason given" : deploy.getError()) + "; the live site is unchanged");
        }
        return deploy;
    }

    /** Waits until a new site runs (or failed). */
    static Site running(Io io, SitesApi sites, Site created, Duration timeout) throws ApiException {
        Site site = created;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (site.getObservedState() != ObservedState.RUNNING) {
            if (site.getObservedState() == ObservedState.FAILED) {
                throw new CliException(ExitCodes.FAILED, "site " + site.getName() + " failed: "
                        + (site.getLastError() == null ? "no reason given" : site.getLastError()));
            }
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.FAILED, "site " + site.getName() + " is still " + site.getObservedState().getValue()
                        + " after " + timeout.toSeconds() + " s");
            }
            sleep(io);
            site = sites.getSite(site.getName());
        }
        return site;
    }

    /**
     * Prints the build's lines the deploy's log gained since {@code shown} lines (each "TIME | LINE"),
     * to standard error as the build goes; returns how many log lines are seen now.
     */
    static int printBuildLines(Io io, Deploy deploy, int shown) {
        List<String> log = deploy.getLog() == null ? List.of() : deploy.getLog();
        for (int index = shown; index < log.size(); index++) {
            java.util.regex.Matcher line = BUILD_LINE.matcher(log.get(index));
            if (line.matches()) {
                io.err().println("  | " + line.group(1));
            }
        }
        return Math.max(shown, log.size());
    }

    private static boolean finished(Deploy deploy) {
        return deploy.getStatus() == Deploy.StatusEnum.LIVE || deploy.getStatus() == Deploy.StatusEnum.FAILED
                || deploy.getStatus() == Deploy.StatusEnum.SUPERSEDED;
    }

    static void sleep(Io io) {
        sleep(io, POLL);
    }

    static void sleep(Io io, Duration duration) {
        try {
            io.sleeper().sleep(duration);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
    }
}
