package dev.berth.hostd.site;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * hostd's one exponential backoff: after the first failure {@code initial}, then twice as long after
 * each further one, never more than {@code maximum}. Used for container restarts and site retries
 * (reconcile), certificate retries (tls) and DNS update retries (dns).
 */
public record Backoff(Duration initial, Duration maximum) {

    /** Doubling from {@code initial} with no maximum (for a caller that bounds the number of attempts). */
    public static Backoff doubling(Duration initial) {
        return new Backoff(initial, ChronoUnit.FOREVER.getDuration());
    }

    /** The delay after {@code failures} consecutive failures: none before the first, {@code initial} after it. */
    public Duration delay(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        Duration delay = initial.multipliedBy(1L << Math.min(failures - 1, 20));
        return delay.compareTo(maximum) > 0 ? maximum : delay;
    }
}
