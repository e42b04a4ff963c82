package dev.berth.api.platform;

/**
 * Counts requests against a budget per key and window: the store behind a {@link Throttle}. One
 * implementation counts in this process ({@link RateLimiter}), others share the count among API
 * replicas through PostgreSQL ({@link RateLimits}). Implementations are thread-safe.
 *
 * @param <K> the key type
 */
public interface RateCounter<K> {

    /**
     * Counts one request of {@code key} if its budget of {@code capacity} per window allows it.
     *
     * @return whether it was counted (a wait of 0) and where the key stands afterwards
     */
    Verdict take(K key, int capacity);

    /** Whether the key's budget is spent now, without counting anything. */
    boolean spent(K key, int capacity);

    /** Forgets a key's history (a successful login clears its account's failures). */
    void reset(K key);

    /**
     * Where a key stands after a request: 0 seconds to wait when the request was counted, else the
     * seconds until one would be; whole requests left; seconds until the budget is whole again.
     */
    record Verdict(long waitSeconds, long remaining, long secondsUntilFull) {
        public Verdict {
            if (waitSeconds < 0 || remaining < 0 || secondsUntilFull < 0) {
                throw new IllegalArgumentException("a rate verdict holds no negative numbers");
            }
        }

        public boolean admitted() {
            return waitSeconds == 0;
        }
    }
}
