package dev.berth.api.platform;

import java.util.List;
import java.util.Map;

/**
 * One rate limit with its answer: a {@link RateCounter} and the sentence a refused client reads.
 * Each call counts against the key's budget, records the bucket's standing for the
 * {@code RateLimit-*} headers of the answer ({@link RateLimitHeaders}) and, when the bucket is
 * empty, throws 429 {@code rate-limited} with {@code Retry-After}. Thread-safe.
 *
 * @param <K> what is limited (an address, a tenant, a site)
 */
public final class Throttle<K> {
    private final RateCounter<K> limiter;
    private final int capacity;
    private final String refusal;

    /**
     * @param capacity requests per window of each key (the limiter's window)
     * @param refusal  what the client is told, e.g. "too many signups from this address"
     */
    public Throttle(RateCounter<K> limiter, int capacity, String refusal) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a throttle's capacity must be at least 1");
        }
        this.limiter = limiter;
        this.capacity = capacity;
        this.refusal = refusal;
    }

    /** As {@link #acquire(Object, int)} with the throttle's own capacity. */
    public void acquire(K key) {
        acquire(key, capacity);
    }

    /**
     * Counts one request of {@code key} against {@code capacity} per window.
     *
     * @throws ProblemException 429 with Retry-After when the budget is spent
     */
    public void acquire(K key, int capacity) {
        RateCounter.Verdict verdict = limiter.take(key, capacity);
        RateLimitHeaders.record(capacity, verdict.remaining(), Math.max(verdict.waitSeconds(), verdict.secondsUntilFull()));
        if (!verdict.admitted()) {
            throw refused(verdict.waitSeconds());
        }
    }

    /**
     * Refuses without taking a token when {@code key}'s budget is already spent (a check before
     * work that only counts when it fails, like a login whose failures are what is limited).
     */
    public void requireAvailable(K key) {
        if (limiter.spent(key, capacity)) {
            acquire(key, capacity);
        }
    }

    /** Takes a token without refusing (a failure that counts after the fact). */
    public void count(K key) {
        limiter.take(key, capacity);
    }

    /** Forgets a key's history. */
    public void reset(K key) {
        limiter.reset(key);
    }

    private ProblemException refused(long waitSeconds) {
        return new ProblemException(Problems.RATE_LIMITED, refusal + "; retry in " + waitSeconds + " s", List.of(),
                Map.of("Retry-After", Long.toString(waitSeconds)));
    }
}
