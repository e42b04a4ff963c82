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
 * A rate limit counted on the hot path without a database round trip, yet over every API replica:
 * each replica counts its own requests per key and fixed window in memory, and {@link #share}
 * (every {@code platform.rateLimitShareMillis}) writes its counts of the current and the previous
 * window to {@code rate_limit_counts} and reads the sum of the other replicas'. A request is
 * admitted against the {@link SlidingWindow} estimate of (the others' last read counts + this
 * replica's own). What the others admitted since that read is unseen, so the platform admits at
 * most the budget plus what the other replicas admit within one share interval. While the database
 * cannot be reached the last read counts stay in use until their windows pass, then each replica
 * limits on its own counts alone. Thread-safe.
 */
final class SharedWindows<K> implements RateCounter<K> {
    private static final String PUBLISH = """
            INSERT INTO rate_limit_counts (limit_name, limit_key, replica, window_end_micros, request_count)
            VALUES (:name, :key, :replica, :windowEnd, :requests)
            ON CONFLICT (limit_name, limit_key, replica, window_end_micros) DO UPDATE
               SET request_count = GREATEST(rate_limit_counts.request_count, EXCLUDED.request_count)""";
    private static final String OTHERS = """
            SELECT limit_key, window_end_micros, SUM(request_count) AS requests FROM rate_limit_counts
             WHERE limit_name = :name AND replica <> :replica AND window_end_micros >= :previousEnd
             GROUP BY limit_key, window_end_micros""";

    private final String name;
    private final SlidingWindow window;
    private final Clock clock;
    private final Map<String, Counts> own = new ConcurrentHashMap<>();
    /** The other replicas' counts by window end, then by stored key, as last read. */
    private volatile Map<Long, Map<String, Long>> others = Map.of();

    SharedWindows(String name, Duration window, Clock clock) {
        this.name = name;
        this.window = new SlidingWindow(window.toNanos() / 1_000);
        this.clock = clock;
    }

    long windowMicros() {
        return window.windowMicros();
    }

    @Override
    public Verdict take(K key, int capacity) {
        long now = RateLimits.micros(clock);
        long end = window.windowEnd(now);
        String stored = RateLimits.storedKey(key);
        while (true) {
            Counts counts = own.computeIfAbsent(stored, unused -> new Counts());
            synchronized (counts) {
                if (counts.dropped) {
                    continue; // share() just forgot it as idle
                }
                counts.roll(end, window.windowMicros());
                long previous = counts.previous + othersIn(end - window.windowMicros(), stored);
                long current = counts.current + othersIn(end, stored);
                boolean fits = window.fits(previous, current, now, capacity);
                if (fits) {
                    counts.current++;
                    counts.currentUnshared = true;
                    current++;
                }
                return window.verdict(previous, current, now, capacity, fits);
            }
        }
    }

    @Override
    public boolean spent(K key, int capacity) {
        long now = RateLimits.micros(clock);
        long end = window.windowEnd(now);
        String stored = RateLimits.storedKey(key);
        long previous = othersIn(end - window.windowMicros(), stored);
        long current = othersIn(end, stored);
        Counts counts = own.get(stored);
        if (counts != null) {
            synchronized (counts) {
                counts.roll(end, window.windowMicros());
                previous += counts.previous;
                current += counts.current;
            }
        }
        return !window.fits(previous, current, now, capacity);
    }

    /** Forgets this replica's own counts of the key; what the others counted still counts. */
    @Override
    public void reset(K key) {
        Counts counts = own.get(RateLimits.storedKey(key));
        if (counts != null) {
            synchronized (counts) {
                counts.previous = 0;
                counts.current = 0;
                counts.previousUnshared = true;
                counts.currentUnshared = true;
            }
        }
    }

    private long othersIn(long windowEnd, String stored) {
        Map<String, Long> counts = others.get(windowEnd);
        return counts == null ? 0 : counts.getOrDefault(stored, 0L);
    }

    /**
     * Writes this replica's counts changed since the last share and reads the others'. Keys idle
     * for a whole window are forgotten. On failure the unwritten counts are written next time.
     */
    void share(Handle handle, String replica) {
        long now = RateLimits.micros(clock);
        long end = window.windowEnd(now);
        List<Written> written = new ArrayList<>();
        own.forEach((stored, counts) -> {
            synchronized (counts) {
                counts.roll(end, window.windowMicros());
                if (counts.currentUnshared) {
                    written.add(new Written(stored, end, counts.current));
                    counts.currentUnshared = false;
                }
                if (counts.previousUnshared) {
                    written.add(new Written(stored, end - window.windowMicros(), counts.previous));
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
        handle.createQuery(OTHERS).bind("name", name).bind("replica", replica).bind("previousEnd", end - window.windowMicros())
                .map((rows, context) -> new Written(rows.getString("limit_key"), rows.getLong("window_end_micros"), rows.getLong("requests")))
                .forEach(row -> read.computeIfAbsent(row.windowEnd(), unused -> new HashMap<>()).put(row.stored(), row.requests()));
        others = read;
    }

    private void unshared(Written row, long end) {
        Counts counts = own.get(row.stored());
        if (counts == null) {
            return;
        }
        synchronized (counts) {
            if (row.windowEnd() == end) {
                counts.currentUnshared = true;
            } else if (row.windowEnd() == end - window.windowMicros()) {
                counts.previousUnshared = true;
            }
        }
    }

    private record Written(String stored, long windowEnd, long requests) {
    }

    /** This replica's requests of one key in the current and the previous fixed window. Guarded by itself. */
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
