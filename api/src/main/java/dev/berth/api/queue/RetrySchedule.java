package dev.berth.api.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * Exponential backoff, the one of this module (the durable work queues, the reconciler's failing
 * sites): the delay after the {@code n}th failed attempt is {@code first * 2^(n-1)}, capped at
 * {@code longest}. Immutable and thread-safe.
 *
 * @param first   the delay after the first failure
 * @param longest the longest delay between two attempts
 */
public record RetrySchedule(Duration first, Duration longest) {
    public RetrySchedule {
        if (first.isNegative() || first.isZero() || longest.compareTo(first) < 0) {
            throw new IllegalArgumentException("a retry schedule needs a positive first delay no longer than its longest delay");
        }
    }

    /** The delay before the attempt that follows {@code failedAttempts} failures (at least 1). */
    public Duration delayAfter(int failedAttempts) {
        int doublings = Math.max(0, Math.min(failedAttempts - 1, 30));
        Duration delay = first.multipliedBy(1L << doublings);
        return delay.compareTo(longest) > 0 ? longest : delay;
    }

    /** When the next attempt is due, after {@code failedAttempts} failures, the last one at {@code now}. */
    public Instant nextAttempt(Instant now, int failedAttempts) {
        return now.plus(delayAfter(failedAttempts));
    }
}
