package dev.berth.api.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Users and their refresh tokens. */
@RegisterConstructorMapper(UserDao.UserRow.class)
@RegisterConstructorMapper(UserDao.RefreshTokenRow.class)
public interface UserDao {

    @SqlUpdate("""
            INSERT INTO users (id, tenant_id, email, password_hash, role, platform_admin, created_at)
            VALUES (:id, :tenantId, :email, :passwordHash, :role, :platformAdmin, :createdAt)
            """)
    void insert(@BindMethods UserRow user);

    @SqlQuery("""
            SELECT u.id, u.tenant_id, t.name AS tenant_name, u.email, u.password_hash, u.role, u.platform_admin, u.created_at, u.disabled_at
            FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.email = :email
            """)
    Optional<UserRow> findByEmail(@Bind("email") String email);

    @SqlQuery("""
            SELECT u.id, u.tenant_id, t.name AS tenant_name, u.email, u.password_hash, u.role, u.platform_admin, u.created_at, u.disabled_at
            FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = :id
            """)
    Optional<UserRow> find(@Bind("id") UUID id);

    @SqlQuery("SELECT COUNT(*) FROM users WHERE platform_admin")
    int countAdmins();

    /** Locks the platform admins' rows, so that two concurrent demotions cannot leave none. */
    @SqlQuery("SELECT id FROM users WHERE platform_admin ORDER BY id FOR UPDATE")
    List<UUID> lockAdmins();

    @SqlQuery("""
            SELECT u.id, u.tenant_id, t.name AS tenant_name, u.email, u.password_hash, u.role, u.platform_admin, u.created_at, u.disabled_at
            FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = :id FOR UPDATE
            """)
    Optional<UserRow> lock(@Bind("id") UUID id);

    /** One page of users after an e-mail address, by address. */
    @SqlQuery("""
            SELECT u.id, u.tenant_id, t.name AS tenant_name, u.email, u.password_hash, u.role, u.platform_admin, u.created_at, u.disabled_at
            FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.email > :after ORDER BY u.email LIMIT :limit
            """)
    List<UserRow> listAfter(@Bind("after") String after, @Bind("limit") int limit);

    /** Disables an account (a time) or enables it again (null). */
    @SqlUpdate("UPDATE users SET disabled_at = :disabledAt WHERE id = :id")
    int setDisabled(@Bind("id") UUID id, @Bind("disabledAt") Instant disabledAt);

    /** The tenant's owners other than this user. */
    @SqlQuery("SELECT COUNT(*) FROM users WHERE tenant_id = :tenantId AND role = 'owner' AND id <> :userId")
    int countOtherOwners(@Bind("tenantId") UUID tenantId, @Bind("userId") UUID userId);

    /** The tenant's members other than this user. */
    @SqlQuery("SELECT COUNT(*) FROM users WHERE tenant_id = :tenantId AND id <> :userId")
    int countOtherMembers(@Bind("tenantId") UUID tenantId, @Bind("userId") UUID userId);

    /** The tenant's sites, whatever their state (a deleted site's row goes once the host has removed it). */
    @SqlQuery("SELECT COUNT(*) FROM sites WHERE tenant_id = :tenantId")
    int countSites(@Bind("tenantId") UUID tenantId);

    @SqlUpdate("UPDATE users SET role = :role, platform_admin = :platformAdmin WHERE id = :id")
    int update(@Bind("id") UUID id, @Bind("role") String role, @Bind("platformAdmin") boolean platformAdmin);

    /** Deletes a user; its refresh tokens and personal access tokens go with it (foreign keys cascade). */
    @SqlUpdate("DELETE FROM users WHERE id = :id")
    int delete(@Bind("id") UUID id);

    /** Stores a refresh token with the user agent and client address of the request that receives it (either may be null). */
    @SqlUpdate("""
            INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at, session_started_at, user_agent, client_address)
            VALUES (:id, :userId, :familyId, :tokenHash, :createdAt, :expiresAt, :sessionStartedAt, :userAgent, :clientAddress)
            """)
    void insertRefreshToken(@BindMethods RefreshTokenRow token, @Bind("userAgent") String userAgent, @Bind("clientAddress") String clientAddress);

    /** Whether the account's address was confirmed; empty for no such account. */
    @SqlQuery("SELECT CASE WHEN email_verified_at IS NULL THEN FALSE ELSE TRUE END FROM users WHERE id = :id")
    Optional<Boolean> emailVerified(@Bind("id") UUID id);

    /** Marks the account's address confirmed, unless it already was. */
    @SqlUpdate("UPDATE users SET email_verified_at = :now WHERE id = :id AND email_verified_at IS NULL")
    int markEmailVerified(@Bind("id") UUID id, @Bind("now") Instant now);

    @SqlUpdate("UPDATE users SET password_hash = :passwordHash WHERE id = :id")
    int updatePassword(@Bind("id") UUID id, @Bind("passwordHash") String passwordHash);

    /**
     * A user's live login sessions, most recently used first: the one unused, unrevoked, unexpired
     * refresh token of each family (rotation marks the previous one used as it inserts the next).
     */
    @SqlQuery("""
            SELECT family_id, session_started_at, created_at AS last_used_at, expires_at, user_agent, client_address
            FROM refresh_tokens
            WHERE user_id = :userId AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now
            ORDER BY created_at DESC, family_id LIMIT :limit
            """)
    @RegisterConstructorMapper(SessionRow.class)
    List<SessionRow> liveSessions(@Bind("userId") UUID userId, @Bind("now") Instant now, @Bind("limit") int limit);

    /** 1 when a family is a live session of this user, else 0. */
    @SqlQuery("""
            SELECT COUNT(*) FROM refresh_tokens
            WHERE user_id = :userId AND family_id = :familyId AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now
            """)
    int countLive(@Bind("userId") UUID userId, @Bind("familyId") UUID familyId, @Bind("now") Instant now);

    /** The families of a user's sessions not yet revoked, but {@code except} (the nil UUID: none). */
    @SqlQuery("SELECT DISTINCT family_id FROM refresh_tokens WHERE user_id = :userId AND revoked_at IS NULL AND family_id <> :except")
    List<UUID> unrevokedFamilies(@Bind("userId") UUID userId, @Bind("except") UUID except);

    @SqlUpdate("UPDATE refresh_tokens SET revoked_at = :now WHERE user_id = :userId AND revoked_at IS NULL AND family_id <> :except")
    int revokeAllFamilies(@Bind("userId") UUID userId, @Bind("except") UUID except, @Bind("now") Instant now);

    @SqlQuery("""
            SELECT id, user_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at, session_started_at
            FROM refresh_tokens WHERE token_hash = :tokenHash FOR UPDATE
            """)
    Optional<RefreshTokenRow> lockRefreshToken(@Bind("tokenHash") String tokenHash);

    @SqlUpdate("UPDATE refresh_tokens SET used_at = :now WHERE id = :id AND used_at IS NULL")
    int markUsed(@Bind("id") UUID id, @Bind("now") Instant now);

    @SqlUpdate("UPDATE refresh_tokens SET revoked_at = :now WHERE family_id = :familyId AND revoked_at IS NULL")
    int revokeFamily(@Bind("familyId") UUID familyId, @Bind("now") Instant now);

    @SqlQuery("SELECT COUNT(*) FROM refresh_tokens WHERE family_id = :familyId AND revoked_at IS NOT NULL")
    int countRevokedInFamily(@Bind("familyId") UUID familyId);

    /** A live login session: its family, the login that started it, its last refresh and whence it came. */
    record SessionRow(UUID familyId, Instant sessionStartedAt, Instant lastUsedAt, Instant expiresAt, String userAgent,
                      String clientAddress) {
    }

    /** A user with the name of their tenant; {@code disabledAt} is set while a platform admin has disabled the account. */
    record UserRow(UUID id, UUID tenantId, String tenantName, String email, String passwordHash, String role,
                   boolean platformAdmin, Instant createdAt, Instant disabledAt) {
        public boolean disabled() {
            return disabledAt != null;
        }
    }

    /** A stored refresh token: only its SHA-256 is kept. {@code sessionStartedAt} is the login that started its family. */
    record RefreshTokenRow(UUID id, UUID userId, UUID familyId, String tokenHash, Instant createdAt, Instant expiresAt,
                           Instant usedAt, Instant revokedAt, Instant sessionStartedAt) {
    }
}
