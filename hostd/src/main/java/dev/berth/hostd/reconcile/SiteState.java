package dev.berth.hostd.reconcile;

import dev.berth.hostprotocol.SitePart;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What hostd knows about one site between convergences: how far it got, the latest failure of each
 * part, and the bookkeeping behind its retry and restart delays. Immutable: a convergence replaces
 * it as a whole, so an observer always reads the outcome of one finished convergence.
 *
 * @param state              provisioning, running, stopped or failed
 * @param appliedGeneration  the spec generation the host last reached with no part failing
 * @param errors             the latest failure of each part that has one
 * @param failedConvergences convergences in a row with a failing part
 * @param nextRetry          when the watch may retry a failing site
 * @param updatedAt          when the last convergence finished ({@link Instant#EPOCH} before the first)
 * @param container          the container's restart bookkeeping
 */
public record SiteState(State state, long appliedGeneration, Map<SitePart, String> errors, int failedConvergences,
                        Instant nextRetry, Instant updatedAt, Container container) {

    /** A site no convergence has finished for yet. */
    public static final SiteState NEW = new SiteState(State.PROVISIONING, 0, Map.of(), 0, Instant.EPOCH, Instant.EPOCH,
            Container.NEW);

    public enum State { PROVISIONING, RUNNING, STOPPED, FAILED }

    /** The same, with a container the runtime gave the site at {@code at} (a pool claim) counted as started then. */
    SiteState claimed(Instant at) {
        return new SiteState(state, appliedGeneration, errors, failedConvergences, nextRetry, updatedAt, container.started(at));
    }

    public SiteState {
        EnumMap<SitePart, String> copy = new EnumMap<>(SitePart.class);
        copy.putAll(errors);
        errors = Collections.unmodifiableMap(copy);
    }

    /**
     * The container's restart bookkeeping.
     *
     * @param restarts            restarts after the container died on its own (reported)
     * @param consecutiveFailures deaths and failed starts since it last ran stably
     * @param nextStartAttempt    no start before this
     * @param lastStart           when it was last started by this hostd, null if never
     * @param lastExit            how it last died on its own, null if never
     * @param seenRunning         it was running with the wanted configuration when last looked at
     */
    public record Container(int restarts, int consecutiveFailures, Instant nextStartAttempt, Instant lastStart,
                            String lastExit, boolean seenRunning) {
        public static final Container NEW = new Container(0, 0, Instant.EPOCH, null, null, false);

        /** True once the container ran for {@code stableAfter} since its last start: its failures are forgiven. */
        boolean ranStably(Instant now, Duration stableAfter) {
            return lastStart != null && Duration.between(lastStart, now).compareTo(stableAfter) >= 0;
        }

        Container seenRunning(boolean seen) {
            return new Container(restarts, consecutiveFailures, nextStartAttempt, lastStart, lastExit, seen);
        }

        Container failures(int failures, Instant nextAttempt) {
            return new Container(restarts, failures, nextAttempt, lastStart, lastExit, seenRunning);
        }

        Container died(Instant at, int failures, Instant nextAttempt) {
            return new Container(restarts + 1, failures, nextAttempt, lastStart, "container exited unexpectedly at " + at,
                    seenRunning);
        }

        Container started(Instant at) {
            return new Container(restarts, consecutiveFailures, nextStartAttempt, at, lastExit, true);
        }
    }
}
