package dev.berth.api.operations;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Operations, always read within a tenant. */
@RegisterConstructorMapper(Operation.class)
public interface OperationDao {

    @SqlUpdate("""
            INSERT INTO operations (id, tenant_id, site_id, kind, target, status, error, created_at, updated_at)
            VALUES (:id, :tenantId, :siteId, :kind, :target, :status, :error, :createdAt, :updatedAt)
            """)
    void insert(@BindMethods Operation operation);

    @SqlQuery("""
            SELECT id, tenant_id, site_id, kind, target, status, error, created_at, updated_at, error_type
            FROM operations WHERE id = :id AND tenant_id = :tenantId
            """)
    Optional<Operation> find(@Bind("tenantId") UUID tenantId, @Bind("id") UUID id);

    /** Any tenant's operation: for platform admins, who start, stop and delete any site. */
    @SqlQuery("""
            SELECT id, tenant_id, site_id, kind, target, status, error, created_at, updated_at, error_type
            FROM operations WHERE id = :id
            """)
    Optional<Operation> findInAnyTenant(@Bind("id") UUID id);

    @SqlQuery("""
            SELECT id, tenant_id, site_id, kind, target, status, error, created_at, updated_at, error_type
            FROM operations WHERE site_id = :siteId AND status IN ('pending', 'running') ORDER BY created_at
            """)
    List<Operation> openForSite(@Bind("siteId") UUID siteId);

    @SqlUpdate("""
            UPDATE operations SET status = :status, error = :error, error_type = :errorType, updated_at = :now
            WHERE site_id = :siteId AND status IN ('pending', 'running') AND kind = :kind
            """)
    int finishOpen(@Bind("siteId") UUID siteId, @Bind("kind") String kind, @Bind("status") String status,
                   @Bind("error") String error, @Bind("errorType") String errorType, @Bind("now") Instant now);

    /** A newer request for a site makes its older open ones moot. */
    @SqlUpdate("""
            UPDATE operations SET status = 'failed', error = :reason, updated_at = :now
            WHERE site_id = :siteId AND status IN ('pending', 'running')
            """)
    int supersedeOpen(@Bind("siteId") UUID siteId, @Bind("reason") String reason, @Bind("now") Instant now);

    @SqlUpdate("UPDATE operations SET status = 'running', updated_at = :now WHERE site_id = :siteId AND status = 'pending'")
    int markRunning(@Bind("siteId") UUID siteId, @Bind("now") Instant now);
}
