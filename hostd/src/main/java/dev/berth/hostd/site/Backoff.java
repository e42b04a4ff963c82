package dev.berth.hostd.reconcile;

import java.time.Duration;

/** Restart delays: the first restart is immediate, then 1 s, 2 s, 4 s ... up to the maximum. */
public record Backoff(Duration initial, Duration maximum) {

    public Duration delayAfter(int consecutiveFailures) {
        if (consecutiveFailures <= 1) {
            return Duration.ZERO;
        }
        int doublings = Math.min(consecutiveFailures - 2, 20);
        Duration delay = initial.multipliedBy(1L << doublings);
        return delay.compareTo(maximum) > 0 ? maximum : delay;
    }
}
