package dev.berth.api.platform;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.observability.DaemonThreads;
import io.dropwizard.lifecycle.Managed;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the {@link RateCounter}s of the platform's limits. {@link #inProcess()} (one API process,
 * the embedded H2) counts in memory with {@link RateLimiter}. {@link #sharedThrough} (API replicas
 * on one PostgreSQL) counts platform-wide: {@link #perCall} limits in one row per key
 * ({@link SharedBuckets}, a round trip per counted request), {@link #perRequest} limits in each
 * replica's memory, drained by the others' counts every {@code shareEvery} ({@link ReplicaBuckets},
 * no round trip). Keys are
 * stored as their SHA-256, so the tables hold no e-mail or client address. While started, a shared
 * instance shares its counts on a thread of its own. Thread-safe.
 */
public final class RateLimits implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimits.class);
    /** How far the replicas' clocks may differ before a window's counts are swept too early. */
    private static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);

    private final Jdbi jdbi;
    private final Clock clock;
    private final Duration shareEvery;
    private final String replica = UUID.randomUUID().toString();
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private final List<ReplicaBuckets<?>> replicated = new CopyOnWriteArrayList<>();
    private volatile long lastWarningMillis;
    private ScheduledExecutorService sharing;

    private RateLimits(Jdbi jdbi, Clock clock, Duration shareEvery) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.shareEvery = shareEvery;
    }

    /** Limits counted in this process only: the one API process on its embedded database. */
    public static RateLimits inProcess() {
        return new RateLimits(null, Clock.systemUTC(), Duration.ZERO);
    }

    /**
     * Limits counted over every API replica on {@code jdbi}'s PostgreSQL database.
     *
     * @param clock      the wall clock the replicas' windows align on (keep the hosts' clocks in sync)
     * @param shareEvery how often {@link #perRequest} counts are written and read
     */
    public static RateLimits sharedThrough(Jdbi jdbi, Clock clock, Duration shareEvery) {
        if (shareEvery.isZero() || shareEvery.isNegative()) {
            throw new IllegalArgumentException("rate limit counts are shared at a positive interval");
        }
        return new RateLimits(jdbi, clock, shareEvery);
    }

    /** Whether the counts are shared through the database (a sweep is then due). */
    public boolean shared() {
        return jdbi != null;
    }

    /**
     * A limit counted where each request is counted, for budgets of a few requests per client
     * (logins, signups, password resets, webhook deliveries).
     *
     * @param name unique among the limits: what its counts are stored under
     */
    public <K> RateCounter<K> perCall(String name, Duration window) {
        RateLimiter<K> local = new RateLimiter<>(window, Ticker.systemTicker());
        if (!shared()) {
            return local;
        }
        register(name);
        return new SharedBuckets<>(jdbi, name, window, clock, local, this::unreachable);
    }

    /**
     * A limit counted on every request (the tenants' API budget, the public endpoints' per-address
     * budget): never a database round trip on the request's way.
     *
     * @param name unique among the limits: what its counts are stored under
     */
    public <K> RateCounter<K> perRequest(String name, Duration window) {
        if (!shared()) {
            return new RateLimiter<>(window, Ticker.systemTicker());
        }
        register(name);
        ReplicaBuckets<K> counter = new ReplicaBuckets<>(name, window, clock);
        replicated.add(counter);
        return counter;
    }

    private void register(String name) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("two rate limits are named " + name);
        }
    }

    /** Writes this replica's {@link #perRequest} counts and reads the others'; a failure is logged, not thrown. */
    public void share() {
        if (replicated.isEmpty()) {
            return;
        }
        try {
            jdbi.useHandle(handle -> replicated.forEach(counter -> counter.share(handle, replica)));
        } catch (RuntimeException failure) {
            // Not only the database's failures: one escaping would end the scheduled sharing for good.
            unreachable(failure);
        }
    }

    /** Deletes the rows no limit needs any more (full buckets, passed windows); the count deleted. */
    public int sweep() {
        if (!shared()) {
            return 0;
        }
        long now = micros(clock);
        long longestWindow = replicated.stream().mapToLong(ReplicaBuckets::windowMicros).max().orElse(0);
        return jdbi.withHandle(handle -> handle.createUpdate("DELETE FROM rate_limit_buckets WHERE full_at_micros < :now")
                .bind("now", now).execute()
                + handle.createUpdate("DELETE FROM rate_limit_counts WHERE window_end_micros < :before")
                .bind("before", now - longestWindow - CLOCK_MARGIN.toNanos() / 1_000).execute());
    }

    @Override
    public synchronized void start() {
        if (!shared() || sharing != null) {
            return;
        }
        sharing = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("rate-limit-sharing"));
        long millis = shareEvery.toMillis();
        sharing.scheduleWithFixedDelay(this::share, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (sharing != null) {
            sharing.shutdownNow();
            sharing = null;
        }
    }

    /** Logs that the database failed a limit, at most once a minute: the limits fall back to this process's counts. */
    private void unreachable(RuntimeException failure) {
        long now = System.currentTimeMillis();
        if (now - lastWarningMillis >= 60_000) {
            lastWarningMillis = now;
            LOG.warn("Rate limits are counted by this API replica alone while the database fails: {}", failure.toString());
        }
    }

    static long micros(Clock clock) {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    /** The key as stored: the unpadded base64url SHA-256 of its text. */
    static String storedKey(Object key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.valueOf(key).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JVM has SHA-256", impossible);
        }
    }
}
