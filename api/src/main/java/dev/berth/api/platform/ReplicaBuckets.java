package dev.berth.api.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * A rate limit counted on the hot path without a database round trip, yet over every API replica.
 * Each replica admits against token buckets in its own memory ({@link RateLimiter}, as a lone
 * replica does) and counts what it admitted per key and fixed window (of the limit's length,
 * aligned on the epoch). {@link #share} (every {@code platform.rateLimitShareMillis}) writes those
 * counts to {@code rate_limit_counts}, reads the other replicas', and drains from each local bucket
 * what the others admitted since the last read. So every replica's bucket is drained by every
 * request of the platform; only what the others admitted since that read is not seen yet: over a
 * budget the platform admits at most what the other replicas admit within one share interval, and
 * that excess is paid back (a bucket may fall below empty). While the database cannot be reached,
 * each replica limits on its own requests alone. Thread-safe.
 */
final class ReplicaBuckets<K> implements RateCounter<K> {
    private static final String PUBLISH = """
            INSERT INTO rate_limit_counts (limit_name, limit_key, replica, window_end_micros, request_count)
            VALUES (:name, :key, :replica, :windowEnd, :requests)
            ON CONFLICT (limit_name, limit_key, replica, window_end_micros) DO UPDATE
               SET request_count = EXCLUDED.request_count""";
    private static final String OTHERS = """
            SELECT limit_key, window_end_micros, SUM(request_count) AS requests FROM rate_limit_counts
             WHERE limit_name = :name AND replica <> :replica AND window_end_micros >= :previousEnd
             GROUP BY limit_key, window_end_micros""";

    private final String name;
    private final long windowMicros;
    private final Clock clock;
    private final RateLimiter<String> buckets;
    /** What this replica admitted, per stored key, in the current and the previous window. */
    private final Map<String, Counts> own = new ConcurrentHashMap<>();
    /** What the others admitted of keys this replica has no bucket for yet: drained at their first request. */
    private final Map<String, Owed> owed = new ConcurrentHashMap<>();
    /** The others' counts as last read, by window end and stored key. Only {@link #share} uses it. */
    private Map<Long, Map<String, Long>> seen = Map.of();

    ReplicaBuckets(String name, Duration window, Clock clock) {
        this.name = name;
        this.windowMicros = window.toNanos() / 1_000;
        this.clock = clock;
        this.buckets = new RateLimiter<>(window, () -> RateLimits.micros(clock) * 1_000);
    }

    long windowMicros() {
        return windowMicros;
    }

    @Override
    public Verdict take(K key, int capacity) {
        String stored = RateLimits.storedKey(key);
        payOwed(stored, capacity);
        Verdict verdict = buckets.take(stored, capacity);
        if (verdict.admitted()) {
            counted(stored, windowEnd(RateLimits.micros(clock)));
        }
        return verdict;
    }

    @Override
    public boolean spent(K key, int capacity) {
        String stored = RateLimits.storedKey(key);
        payOwed(stored, capacity);
        return buckets.spent(stored, capacity);
    }

    /** Forgets the key's bucket on this replica; the others' buckets keep what they were drained. */
    @Override
    public void reset(K key) {
        buckets.reset(RateLimits.storedKey(key));
    }

    private void payOwed(String stored, int capacity) {
        if (owed.isEmpty()) {
            return;
        }
        Owed debt = owed.remove(stored);
        if (debt != null) {
            buckets.drain(stored, capacity, debt.requests());
        }
    }

    private long windowEnd(long micros) {
        return (Math.floorDiv(micros, windowMicros) + 1) * windowMicros;
    }

    private void counted(String stored, long end) {
        while (true) {
            Counts counts = own.computeIfAbsent(stored, unused -> new Counts());
            synchronized (counts) {
                if (counts.dropped) {
                    continue; // share() just forgot it as idle
                }
                counts.roll(end, windowMicros);
                counts.current++;
                counts.currentUnshared = true;
                return;
            }
        }
    }

    /**
     * Writes this replica's counts changed since the last share, reads the others' and drains what
     * they admitted since the last read. On failure the unwritten counts are written next time.
     */
    synchronized void share(Handle handle, String replica) {
        long now = RateLimits.micros(clock);
        long end = windowEnd(now);
        List<Count> written = new ArrayList<>();
        own.forEach((stored, counts) -> {
            synchronized (counts) {
                counts.roll(end, windowMicros);
                if (counts.currentUnshared) {
                    written.add(new Count(stored, end, counts.current));
                    counts.currentUnshared = false;
                }
                if (counts.previousUnshared) {
                    written.add(new Count(stored, end - windowMicros, counts.previous));
                    counts.previousUnshared = false;
                }
                if (counts.previous == 0 && counts.current == 0) {
                    counts.dropped = true;
                    own.remove(stored, counts);
                }
            }
        });
        try {
            if (!written.isEmpty()) {
                var batch = handle.prepareBatch(PUBLISH);
                written.forEach(row -> batch.bind("name", name).bind("key", row.stored()).bind("replica", replica)
                        .bind("windowEnd", row.windowEnd()).bind("requests", row.requests()).add());
                batch.execute();
            }
        } catch (RuntimeException failure) {
            written.forEach(row -> unshared(row, end));
            throw failure;
        }
        Map<Long, Map<String, Long>> read = new HashMap<>();
        handle.createQuery(OTHERS).bind("name", name).bind("replica", replica).bind("previousEnd", end - windowMicros)
                .map((rows, context) -> new Count(rows.getString("limit_key"), rows.getLong("window_end_micros"), rows.getLong("requests")))
                .forEach(row -> {
                    read.computeIfAbsent(row.windowEnd(), unused -> new HashMap<>()).put(row.stored(), row.requests());
                    long before = seen.getOrDefault(row.windowEnd(), Map.of()).getOrDefault(row.stored(), 0L);
                    if (row.requests() > before) {
                        drain(row.stored(), row.requests() - before, now);
                    }
                });
        seen = read;
        owed.values().removeIf(debt -> debt.readAtMicros() < now - windowMicros);
    }

    private void drain(String stored, long requests, long now) {
        if (!buckets.drainIfKnown(stored, requests)) {
            owed.merge(stored, new Owed(requests, now), (earlier, later) -> new Owed(earlier.requests() + later.requests(), later.readAtMicros()));
        }
    }

    private void unshared(Count row, long end) {
        Counts counts = own.get(row.stored());
        if (counts == null) {
            return;
        }
        synchronized (counts) {
            if (row.windowEnd() == end) {
                counts.currentUnshared = true;
            } else if (row.windowEnd() == end - windowMicros) {
                counts.previousUnshared = true;
            }
        }
    }

    /** A replica's requests of one key in one window. */
    private record Count(String stored, long windowEnd, long requests) {
    }

    /** Requests the others admitted of a key this replica had no bucket for, as read at {@code readAtMicros}. */
    private record Owed(long requests, long readAtMicros) {
    }

    /** This replica's requests of one key in the current and the previous window. Guarded by itself. */
    private static final class Counts {
        long windowEnd;
        long previous;
        long current;
        boolean previousUnshared;
        boolean currentUnshared;
        boolean dropped;

        void roll(long end, long windowMicros) {
            if (end == windowEnd) {
                return;
            }
            boolean adjacent = end - windowMicros == windowEnd;
            previous = adjacent ? current : 0;
            previousUnshared = adjacent && currentUnshared;
            current = 0;
            currentUnshared = false;
            windowEnd = end;
        }
    }
}
