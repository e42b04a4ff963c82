package dev.berth.api.auth;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** An account's TOTP secret (sealed) and its one-time recovery codes (SHA-256 only). */
@RegisterConstructorMapper(TotpDao.TotpRow.class)
public interface TotpDao {

    @SqlQuery("SELECT user_id, secret_sealed, created_at, confirmed_at, last_used_step FROM user_totp WHERE user_id = :userId")
    Optional<TotpRow> find(@Bind("userId") UUID userId);

    @SqlQuery("SELECT user_id, secret_sealed, created_at, confirmed_at, last_used_step FROM user_totp WHERE user_id = :userId FOR UPDATE")
    Optional<TotpRow> lock(@Bind("userId") UUID userId);

    /** Whether the account has two-factor sign-in on (a confirmed secret). */
    @SqlQuery("SELECT COUNT(*) FROM user_totp WHERE user_id = :userId AND confirmed_at IS NOT NULL")
    int countActive(@Bind("userId") UUID userId);

    /** Which of these accounts have two-factor sign-in on (the list must not be empty). */
    @SqlQuery("SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL AND user_id IN (<userIds>)")
    List<UUID> activeAmong(@BindList("userIds") Collection<UUID> userIds);

    @SqlUpdate("INSERT INTO user_totp (user_id, secret_sealed, created_at) VALUES (:userId, :secretSealed, :now)")
    void insertPending(@Bind("userId") UUID userId, @Bind("secretSealed") String secretSealed, @Bind("now") Instant now);

    @SqlUpdate("DELETE FROM user_totp WHERE user_id = :userId")
    int delete(@Bind("userId") UUID userId);

    /** Turns a pending secret on, with the step of the code that confirmed it as the last one used. */
    @SqlUpdate("UPDATE user_totp SET confirmed_at = :now, last_used_step = :step WHERE user_id = :userId AND confirmed_at IS NULL")
    int confirm(@Bind("userId") UUID userId, @Bind("step") long step, @Bind("now") Instant now);

    /**
     * Records a code's step as used if it is later than the last one: 1 when this call accepted it,
     * 0 when that step (or a later one) was already used, so two requests racing with one code
     * cannot both succeed.
     */
    @SqlUpdate("""
            UPDATE user_totp SET last_used_step = :step
            WHERE user_id = :userId AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < :step)
            """)
    int useStep(@Bind("userId") UUID userId, @Bind("step") long step);

    @SqlUpdate("INSERT INTO totp_recovery_codes (id, user_id, code_hash, created_at) VALUES (:id, :userId, :codeHash, :now)")
    void insertRecoveryCode(@Bind("id") UUID id, @Bind("userId") UUID userId, @Bind("codeHash") String codeHash, @Bind("now") Instant now);

    @SqlUpdate("DELETE FROM totp_recovery_codes WHERE user_id = :userId")
    int deleteRecoveryCodes(@Bind("userId") UUID userId);

    /** Uses up an unused recovery code: 1 when this call used it, 0 for an unknown or used one. */
    @SqlUpdate("UPDATE totp_recovery_codes SET used_at = :now WHERE user_id = :userId AND code_hash = :codeHash AND used_at IS NULL")
    int useRecoveryCode(@Bind("userId") UUID userId, @Bind("codeHash") String codeHash, @Bind("now") Instant now);

    @SqlQuery("SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = :userId AND used_at IS NULL")
    int countUnusedRecoveryCodes(@Bind("userId") UUID userId);

    /** An account's TOTP secret: pending while {@code confirmedAt} is null. */
    record TotpRow(UUID userId, String secretSealed, Instant createdAt, Instant confirmedAt, Long lastUsedStep) {
        boolean active() {
            return confirmedAt != null;
        }
    }
}
