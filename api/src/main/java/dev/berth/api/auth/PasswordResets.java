package dev.berth.api.auth;

import dev.berth.api.mail.MailTemplate;
import dev.berth.api.mail.Mailer;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Throttle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password reset by e-mail. Asking for a reset answers the same, in the same time, whether or not
 * an account has the address: the request thread only checks the address's form and the rate
 * limits, then hands the look-up, the token and the mail to {@code background}. The token is a
 * random secret mailed once, stored as its SHA-256, valid for {@link #VALIDITY} and used up by the
 * first confirmation (which also uses up the account's other reset tokens). Thread-safe.
 */
public final class PasswordResets {
    /** How long a reset link works. */
    public static final Duration VALIDITY = Duration.ofMinutes(30);
    private static final Logger LOG = LoggerFactory.getLogger(PasswordResets.class);
    private static final String TOKEN_PREFIX = "berth_pr_";

    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final AuthService auth;
    private final Mailer mailer;
    private final Executor background;
    private final Limits limits;
    private final Clock clock;

    /**
     * The throttles of reset requests: per client address, and per e-mail address asked about
     * (counted alike for addresses with and without an account), and the failed-login budget of
     * each account, which a successful reset clears.
     */
    public record Limits(Throttle<String> perAddress, Throttle<String> perAccount, Throttle<String> loginFailuresPerAccount) {
    }

    /**
     * @param background runs the look-up and the mail of a reset request after the answer (one
     *                   thread is plenty: the work is a query and two inserts)
     */
    public PasswordResets(Jdbi jdbi, PasswordHasher hasher, AuthService auth, Mailer mailer, Executor background, Limits limits,
                          Clock clock) {
        this.jdbi = jdbi;
        this.hasher = hasher;
        this.auth = auth;
        this.mailer = mailer;
        this.background = background;
        this.limits = limits;
        this.clock = clock;
    }

    /**
     * Mails a reset link if an enabled account has this address; otherwise does nothing, and answers alike.
     *
     * @return the address as it is stored (for the audit log)
     * @throws dev.berth.api.platform.ProblemException 400 for a malformed address, 429 when the
     *         client address's or the e-mail address's budget is spent
     */
    public String request(String email, String clientAddress) {
        String normalised = AuthService.normaliseEmail(email);
        limits.perAddress().acquire(clientAddress == null ? "" : clientAddress);
        limits.perAccount().acquire(normalised);
        background.execute(() -> {
            try {
                issue(normalised);
            } catch (RuntimeException failure) {
                LOG.error("Could not issue a password reset", failure);
            }
        });
        return normalised;
    }

    /** Looks the account up and, if there is one, stores a token and queues its mail in one transaction. */
    void issue(String email) {
        String token = Secrets.random(TOKEN_PREFIX, 32);
        String link = mailer.portalUrl() + "/reset-password#token=" + token;
        Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            AccountTokenDao tokens = handle.attach(AccountTokenDao.class);
            tokens.deleteExpired(now.minus(Duration.ofDays(1)));
            Optional<UserDao.UserRow> user = handle.attach(UserDao.class).findByEmail(email);
            if (user.isEmpty() || user.get().disabled()) {
                // A disabled account could not log in with a new password anyway.
                return;
            }
            tokens.insert(new AccountTokenDao.AccountTokenRow(UUID.randomUUID(), user.get().id(), AccountTokenDao.PASSWORD_RESET,
                    Secrets.sha256(token), now, now.plus(VALIDITY), null));
            mailer.send(handle, MailTemplate.PASSWORD_RESET, user.get().email(),
                    Map.of("resetUrl", link, "expiresInMinutes", Long.toString(VALIDITY.toMinutes())));
        });
    }

    /**
     * Sets a new password with a reset token, ends every login session of the account and uses up
     * its reset tokens. Nothing changes when anything is refused.
     *
     * @return the account whose password was set
     * @throws dev.berth.api.platform.ProblemException 400 {@code validation} for a password breaking
     *         the rule, 400 {@code reset-token-invalid} for an unknown, used or expired token
     */
    public UserDao.UserRow confirm(String token, String newPassword) {
        AuthService.requireAcceptablePassword("newPassword", newPassword);
        String passwordHash = hasher.hash(newPassword);
        Instant now = clock.instant();
        Outcome outcome = jdbi.inTransaction(handle -> {
            AccountTokenDao tokens = handle.attach(AccountTokenDao.class);
            Optional<AccountTokenDao.AccountTokenRow> row = tokens.lock(Secrets.sha256(token), AccountTokenDao.PASSWORD_RESET);
            if (row.isEmpty() || row.get().usedAt() != null) {
                return new Outcome(null, List.of(), "the reset link is unknown or was already used; ask for a new one");
            }
            if (!row.get().expiresAt().isAfter(now)) {
                return new Outcome(null, List.of(), "the reset link expired (links work for " + VALIDITY.toMinutes()
                        + " minutes); ask for a new one");
            }
            UserDao users = handle.attach(UserDao.class);
            UUID userId = row.get().userId();
            tokens.useAll(userId, AccountTokenDao.PASSWORD_RESET, now);
            users.updatePassword(userId, passwordHash);
            // The link reached the address: it is confirmed.
            users.markEmailVerified(userId, now);
            List<UUID> ended = AccountService.revokeSessions(users, userId, null, now);
            return new Outcome(users.find(userId).orElseThrow(), ended, null);
        });
        if (outcome.user() == null) {
            throw Problems.RESET_TOKEN_INVALID.with(outcome.error());
        }
        auth.sessionsRevoked(outcome.ended());
        limits.loginFailuresPerAccount().reset(outcome.user().email());
        return outcome.user();
    }

    private record Outcome(UserDao.UserRow user, List<UUID> ended, String error) {
    }
}
