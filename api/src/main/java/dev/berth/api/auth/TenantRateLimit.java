package dev.berth.api.auth;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.berth.api.platform.RateCounter;
import dev.berth.api.platform.Throttle;
import dev.berth.api.tenants.TenantDao;
import java.time.Duration;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Each tenant's API request budget per minute, from its quota. The quota is cached briefly and
 * forgotten at once when an admin changes it. Thread-safe.
 */
public final class TenantRateLimit {
    private final Throttle<UUID> throttle;
    private final LoadingCache<UUID, Integer> perMinute;

    public TenantRateLimit(Jdbi jdbi, RateCounter<UUID> limiter) {
        this.throttle = new Throttle<>(limiter, 60, "the tenant's API request budget is spent");
        this.perMinute = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(Duration.ofSeconds(10))
                .build(tenantId -> jdbi.withExtension(TenantDao.class, dao -> dao.findQuota(tenantId))
                        .map(row -> row.apiRequestsPerMinute()).orElse(60));
    }

    /** Counts one request; 429 with Retry-After when the tenant's budget is spent. */
    public void check(UUID tenantId) {
        throttle.acquire(tenantId, perMinute.get(tenantId));
    }

    /** Forgets a cached quota after it changed. */
    public void quotaChanged(UUID tenantId) {
        perMinute.invalidate(tenantId);
    }
}
