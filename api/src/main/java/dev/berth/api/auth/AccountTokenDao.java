package dev.berth.api.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Single-use secrets mailed to an account's address (password reset, address verification); only their SHA-256 is kept. */
@RegisterConstructorMapper(AccountTokenDao.AccountTokenRow.class)
public interface AccountTokenDao {
    /** What a token is for: the {@code purpose} column's values. */
    String PASSWORD_RESET = "password-reset";
    String EMAIL_VERIFICATION = "email-verification";

    @SqlUpdate("""
            INSERT INTO account_tokens (id, user_id, purpose, token_hash, created_at, expires_at)
            VALUES (:id, :userId, :purpose, :tokenHash, :createdAt, :expiresAt)
            """)
    void insert(@BindMethods AccountTokenRow token);

    @SqlQuery("""
            SELECT id, user_id, purpose, token_hash, created_at, expires_at, used_at
            FROM account_tokens WHERE token_hash = :tokenHash AND purpose = :purpose FOR UPDATE
            """)
    Optional<AccountTokenRow> lock(@Bind("tokenHash") String tokenHash, @Bind("purpose") String purpose);

    /** Uses up every unused token of a user for a purpose (the one presented and its siblings). */
    @SqlUpdate("UPDATE account_tokens SET used_at = :now WHERE user_id = :userId AND purpose = :purpose AND used_at IS NULL")
    int useAll(@Bind("userId") UUID userId, @Bind("purpose") String purpose, @Bind("now") Instant now);

    /** Forgets tokens that can no longer be used, expired or used before {@code before}. */
    @SqlUpdate("DELETE FROM account_tokens WHERE expires_at < :before")
    int deleteExpired(@Bind("before") Instant before);

    /** A stored token; {@code usedAt} is null until it is used. */
    record AccountTokenRow(UUID id, UUID userId, String purpose, String tokenHash, Instant createdAt, Instant expiresAt,
                           Instant usedAt) {
    }
}
