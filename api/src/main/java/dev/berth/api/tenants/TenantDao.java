package dev.berth.api.tenants;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Tenants and their quotas. */
@RegisterConstructorMapper(Tenant.class)
@RegisterConstructorMapper(TenantDao.QuotaRow.class)
@RegisterConstructorMapper(TenantDao.Suspension.class)
public interface TenantDao {

    @SqlUpdate("INSERT INTO tenants (id, name, created_at) VALUES (:id, :name, :createdAt)")
    void insertTenant(@BindMethods Tenant tenant);

    @SqlUpdate("""
            INSERT INTO quotas (tenant_id, max_sites, max_running_sites, cpu_millicores, memory_mib, pids,
                                disk_mib, max_upload_mib, api_requests_per_minute, version, updated_at)
            VALUES (:tenantId, :q.maxSites, :q.maxRunningSites, :q.cpuMillicores, :q.memoryMib, :q.pids,
                    :q.diskMib, :q.maxUploadMib, :q.apiRequestsPerMinute, 1, :now)
            """)
    void insertQuota(@Bind("tenantId") UUID tenantId, @BindMethods("q") Quota quota, @Bind("now") Instant now);

    @SqlQuery("SELECT id, name, created_at FROM tenants WHERE id = :id")
    Optional<Tenant> find(@Bind("id") UUID id);

    @SqlQuery("SELECT id, name, created_at FROM tenants WHERE name = :name")
    Optional<Tenant> findByName(@Bind("name") String name);

    /** Serialises every change that counts against this tenant's quota. */
    @SqlQuery("SELECT id FROM tenants WHERE id = :id FOR UPDATE")
    Optional<UUID> lock(@Bind("id") UUID id);

    /** One page of tenants after the cursor; the first page starts at {@link java.time.Instant#EPOCH} and the nil UUID. */
    @SqlQuery("""
            SELECT id, name, created_at FROM tenants
            WHERE created_at > :afterCreatedAt OR (created_at = :afterCreatedAt AND id > :afterId)
            ORDER BY created_at, id
            LIMIT :limit
            """)
    List<Tenant> list(@Bind("afterCreatedAt") Instant afterCreatedAt, @Bind("afterId") UUID afterId, @Bind("limit") int limit);

    @SqlQuery("""
            SELECT tenant_id, max_sites, max_running_sites, cpu_millicores, memory_mib, pids, disk_mib,
                   max_upload_mib, api_requests_per_minute, version
            FROM quotas WHERE tenant_id = :tenantId
            """)
    Optional<QuotaRow> findQuota(@Bind("tenantId") UUID tenantId);

    /** Replaces the quota if its version is still {@code expectedVersion}; returns the rows changed. */
    @SqlUpdate("""
            UPDATE quotas SET max_sites = :q.maxSites, max_running_sites = :q.maxRunningSites,
                   cpu_millicores = :q.cpuMillicores, memory_mib = :q.memoryMib, pids = :q.pids,
                   disk_mib = :q.diskMib, max_upload_mib = :q.maxUploadMib,
                   api_requests_per_minute = :q.apiRequestsPerMinute, version = version + 1, updated_at = :now
            WHERE tenant_id = :tenantId AND version = :expectedVersion
            """)
    int updateQuota(@Bind("tenantId") UUID tenantId, @BindMethods("q") Quota quota, @Bind("expectedVersion") long expectedVersion,
                    @Bind("now") Instant now);

    /** A tenant's suspension, if it is suspended. */
    @SqlQuery("SELECT suspended_at, suspension_reason FROM tenants WHERE id = :id AND suspended_at IS NOT NULL")
    Optional<Suspension> findSuspension(@Bind("id") UUID id);

    /** Suspends a tenant; a suspended one keeps its first {@code suspended_at} and gets the new reason. */
    @SqlUpdate("UPDATE tenants SET suspended_at = COALESCE(suspended_at, :now), suspension_reason = :reason WHERE id = :id")
    int suspend(@Bind("id") UUID id, @Bind("reason") String reason, @Bind("now") Instant now);

    /** Lifts a suspension; returns the rows changed (0 when the tenant was not suspended). */
    @SqlUpdate("UPDATE tenants SET suspended_at = NULL, suspension_reason = NULL WHERE id = :id AND suspended_at IS NOT NULL")
    int unsuspend(@Bind("id") UUID id);

    /** A new generation for every site of a tenant, so that the reconciler sends each its spec again. */
    @SqlUpdate("UPDATE sites SET generation = generation + 1, updated_at = :now WHERE tenant_id = :tenantId AND delete_requested_at IS NULL")
    int bumpSiteGenerations(@Bind("tenantId") UUID tenantId, @Bind("now") Instant now);

    /** Since when and why a tenant is suspended. */
    record Suspension(Instant suspendedAt, String suspensionReason) {
    }

    /** A quota row with its version, the basis of its ETag. */
    record QuotaRow(UUID tenantId, int maxSites, int maxRunningSites, int cpuMillicores, int memoryMib, int pids,
                    int diskMib, int maxUploadMib, int apiRequestsPerMinute, long version) {
        public Quota quota() {
            return new Quota(maxSites, maxRunningSites, cpuMillicores, memoryMib, pids, diskMib, maxUploadMib, apiRequestsPerMinute);
        }
    }
}
