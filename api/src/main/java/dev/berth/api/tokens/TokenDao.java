package dev.berth.api.tokens;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Personal access tokens; only the SHA-256 of a token's secret is stored. */
@RegisterConstructorMapper(TokenDao.TokenRow.class)
public interface TokenDao {

    @SqlUpdate("""
            INSERT INTO personal_access_tokens (id, user_id, tenant_id, name, prefix, token_hash, scopes, site_name, created_at, expires_at)
            VALUES (:id, :userId, :tenantId, :name, :prefix, :tokenHash, :scopes, :siteName, :createdAt, :expiresAt)
            """)
    void insert(@BindMethods TokenRow token);

    @SqlQuery("""
            SELECT p.id, p.user_id, p.tenant_id, p.name, p.prefix, p.token_hash, p.scopes, p.site_name, p.created_at,
                   p.expires_at, p.last_used_at, p.revoked_at, u.email, u.role, u.platform_admin
            FROM personal_access_tokens p JOIN users u ON u.id = p.user_id
            WHERE p.token_hash = :tokenHash
            """)
    Optional<TokenRow> findByHash(@Bind("tokenHash") String tokenHash);

    @SqlQuery("""
            SELECT p.id, p.user_id, p.tenant_id, p.name, p.prefix, p.token_hash, p.scopes, p.site_name, p.created_at,
                   p.expires_at, p.last_used_at, p.revoked_at, u.email, u.role, u.platform_admin
            FROM personal_access_tokens p JOIN users u ON u.id = p.user_id
            WHERE p.user_id = :userId AND p.revoked_at IS NULL
            ORDER BY p.created_at, p.id
            """)
    List<TokenRow> listActive(@Bind("userId") UUID userId);


    @SqlQuery("SELECT token_hash FROM personal_access_tokens WHERE id = :id AND user_id = :userId AND revoked_at IS NULL")
    Optional<String> findActiveHash(@Bind("id") UUID id, @Bind("userId") UUID userId);

    @SqlUpdate("UPDATE personal_access_tokens SET revoked_at = :now WHERE id = :id AND user_id = :userId AND revoked_at IS NULL")
    int revoke(@Bind("id") UUID id, @Bind("userId") UUID userId, @Bind("now") Instant now);

    @SqlUpdate("UPDATE personal_access_tokens SET last_used_at = :now WHERE id = :id")
    void touch(@Bind("id") UUID id, @Bind("now") Instant now);

    /** A token joined with what its owner may do. */
    record TokenRow(UUID id, UUID userId, UUID tenantId, String name, String prefix, String tokenHash, String scopes,
                    String siteName, Instant createdAt, Instant expiresAt, Instant lastUsedAt, Instant revokedAt,
                    String email, String role, boolean platformAdmin) {
    }
}
