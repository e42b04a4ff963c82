package dev.berth.api.tenants;

import dev.berth.api.platform.Cursor;
import dev.berth.api.platform.Problems;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Tenants with their quotas and usage; quota changes by admins. Thread-safe. */
public final class TenantService {
    private static final UUID NIL = new UUID(0, 0);

    private final Jdbi jdbi;
    private final Clock clock;
    private final Consumer<UUID> quotaChanged;
    private final Function<List<UUID>, Optional<LiveUsage>> liveUsage;
    private final ToLongFunction<UUID> storedBytes;
    private final TenantSites sites;

    /**
     * @param quotaChanged told after a tenant's quota changed, so that caches and hosts follow
     * @param liveUsage    the host's latest figures summed over these sites, if it reported any
     * @param storedBytes  what a tenant's kept releases occupy (what its diskMib bounds)
     * @param sites        counts a tenant's sites
     */
    public TenantService(Jdbi jdbi, Clock clock, Consumer<UUID> quotaChanged, Function<List<UUID>, Optional<LiveUsage>> liveUsage,
                         ToLongFunction<UUID> storedBytes, TenantSites sites) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.quotaChanged = quotaChanged;
        this.liveUsage = liveUsage;
        this.storedBytes = storedBytes;
        this.sites = sites;
    }

    /** What a tenant's containers use right now, summed from the host's last report. */
    public record LiveUsage(long memoryBytes, long cpuUsageNanos, int pids) {
    }

    public Overview overview(UUID tenantId) {
        return jdbi.withHandle(handle -> {
            TenantDao tenants = handle.attach(TenantDao.class);
            Tenant tenant = tenants.find(tenantId).orElseThrow(() -> Problems.NOT_FOUND.with("no tenant " + tenantId));
            return overviewOf(handle, tenants, tenant);
        });
    }

    /** One page of tenants, oldest first. */
    public Page list(String cursor, int limit) {
        Cursor.TimeAndId after = Cursor.decodeTimeAndId(cursor, new Cursor.TimeAndId(Instant.EPOCH, NIL));
        Instant time = after.time();
        UUID id = after.id();
        return jdbi.withHandle(handle -> {
            TenantDao tenants = handle.attach(TenantDao.class);
            List<Tenant> fetched = tenants.list(time, id, limit + 1);
            List<Tenant> page = fetched.size() > limit ? fetched.subList(0, limit) : fetched;
            List<Overview> items = page.stream().map(t -> overviewOf(handle, tenants, t)).toList();
            String next = fetched.size() > limit
                    ? Cursor.encode(page.get(limit - 1).createdAt(), page.get(limit - 1).id()) : null;
            return new Page(items, next);
        });
    }

    public TenantDao.QuotaRow quota(UUID tenantId) {
        return jdbi.withExtension(TenantDao.class, dao -> dao.findQuota(tenantId))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no tenant " + tenantId));
    }

    /**
     * Replaces a quota. With an expected version (from If-Match), a concurrent change makes this
     * fail with 412 instead of being overwritten.
     */
    public TenantDao.QuotaRow replaceQuota(UUID tenantId, Quota quota, Long expectedVersion) {
        TenantDao.QuotaRow updated = jdbi.inTransaction(handle -> {
            TenantDao tenants = handle.attach(TenantDao.class);
            tenants.lock(tenantId).orElseThrow(() -> Problems.NOT_FOUND.with("no tenant " + tenantId));
            TenantDao.QuotaRow current = tenants.findQuota(tenantId).orElseThrow();
            long version = expectedVersion == null ? current.version() : expectedVersion;
            if (tenants.updateQuota(tenantId, quota, version, clock.instant()) == 0) {
                throw Problems.PRECONDITION_FAILED.with("the quota changed since you read it; read it again");
            }
            return tenants.findQuota(tenantId).orElseThrow();
        });
        quotaChanged.accept(tenantId);
        return updated;
    }

    private Overview overviewOf(Handle handle, TenantDao tenants, Tenant tenant) {
        Quota quota = tenants.findQuota(tenant.id()).orElseThrow().quota();
        TenantSites.Counted counted = sites.count(handle, tenant.id());
        return new Overview(tenant, quota, counted.sites(), counted.running(),
                liveUsage.apply(counted.ids()).orElse(null), storedBytes.applyAsLong(tenant.id()),
                tenants.findSuspension(tenant.id()).orElse(null));
    }

    /**
     * A tenant with its quota and how much of it is used.
     *
     * @param live             the host's latest figures for the tenant's containers, or null before any report
     * @param storedBytes the size of every release the host keeps for the tenant's sites (what diskMib bounds)
     * @param suspension  since when and why the tenant is suspended, or null
     */
    public record Overview(Tenant tenant, Quota quota, int sites, int runningSites, LiveUsage live, long storedBytes,
                           TenantDao.Suspension suspension) {
    }

    /** A page of tenants and the cursor of the next page, if any. */
    public record Page(List<Overview> items, String nextCursor) {
    }

}
