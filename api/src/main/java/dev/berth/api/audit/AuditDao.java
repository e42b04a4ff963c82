package dev.berth.api.audit;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The append-only audit log, read newest first. */
@RegisterConstructorMapper(AuditEntry.class)
public interface AuditDao {

    @SqlUpdate("""
            INSERT INTO audit_log (id, occurred_at, actor_type, actor_id, actor_label, tenant_id, action, target,
                                   client_address, outcome, status, detail)
            VALUES (:id, :occurredAt, :actorType, :actorId, :actorLabel, CAST(:tenantId AS UUID), :action, :target, :clientAddress,
                    :outcome, :status, :detail)
            """)
    void insert(@BindMethods AuditEntry entry);

    @SqlQuery("""
            SELECT id, occurred_at, actor_type, actor_id, actor_label, tenant_id, action, target, client_address, outcome, status, detail
            FROM audit_log
            WHERE tenant_id = :tenantId AND (occurred_at < :beforeTime OR (occurred_at = :beforeTime AND id < :beforeId))
            ORDER BY occurred_at DESC, id DESC LIMIT :limit
            """)
    List<AuditEntry> listForTenant(@Bind("tenantId") UUID tenantId, @Bind("beforeTime") Instant beforeTime,
                                   @Bind("beforeId") UUID beforeId, @Bind("limit") int limit);

    @SqlQuery("""
            SELECT id, occurred_at, actor_type, actor_id, actor_label, tenant_id, action, target, client_address, outcome, status, detail
            FROM audit_log
            WHERE occurred_at < :beforeTime OR (occurred_at = :beforeTime AND id < :beforeId)
            ORDER BY occurred_at DESC, id DESC LIMIT :limit
            """)
    List<AuditEntry> listAll(@Bind("beforeTime") Instant beforeTime, @Bind("beforeId") UUID beforeId, @Bind("limit") int limit);
}
