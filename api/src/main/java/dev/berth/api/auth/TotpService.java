package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.SecretBox;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Sql;
import dev.berth.api.platform.Throttle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.bouncycastle.util.encoders.Base32;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Two-factor sign-in: enrolling an authenticator app (a secret, active once a first code confirms
 * it), one-time recovery codes, turning it off, and the check a login makes ({@link SecondFactor}).
 * Secrets are sealed under the API's TOTP key ({@link SecretBox}); recovery codes are kept as
 * SHA-256 only. Each code is accepted once (the step of the last accepted code is stored and only
 * a later step passes); wrong codes and passwords spend the account's failed-login budget.
 * Thread-safe.
 */
public final class TotpService implements SecondFactor {
    static final int RECOVERY_CODES = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Jdbi jdbi;
    private final TotpCodes codes = new TotpCodes();
    private final SecretBox box;
    private final PasswordHasher hasher;
    private final Accounts accounts;
    private final Throttle<String> failuresPerAccount;
    private final String issuer;
    private final boolean requiredForAdmins;
    private final Clock clock;

    /**
     * @param issuer             the name an authenticator app shows above the account ({@code auth.totpIssuer})
     * @param requiredForAdmins  whether platform admins must have it on ({@code auth.requireTotpForAdmins})
     * @param failuresPerAccount the failed-login budget of each account, which wrong codes also spend
     */
    public TotpService(Jdbi jdbi, SecretBox box, PasswordHasher hasher, Accounts accounts, Throttle<String> failuresPerAccount,
                       String issuer, boolean requiredForAdmins, Clock clock) {
        this.jdbi = jdbi;
        this.box = box;
        this.hasher = hasher;
        this.accounts = accounts;
        this.failuresPerAccount = failuresPerAccount;
        this.issuer = issuer;
        this.requiredForAdmins = requiredForAdmins;
        this.clock = clock;
    }

    /** The caller's two-factor state. */
    public record Status(boolean enabled, boolean enrolmentPending, Instant enabledAt, int recoveryCodesLeft, boolean required) {
    }

    /** A secret to enrol: base32 for typing, and the Key URI for a QR code. */
    public record Enrolment(String secret, String keyUri) {
    }

    /** Recovery codes just made (shown once) and the login sessions ended with the change. */
    public record Confirmed(List<String> recoveryCodes, List<UUID> endedSessions) {
    }

    /** Proof that the account holder is at the keyboard: one of the three (the others null). */
    public record Proof(String password, String totpCode, String recoveryCode) {
    }

    /** The two-factor state of an account; {@code platformAdmin}: whether it is one now (the requirement applies). */
    public Status status(UUID userId, boolean platformAdmin) {
        return jdbi.withHandle(handle -> {
            TotpDao dao = handle.attach(TotpDao.class);
            Optional<TotpDao.TotpRow> row = dao.find(userId);
            boolean enabled = row.map(TotpDao.TotpRow::active).orElse(false);
            return new Status(enabled, row.isPresent() && !enabled, row.map(TotpDao.TotpRow::confirmedAt).orElse(null),
                    enabled ? dao.countUnusedRecoveryCodes(userId) : 0, requiredForAdmins && platformAdmin);
        });
    }

    /** Whether this caller may reach only enrolment until two-factor sign-in is on. */
    public boolean enrolmentRequired(Caller caller) {
        return requiredForAdmins && caller.platformAdmin() && !accounts.totpActive(caller.userId());
    }

    /**
     * A new secret for the caller, replacing an unconfirmed one.
     *
     * @throws dev.berth.api.platform.ProblemException 403 for a personal access token, 409 when two-factor sign-in is on
     */
    public Enrolment startEnrolment(Caller caller) {
        requireLoginSession(caller);
        byte[] secret = TotpCodes.newSecret();
        String sealed = box.seal(secret, caller.userId().toString());
        try {
            jdbi.useTransaction(handle -> {
                TotpDao dao = handle.attach(TotpDao.class);
                Optional<TotpDao.TotpRow> row = dao.lock(caller.userId());
                if (row.isPresent() && row.get().active()) {
                    throw Problems.CONFLICT.with("two-factor sign-in is already on; turn it off first (DELETE /me/totp) to enrol another app");
                }
                dao.delete(caller.userId());
                dao.insertPending(caller.userId(), sealed, clock.instant());
            });
        } catch (UnableToExecuteStatementException failure) {
            if (Sql.isUniqueViolation(failure)) {
                throw Problems.CONFLICT.with("another enrolment of this account started at the same moment; start again");
            }
            throw failure;
        }
        return new Enrolment(TotpCodes.base32(secret), TotpCodes.keyUri(issuer, caller.email(), secret));
    }

    /**
     * Turns two-factor sign-in on with a current code of the pending secret, makes the recovery
     * codes and ends every other login session of the account (in the database; the caller tells
     * {@link AuthService#sessionsRevoked}).
     *
     * @throws dev.berth.api.platform.ProblemException 404 without a pending enrolment, 403 {@code wrong-code}, 429
     */
    public Confirmed confirm(Caller caller, String code) {
        requireLoginSession(caller);
        failuresPerAccount.requireAvailable(caller.email());
        Instant now = clock.instant();
        List<String> recovery = newRecoveryCodes();
        Optional<List<UUID>> ended = jdbi.inTransaction(handle -> {
            TotpDao dao = handle.attach(TotpDao.class);
            TotpDao.TotpRow row = dao.lock(caller.userId()).filter(r -> !r.active())
                    .orElseThrow(() -> Problems.NOT_FOUND.with("no enrolment in progress; start one with POST /me/totp"));
            OptionalLong step = codes.match(box.open(row.secretSealed(), caller.userId().toString()), code, now, null);
            if (step.isEmpty()) {
                return Optional.<List<UUID>>empty();
            }
            dao.confirm(caller.userId(), step.getAsLong(), now);
            storeRecoveryCodes(dao, caller.userId(), recovery, now);
            return Optional.of(AccountService.revokeSessions(handle.attach(UserDao.class), caller.userId(), caller.sessionId(), now));
        });
        if (ended.isEmpty()) {
            failuresPerAccount.count(caller.email());
            throw Problems.WRONG_CODE.with("the code does not match the new secret at this time; check the app's clock and try the current code");
        }
        accounts.forget(caller.userId());
        return new Confirmed(recovery, ended.get());
    }

    /**
     * Turns two-factor sign-in off (or cancels an enrolment): the secret and recovery codes are deleted.
     *
     * @throws dev.berth.api.platform.ProblemException 404 when there is neither, 403 {@code wrong-password} or {@code wrong-code}, 429
     */
    public void disable(Caller caller, Proof proof) {
        requireLoginSession(caller);
        TotpDao.TotpRow row = jdbi.withExtension(TotpDao.class, dao -> dao.find(caller.userId()))
                .orElseThrow(() -> Problems.NOT_FOUND.with("two-factor sign-in is off"));
        requireProof(caller, row, proof);
        jdbi.useTransaction(handle -> {
            TotpDao dao = handle.attach(TotpDao.class);
            dao.deleteRecoveryCodes(caller.userId());
            dao.delete(caller.userId());
        });
        accounts.forget(caller.userId());
    }

    /**
     * Replaces the recovery codes; the old ones stop working.
     *
     * @throws dev.berth.api.platform.ProblemException 404 when two-factor sign-in is off, 403, 429
     */
    public List<String> regenerateRecoveryCodes(Caller caller, Proof proof) {
        requireLoginSession(caller);
        TotpDao.TotpRow row = jdbi.withExtension(TotpDao.class, dao -> dao.find(caller.userId())).filter(TotpDao.TotpRow::active)
                .orElseThrow(() -> Problems.NOT_FOUND.with("two-factor sign-in is off"));
        requireProof(caller, row, proof);
        List<String> recovery = newRecoveryCodes();
        jdbi.useTransaction(handle -> storeRecoveryCodes(handle.attach(TotpDao.class), caller.userId(), recovery, clock.instant()));
        return recovery;
    }

    @Override
    public void verify(UserDao.UserRow user, String totpCode, String recoveryCode) {
        Optional<TotpDao.TotpRow> row = jdbi.withExtension(TotpDao.class, dao -> dao.find(user.id())).filter(TotpDao.TotpRow::active);
        if (row.isEmpty()) {
            return;
        }
        if (blank(totpCode) && blank(recoveryCode)) {
            throw Problems.TOTP_REQUIRED.with("send the current code of your authenticator app as totpCode, or a recovery code as recoveryCode, with the same e-mail address and password");
        }
        if (!(blank(totpCode) ? useRecoveryCode(user.id(), recoveryCode) : useCode(row.get(), totpCode))) {
            throw Problems.TOTP_INVALID.with("the code is wrong, expired or already used; wait for the next code and try again");
        }
    }

    /** Checks a proof (password, code or recovery code, used up) and spends the failure budget when it is wrong. */
    private void requireProof(Caller caller, TotpDao.TotpRow row, Proof proof) {
        failuresPerAccount.requireAvailable(caller.email());
        if (!blank(proof.password())) {
            UserDao.UserRow user = jdbi.withExtension(UserDao.class, dao -> dao.find(caller.userId()))
                    .orElseThrow(() -> Problems.INVALID_TOKEN.with("the account no longer exists"));
            if (!hasher.verify(proof.password(), user.passwordHash())) {
                failuresPerAccount.count(caller.email());
                throw Problems.WRONG_PASSWORD.with("the password is wrong; nothing was changed");
            }
            return;
        }
        if (blank(proof.totpCode()) && blank(proof.recoveryCode())) {
            throw dev.berth.api.platform.ProblemException.invalidField("password", "send the password, a current code (totpCode) or a recovery code (recoveryCode)");
        }
        boolean proven = row.active() && (blank(proof.totpCode())
                ? useRecoveryCode(caller.userId(), proof.recoveryCode()) : useCode(row, proof.totpCode()));
        if (!proven) {
            failuresPerAccount.count(caller.email());
            throw Problems.WRONG_CODE.with("the code is wrong, expired or already used; nothing was changed");
        }
    }

    private boolean useCode(TotpDao.TotpRow row, String code) {
        OptionalLong step = codes.match(box.open(row.secretSealed(), row.userId().toString()), code, clock.instant(), row.lastUsedStep());
        // The conditional update settles a race between two requests with the same code: one wins.
        return step.isPresent() && jdbi.withExtension(TotpDao.class, dao -> dao.useStep(row.userId(), step.getAsLong())) == 1;
    }

    private boolean useRecoveryCode(UUID userId, String presented) {
        Optional<String> normalised = normaliseRecoveryCode(presented);
        return normalised.isPresent() && jdbi.withExtension(TotpDao.class,
                dao -> dao.useRecoveryCode(userId, Secrets.sha256(normalised.get()), clock.instant())) == 1;
    }

    /** A recovery code as stored: lower case, without the hyphens and spaces it is shown or typed with. */
    static Optional<String> normaliseRecoveryCode(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        String compact = presented.toLowerCase(Locale.ROOT).replaceAll("[\\s-]", "");
        return compact.matches("[a-z2-7]{16}") ? Optional.of(compact) : Optional.empty();
    }

    /** Ten codes of 80 random bits each, shown as four groups of four base32 characters. */
    private static List<String> newRecoveryCodes() {
        List<String> made = new ArrayList<>(RECOVERY_CODES);
        for (int i = 0; i < RECOVERY_CODES; i++) {
            byte[] bits = new byte[10];
            RANDOM.nextBytes(bits);
            String compact = Base32.toBase32String(bits).toLowerCase(Locale.ROOT);
            made.add(compact.substring(0, 4) + "-" + compact.substring(4, 8) + "-" + compact.substring(8, 12) + "-" + compact.substring(12, 16));
        }
        return made;
    }

    private static void storeRecoveryCodes(TotpDao dao, UUID userId, List<String> recovery, Instant now) {
        dao.deleteRecoveryCodes(userId);
        for (String code : recovery) {
            dao.insertRecoveryCode(UUID.randomUUID(), userId, Secrets.sha256(normaliseRecoveryCode(code).orElseThrow()), now);
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static void requireLoginSession(Caller caller) {
        if (caller.viaToken() || caller.sessionId() == null) {
            throw Problems.FORBIDDEN.with("this needs a login session: two-factor sign-in is managed with a password login, not with a token");
        }
    }
}
