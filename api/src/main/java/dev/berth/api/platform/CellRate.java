package dev.berth.api.platform;

/**
 * A token bucket kept as one instant, the time it is full again (the generic cell rate algorithm):
 * each request moves that instant one interval ({@code window / capacity}) later, and a request fits
 * while the instant stays within one window of now. It admits exactly what {@link RateLimiter}'s
 * bucket admits, and one number per key is what a database row can update atomically
 * ({@link SharedBuckets}). Times are microseconds since the epoch.
 */
record CellRate(long windowMicros, int capacity) {
    CellRate {
        if (capacity < 1 || windowMicros < 1) {
            throw new IllegalArgumentException("a rate needs a capacity of at least 1 and a window of at least a microsecond");
        }
    }

    long intervalMicros() {
        return Math.max(1, windowMicros / capacity);
    }

    /** Whether a request at {@code nowMicros} fits in a bucket full again at {@code fullAtMicros}. */
    boolean fits(long fullAtMicros, long nowMicros) {
        return Math.max(fullAtMicros, nowMicros) + intervalMicros() - nowMicros <= windowMicros;
    }

    /** When the bucket is full again once a request that fits was counted. */
    long afterCounting(long fullAtMicros, long nowMicros) {
        return Math.max(fullAtMicros, nowMicros) + intervalMicros();
    }

    /** Where the bucket stands at {@code nowMicros}: the request was counted or not. */
    RateCounter.Verdict verdict(long fullAtMicros, long nowMicros, boolean counted) {
        long debtMicros = Math.max(0, fullAtMicros - nowMicros);
        long remaining = Math.max(0, (windowMicros - debtMicros) / intervalMicros());
        long wait = counted ? 0 : Math.max(1, ceilSeconds(debtMicros + intervalMicros() - windowMicros));
        return new RateCounter.Verdict(wait, remaining, ceilSeconds(debtMicros));
    }

    static long ceilSeconds(long micros) {
        return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
    }
}
