package dev.berth.api.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * Token buckets every API replica shares, one PostgreSQL row per key ({@code rate_limit_buckets}):
 * a request is counted by one atomic upsert that moves the row's "full again" instant
 * ({@link CellRate}) only when the request fits, so concurrent replicas never count past the budget.
 * For limits of a few requests per client and minute (logins, signups, password resets): each costs
 * one round trip. Every request is also counted in this process, and that count decides while the
 * database cannot be reached, so a limit never lapses. Thread-safe.
 */
final class SharedBuckets<K> implements RateCounter<K> {
    private static final String COUNT = """
            INSERT INTO rate_limit_buckets (limit_name, limit_key, full_at_micros)
            VALUES (:name, :key, :now + :interval)
            ON CONFLICT (limit_name, limit_key) DO UPDATE
               SET full_at_micros = GREATEST(rate_limit_buckets.full_at_micros, :now) + :interval
             WHERE GREATEST(rate_limit_buckets.full_at_micros, :now) + :interval - :now <= :window
            RETURNING full_at_micros""";
    private static final String FULL_AT = """
            SELECT full_at_micros FROM rate_limit_buckets WHERE limit_name = :name AND limit_key = :key""";

    private final Jdbi jdbi;
    private final String name;
    private final long windowMicros;
    private final Clock clock;
    private final RateLimiter<K> local;
    private final Consumer<RuntimeException> unreachable;

    SharedBuckets(Jdbi jdbi, String name, Duration window, Clock clock, RateLimiter<K> local, Consumer<RuntimeException> unreachable) {
        this.jdbi = jdbi;
        this.name = name;
        this.windowMicros = window.toNanos() / 1_000;
        this.clock = clock;
        this.local = local;
        this.unreachable = unreachable;
    }

    @Override
    public Verdict take(K key, int capacity) {
        Verdict counted = local.take(key, capacity);
        CellRate rate = new CellRate(windowMicros, capacity);
        long now = RateLimits.micros(clock);
        String stored = RateLimits.storedKey(key);
        try {
            return jdbi.withHandle(handle -> {
                Optional<Long> fullAt = handle.createQuery(COUNT).bind("name", name).bind("key", stored).bind("now", now)
                        .bind("interval", rate.intervalMicros()).bind("window", windowMicros).mapTo(Long.class).findOne();
                if (fullAt.isPresent()) {
                    return rate.verdict(fullAt.get(), now, true);
                }
                long current = handle.createQuery(FULL_AT).bind("name", name).bind("key", stored).mapTo(Long.class).findOne().orElse(now);
                return rate.verdict(current, now, false);
            });
        } catch (JdbiException failure) {
            unreachable.accept(failure);
            return counted;
        }
    }

    @Override
    public boolean spent(K key, int capacity) {
        long now = RateLimits.micros(clock);
        try {
            Optional<Long> fullAt = jdbi.withHandle(handle -> handle.createQuery(FULL_AT).bind("name", name)
                    .bind("key", RateLimits.storedKey(key)).mapTo(Long.class).findOne());
            return fullAt.isPresent() && !new CellRate(windowMicros, capacity).fits(fullAt.get(), now);
        } catch (JdbiException failure) {
            unreachable.accept(failure);
            return local.spent(key, capacity);
        }
    }

    @Override
    public void reset(K key) {
        local.reset(key);
        try {
            jdbi.useHandle(handle -> handle.createUpdate("DELETE FROM rate_limit_buckets WHERE limit_name = :name AND limit_key = :key")
                    .bind("name", name).bind("key", RateLimits.storedKey(key)).execute());
        } catch (JdbiException failure) {
            unreachable.accept(failure);
        }
    }
}
