package dev.berth.api.team;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Invitations to join a tenant; only each token's SHA-256 is stored. */
@RegisterConstructorMapper(InvitationDao.InvitationRow.class)
public interface InvitationDao {

    @SqlUpdate("""
            INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, created_at, expires_at)
            VALUES (:id, :tenantId, :email, :role, :tokenHash, :invitedBy, :createdAt, :expiresAt)
            """)
    void insert(@BindMethods InvitationRow invitation);

    /** A tenant's pending invitations, newest first. */
    @SqlQuery("""
            SELECT * FROM invitations
            WHERE tenant_id = :tenantId AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > :now
            ORDER BY created_at DESC, id
            """)
    List<InvitationRow> pending(@Bind("tenantId") UUID tenantId, @Bind("now") Instant now);

    /** A tenant's open invitations (neither accepted nor revoked) that expire or expired after {@code since}, newest first. */
    @SqlQuery("""
            SELECT * FROM invitations
            WHERE tenant_id = :tenantId AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > :since
            ORDER BY created_at DESC, id
            """)
    List<InvitationRow> open(@Bind("tenantId") UUID tenantId, @Bind("since") Instant since);

    @SqlQuery("SELECT * FROM invitations WHERE tenant_id = :tenantId AND id = :id FOR UPDATE")
    Optional<InvitationRow> lock(@Bind("tenantId") UUID tenantId, @Bind("id") UUID id);

    @SqlQuery("SELECT * FROM invitations WHERE token_hash = :tokenHash FOR UPDATE")
    Optional<InvitationRow> lockByToken(@Bind("tokenHash") String tokenHash);

    /** Revokes the pending invitations of one address to one tenant (a new one replaces them). */
    @SqlUpdate("""
            UPDATE invitations SET revoked_at = :now
            WHERE tenant_id = :tenantId AND email = :email AND accepted_at IS NULL AND revoked_at IS NULL
            """)
    int revokePending(@Bind("tenantId") UUID tenantId, @Bind("email") String email, @Bind("now") Instant now);

    @SqlUpdate("UPDATE invitations SET revoked_at = :now WHERE id = :id AND accepted_at IS NULL AND revoked_at IS NULL")
    int revoke(@Bind("id") UUID id, @Bind("now") Instant now);

    @SqlUpdate("UPDATE invitations SET accepted_at = :now WHERE id = :id AND accepted_at IS NULL")
    int markAccepted(@Bind("id") UUID id, @Bind("now") Instant now);

    /** Forgets invitations that ended (used, revoked or expired) before {@code before}. */
    @SqlUpdate("DELETE FROM invitations WHERE COALESCE(accepted_at, revoked_at, expires_at) < :before")
    int deleteEndedBefore(@Bind("before") Instant before);

    @SqlQuery("SELECT name FROM tenants WHERE id = :tenantId")
    Optional<String> tenantName(@Bind("tenantId") UUID tenantId);

    @SqlQuery("SELECT COUNT(*) FROM users WHERE email = :email")
    int countAccounts(@Bind("email") String email);

    @SqlQuery("SELECT COUNT(*) FROM users WHERE tenant_id = :tenantId AND email = :email")
    int countMembers(@Bind("tenantId") UUID tenantId, @Bind("email") String email);

    /** Locks the tenant's row, so that concurrent invitations count its team one at a time. */
    @SqlQuery("SELECT id FROM tenants WHERE id = :tenantId FOR UPDATE")
    Optional<UUID> lockTenant(@Bind("tenantId") UUID tenantId);

    /** An invitation; {@code invitedBy} is the inviter's address, or null when the platform invited. */
    record InvitationRow(UUID id, UUID tenantId, String email, String role, String tokenHash, String invitedBy,
                         Instant createdAt, Instant expiresAt, Instant acceptedAt, Instant revokedAt) {
    }
}
