package dev.berth.api.platform;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets in this process's memory, keyed by any value (a tenant, an account, a client address). A bucket holds up to
 * {@code capacity} tokens and refills at {@code capacity} per {@code window}. Idle buckets are
 * forgotten. Thread-safe.
 *
 * @param <K> the key type
 */
public final class RateLimiter<K> implements RateCounter<K> {
    private final Cache<K, Bucket> buckets;
    private final Ticker ticker;
    private final long windowNanos;

    public RateLimiter(Duration window, Ticker ticker) {
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(window.multipliedBy(2).toNanos(), TimeUnit.NANOSECONDS)
                .ticker(ticker)
                .maximumSize(1_000_000)
                .build();
    }

    /**
     * Takes one token from the key's bucket.
     *
     * @return 0 if the call may proceed, else the seconds to wait before a token is available
     */
    public long tryAcquire(K key, int capacity) {
        Bucket bucket = buckets.get(key, k -> new Bucket(capacity, ticker.read()));
        return bucket.take(capacity, windowNanos, ticker.read());
    }

    @Override
    public Verdict take(K key, int capacity) {
        long wait = tryAcquire(key, capacity);
        Standing standing = standing(key, capacity);
        return new Verdict(wait, Math.max(0, standing.remaining()), standing.secondsUntilFull());
    }

    @Override
    public boolean spent(K key, int capacity) {
        return available(key, capacity) < 1;
    }

    /**
     * Where a key's bucket stands, without taking a token: whole tokens left, and the seconds until
     * the bucket is full again (0 when it is full or unknown).
     */
    public Standing standing(K key, int capacity) {
        Bucket bucket = buckets.getIfPresent(key);
        if (bucket == null) {
            return new Standing(capacity, 0);
        }
        double tokens = bucket.peek(capacity, windowNanos, ticker.read());
        long refillNanos = (long) Math.ceil((capacity - tokens) * windowNanos / capacity);
        return new Standing((long) Math.floor(tokens), (long) Math.ceil(refillNanos / 1e9));
    }

    /** A bucket's standing: whole tokens left and seconds until it is full. */
    public record Standing(long remaining, long secondsUntilFull) {
    }

    @Override
    public void reset(K key) {
        buckets.invalidate(key);
    }

    /** Tokens left in a key's bucket without taking one; the capacity for an unknown key. */
    public double available(K key, int capacity) {
        Bucket bucket = buckets.getIfPresent(key);
        return bucket == null ? capacity : bucket.peek(capacity, windowNanos, ticker.read());
    }

    /**
     * Takes {@code tokens} from a key's bucket unasked, for requests counted elsewhere (by the other
     * API replicas): the bucket may fall below empty, down to minus its capacity, and then refuses
     * until it has refilled, so that requests admitted together on several replicas are paid back.
     * An unknown key's bucket starts full.
     */
    public void drain(K key, int capacity, long tokens) {
        buckets.get(key, k -> new Bucket(capacity, ticker.read())).drain(capacity, tokens, windowNanos, ticker.read());
    }

    /** As {@link #drain}, with the capacity the key was last counted against; false, and nothing done, for an unknown key. */
    public boolean drainIfKnown(K key, long tokens) {
        Bucket bucket = buckets.getIfPresent(key);
        if (bucket == null) {
            return false;
        }
        bucket.drain(0, tokens, windowNanos, ticker.read());
        return true;
    }

    private static final class Bucket {
        private double tokens;
        private long updatedNanos;
        /** The capacity the bucket was last counted against (a tenant's budget changes with its quota). */
        private int capacity;

        Bucket(int capacity, long now) {
            this.tokens = capacity;
            this.updatedNanos = now;
            this.capacity = capacity;
        }

        /** @param capacity the key's capacity, or 0 for the one it was last counted against */
        synchronized void drain(int capacity, long taken, long windowNanos, long now) {
            if (capacity > 0) {
                this.capacity = capacity;
            }
            refill(this.capacity, windowNanos, now);
            tokens = Math.max(-this.capacity, tokens - taken);
        }

        synchronized long take(int capacity, long windowNanos, long now) {
            this.capacity = capacity;
            refill(capacity, windowNanos, now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            double nanosPerToken = (double) windowNanos / capacity;
            return Math.max(1, (long) Math.ceil((1 - tokens) * nanosPerToken / 1e9));
        }

        synchronized double peek(int capacity, long windowNanos, long now) {
            this.capacity = capacity;
            refill(capacity, windowNanos, now);
            return tokens;
        }

        private void refill(int capacity, long windowNanos, long now) {
            long elapsed = now - updatedNanos;
            if (elapsed > 0) {
                tokens = Math.min(capacity, tokens + (double) elapsed * capacity / windowNanos);
                updatedNanos = now;
            }
            if (tokens > capacity) {
                tokens = capacity;
            }
        }
    }
}
