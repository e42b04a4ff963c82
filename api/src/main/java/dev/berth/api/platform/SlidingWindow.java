package dev.berth.api.platform;

/**
 * The sliding-window estimate of a rate over fixed windows aligned on the epoch: the requests of
 * the current window plus those of the previous one weighted by the share of it the sliding window
 * still covers. Counts per fixed window are what API replicas can add up cheaply
 * ({@link SharedWindows}), and the weighting spares the burst of twice the budget that plain fixed
 * windows allow across a boundary. Times are microseconds since the epoch.
 */
record SlidingWindow(long windowMicros) {
    SlidingWindow {
        if (windowMicros < 1) {
            throw new IllegalArgumentException("a window lasts at least a microsecond");
        }
    }

    /** When the fixed window holding {@code nowMicros} ends (its key among the published counts). */
    long windowEnd(long nowMicros) {
        return (Math.floorDiv(nowMicros, windowMicros) + 1) * windowMicros;
    }

    /** Whether one more request fits, given the requests counted in the previous and the current window. */
    boolean fits(long previous, long current, long nowMicros, int capacity) {
        return estimate(previous, current, nowMicros) + 1 <= capacity;
    }

    /**
     * Where the key stands at {@code nowMicros} with {@code previous} and {@code current} requests
     * counted (the request just counted, if any, included).
     */
    RateCounter.Verdict verdict(long previous, long current, long nowMicros, int capacity, boolean counted) {
        long untilEnd = windowEnd(nowMicros) - nowMicros;
        long remaining = (long) Math.max(0, Math.floor(capacity - estimate(previous, current, nowMicros)));
        long untilWhole = current > 0 ? untilEnd + windowMicros : previous > 0 ? untilEnd : 0;
        long wait = counted ? 0 : Math.max(1, CellRate.ceilSeconds(untilFits(previous, current, nowMicros, capacity)));
        return new RateCounter.Verdict(wait, remaining, CellRate.ceilSeconds(untilWhole));
    }

    private double estimate(long previous, long current, long nowMicros) {
        double elapsed = (double) (nowMicros - (windowEnd(nowMicros) - windowMicros)) / windowMicros;
        return previous * (1 - elapsed) + current;
    }

    /** Microseconds until one more request fits if none is counted meanwhile. */
    private long untilFits(long previous, long current, long nowMicros, int capacity) {
        long untilEnd = windowEnd(nowMicros) - nowMicros;
        long room = capacity - 1 - current;
        if (room >= 0) {
            // Within this window, as the previous one's weight shrinks: previous * (1 - f) <= room.
            double fraction = previous == 0 ? 0 : 1 - (double) room / previous;
            long windowStart = windowEnd(nowMicros) - windowMicros;
            return Math.max(0, windowStart + (long) Math.ceil(fraction * windowMicros) - nowMicros);
        }
        // In the next window, once this one's weight has shrunk: current * (1 - g) <= capacity - 1.
        double fraction = 1 - (double) (capacity - 1) / current;
        return untilEnd + (long) Math.ceil(fraction * windowMicros);
    }
}
