package dev.berth.hostd.reconcile;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Mutable per-site bookkeeping of the reconciler. Written under the site's lock; read without it by
 * observers, hence the concurrent map and volatile fields.
 */
final class SiteStatus {
    enum State { PROVISIONING, RUNNING, STOPPED, FAILED }

    volatile State state = State.PROVISIONING;
    volatile long appliedGeneration;
    final Map<String, String> errors = new ConcurrentSkipListMap<>();
    volatile int restarts;
    int consecutiveFailures;
    Instant nextStartAttempt = Instant.EPOCH;
    /** Failed convergences in a row, and when the watch may retry the next one. */
    int failedConvergences;
    volatile Instant nextRetry = Instant.EPOCH;
    Instant lastStart;
    volatile String lastExit;
    boolean containerSeenRunning;
    volatile Instant updatedAt = Instant.EPOCH;
}
