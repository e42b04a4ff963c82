package dev.berth.api.tenants;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.api.platform.Problems;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Suspending and unsuspending tenants, and whether a tenant is suspended now.
 *
 * <p>A suspension is stored on the tenant and bumps the generation of each of its sites, so that the
 * reconciler sends every site its spec again with the {@code suspended} flag (or without it) and the
 * proxy answers the "suspended" page; {@code changed} is told at once to nudge it.
 *
 * <p>{@link #isSuspended} is asked on every write and answers from a cache kept for {@code freshness}
 * (a few seconds): a change made through this instance is seen at once on this replica, one made on
 * another replica within {@code freshness}. Thread-safe.
 */
public final class TenantSuspensions {
    /** The longest reason kept (the column's size). */
    public static final int MAX_REASON_LENGTH = 500;

    private final Jdbi jdbi;
    private final Clock clock;
    private final Runnable changed;
    private final LoadingCache<UUID, Boolean> suspended;

    /**
     * @param freshness how long a replica may answer from what it read (the bound on other replicas)
     * @param changed   told after a tenant was suspended or unsuspended (nudges the reconciler)
     */
    public TenantSuspensions(Jdbi jdbi, Clock clock, Duration freshness, Runnable changed) {
        this(jdbi, clock, freshness, Ticker.systemTicker(), changed);
    }

    /** As above, with the cache's time source (tests). */
    public TenantSuspensions(Jdbi jdbi, Clock clock, Duration freshness, Ticker ticker, Runnable changed) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.changed = changed;
        this.suspended = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumSize(100_000)
                .expireAfterWrite(freshness)
                .build(tenantId -> jdbi.withExtension(TenantDao.class, dao -> dao.findSuspension(tenantId)).isPresent());
    }

    /** Whether the tenant is suspended, as of at most {@code freshness} ago. */
    public boolean isSuspended(UUID tenantId) {
        return suspended.get(tenantId);
    }

    /** Since when and why the tenant is suspended, read now; empty when it is not. */
    public Optional<TenantDao.Suspension> suspension(UUID tenantId) {
        return jdbi.withExtension(TenantDao.class, dao -> dao.findSuspension(tenantId));
    }

    /**
     * Suspends a tenant with a reason of 1 to {@value #MAX_REASON_LENGTH} characters. Suspending a
     * suspended tenant replaces the reason and keeps the time it was first suspended.
     *
     * @throws dev.berth.api.platform.ProblemException 400 for a bad reason, 404 for an unknown tenant
     */
    public TenantDao.Suspension suspend(UUID tenantId, String reason) {
        String trimmed = reason == null ? "" : reason.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_REASON_LENGTH) {
            throw dev.berth.api.platform.ProblemException.invalidField("reason",
                    "reason must be 1 to " + MAX_REASON_LENGTH + " characters (not only spaces)");
        }
        TenantDao.Suspension result = jdbi.inTransaction(handle -> {
            TenantDao tenants = handle.attach(TenantDao.class);
            tenants.lock(tenantId).orElseThrow(() -> Problems.NOT_FOUND.with("no tenant " + tenantId));
            boolean already = tenants.findSuspension(tenantId).isPresent();
            tenants.suspend(tenantId, trimmed, clock.instant());
            if (!already) {
                tenants.bumpSiteGenerations(tenantId, clock.instant());
            }
            return tenants.findSuspension(tenantId).orElseThrow();
        });
        suspended.put(tenantId, true);
        changed.run();
        return result;
    }

    /**
     * Lifts a tenant's suspension; a tenant that is not suspended is left as it is.
     *
     * @throws dev.berth.api.platform.ProblemException 404 for an unknown tenant
     */
    public void unsuspend(UUID tenantId) {
        jdbi.useTransaction(handle -> {
            TenantDao tenants = handle.attach(TenantDao.class);
            tenants.lock(tenantId).orElseThrow(() -> Problems.NOT_FOUND.with("no tenant " + tenantId));
            if (tenants.unsuspend(tenantId) > 0) {
                tenants.bumpSiteGenerations(tenantId, clock.instant());
            }
        });
        suspended.put(tenantId, false);
        changed.run();
    }
}
