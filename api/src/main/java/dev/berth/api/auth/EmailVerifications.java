package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import dev.berth.api.mail.MailTemplate;
import dev.berth.api.mail.Mailer;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Throttle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Confirmation of an account's e-mail address (the {@code auth.emailVerification} switch). With
 * the switch on, signup mails a link with a random token (stored as its SHA-256, valid for
 * {@link #VALIDITY}, used up when opened); until then the account may sign in, read and manage
 * itself, and {@link #requiresConfirmation} tells the bearer filter to refuse its other changes.
 * With the switch off nothing is mailed or refused; a reset link opened also confirms the address.
 * Thread-safe.
 */
public final class EmailVerifications {
    /** How long a confirmation link works. */
    public static final Duration VALIDITY = Duration.ofHours(24);
    private static final String TOKEN_PREFIX = "berth_ev_";

    private final boolean enabled;
    private final Jdbi jdbi;
    private final Mailer mailer;
    private final Accounts accounts;
    private final Throttle<UUID> resendsPerAccount;
    private final Clock clock;

    /** @param resendsPerAccount how often an account may ask for a new link */
    public EmailVerifications(boolean enabled, Jdbi jdbi, Mailer mailer, Accounts accounts, Throttle<UUID> resendsPerAccount, Clock clock) {
        this.enabled = enabled;
        this.jdbi = jdbi;
        this.mailer = mailer;
        this.accounts = accounts;
        this.resendsPerAccount = resendsPerAccount;
        this.clock = clock;
    }

    /** Whether new accounts must confirm their address (the switch). */
    public boolean enabled() {
        return enabled;
    }

    /** Whether this caller's changes outside its own account wait for a confirmed address. */
    public boolean requiresConfirmation(Caller caller) {
        return enabled && !accounts.emailVerified(caller.userId());
    }

    /** Whether the account's address is confirmed (read now, not cached). */
    public boolean isVerified(UUID userId) {
        return jdbi.withExtension(UserDao.class, users -> users.emailVerified(userId)).orElse(false);
    }

    /** After a signup: mails the confirmation link when the switch is on. */
    public void signedUp(UserDao.UserRow user) {
        if (enabled) {
            jdbi.useTransaction(handle -> issue(handle, user.id(), user.email()));
        }
    }

    /**
     * Mails a new link to the caller's address, using up the earlier ones.
     *
     * @throws dev.berth.api.platform.ProblemException 409 when the address is already confirmed or
     *         the switch is off, 429 when the account asked too often
     */
    public void resend(Caller caller) {
        if (!enabled) {
            throw Problems.CONFLICT.with("this platform does not ask for address confirmation");
        }
        if (isVerified(caller.userId())) {
            throw Problems.CONFLICT.with("your address is already confirmed");
        }
        resendsPerAccount.acquire(caller.userId());
        jdbi.useTransaction(handle -> {
            handle.attach(AccountTokenDao.class).useAll(caller.userId(), AccountTokenDao.EMAIL_VERIFICATION, clock.instant());
            UserDao.UserRow user = handle.attach(UserDao.class).find(caller.userId())
                    .orElseThrow(() -> Problems.INVALID_TOKEN.with("the account no longer exists"));
            issue(handle, user.id(), user.email());
        });
    }

    /**
     * Confirms the address a token was mailed to.
     *
     * @return the account confirmed
     * @throws dev.berth.api.platform.ProblemException 400 {@code verification-token-invalid} for an
     *         unknown, used or expired token
     */
    public UserDao.UserRow confirm(String token) {
        Instant now = clock.instant();
        UserDao.UserRow confirmed = jdbi.inTransaction(handle -> {
            AccountTokenDao tokens = handle.attach(AccountTokenDao.class);
            Optional<AccountTokenDao.AccountTokenRow> row = tokens.lock(Secrets.sha256(token), AccountTokenDao.EMAIL_VERIFICATION);
            if (row.isEmpty() || row.get().usedAt() != null) {
                throw Problems.VERIFICATION_TOKEN_INVALID.with("the confirmation link is unknown or was already used");
            }
            if (!row.get().expiresAt().isAfter(now)) {
                throw Problems.VERIFICATION_TOKEN_INVALID.with("the confirmation link expired (links work for " + VALIDITY.toHours()
                        + " hours); sign in and ask for a new one");
            }
            UUID userId = row.get().userId();
            tokens.useAll(userId, AccountTokenDao.EMAIL_VERIFICATION, now);
            UserDao users = handle.attach(UserDao.class);
            users.markEmailVerified(userId, now);
            return users.find(userId).orElseThrow();
        });
        accounts.forget(confirmed.id());
        return confirmed;
    }

    private void issue(Handle handle, UUID userId, String email) {
        String token = Secrets.random(TOKEN_PREFIX, 32);
        Instant now = clock.instant();
        handle.attach(AccountTokenDao.class).insert(new AccountTokenDao.AccountTokenRow(UUID.randomUUID(), userId,
                AccountTokenDao.EMAIL_VERIFICATION, Secrets.sha256(token), now, now.plus(VALIDITY), null));
        mailer.send(handle, MailTemplate.EMAIL_VERIFICATION, email, Map.of("verifyUrl", mailer.portalUrl() + "/verify-email#token=" + token));
    }
}
