package dev.berth.api.team;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** A tenant's members: the users of one tenant, read and changed only within that tenant. */
@RegisterConstructorMapper(MemberDao.MemberRow.class)
public interface MemberDao {

    /** The tenant's members, owner first, then by when they joined. */
    @SqlQuery("""
            SELECT id, email, role, platform_admin, created_at FROM users WHERE tenant_id = :tenantId
            ORDER BY CASE WHEN role = 'owner' THEN 0 ELSE 1 END, created_at, id
            """)
    List<MemberRow> list(@Bind("tenantId") UUID tenantId);

    @SqlQuery("SELECT COUNT(*) FROM users WHERE tenant_id = :tenantId")
    int count(@Bind("tenantId") UUID tenantId);

    /** Locks members of the tenant (in id order, so that two transactions cannot deadlock); others are absent. */
    @SqlQuery("""
            SELECT id, email, role, platform_admin, created_at FROM users
            WHERE tenant_id = :tenantId AND id IN (<ids>) ORDER BY id FOR UPDATE
            """)
    List<MemberRow> lock(@Bind("tenantId") UUID tenantId, @BindList("ids") List<UUID> ids);

    default Optional<MemberRow> lockOne(UUID tenantId, UUID userId) {
        return lock(tenantId, List.of(userId)).stream().findFirst();
    }

    /** Locks the platform admins' rows, so that two concurrent removals cannot leave none. */
    @SqlQuery("SELECT id FROM users WHERE platform_admin ORDER BY id FOR UPDATE")
    List<UUID> lockPlatformAdmins();

    @SqlUpdate("UPDATE users SET role = :role WHERE tenant_id = :tenantId AND id = :id")
    int updateRole(@Bind("tenantId") UUID tenantId, @Bind("id") UUID userId, @Bind("role") String role);

    /** Deletes a member; their refresh tokens and personal access tokens go with them (foreign keys cascade). */
    @SqlUpdate("DELETE FROM users WHERE tenant_id = :tenantId AND id = :id")
    int delete(@Bind("tenantId") UUID tenantId, @Bind("id") UUID userId);

    /** A member of a tenant. */
    record MemberRow(UUID id, String email, String role, boolean platformAdmin, Instant createdAt) {
    }
}
