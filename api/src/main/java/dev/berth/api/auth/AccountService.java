package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Throttle;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * What a signed-in user does with their own account: change the password and see or end their
 * login sessions. Ending sessions takes effect at once on this replica (their access tokens fail
 * with the next request) and within 30 s on others. Thread-safe.
 */
public final class AccountService {
    /** The nil UUID: "no session to keep". */
    private static final UUID NONE = new UUID(0L, 0L);
    /** The most sessions a listing shows. */
    static final int MAX_LISTED_SESSIONS = 200;

    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final AuthService auth;
    private final Throttle<String> failuresPerAccount;
    private final Clock clock;

    /**
     * @param failuresPerAccount the failed-login budget of each account (e-mail address), which a
     *                           wrong current password also spends, so that a stolen access token
     *                           cannot be used to guess the password faster than a login could
     */
    public AccountService(Jdbi jdbi, PasswordHasher hasher, AuthService auth, Throttle<String> failuresPerAccount, Clock clock) {
        this.jdbi = jdbi;
        this.hasher = hasher;
        this.auth = auth;
        this.failuresPerAccount = failuresPerAccount;
        this.clock = clock;
    }

    /**
     * Replaces the caller's password after checking the current one, then ends every other login
     * session of the account. Personal access tokens stay.
     *
     * @throws dev.berth.api.platform.ProblemException 403 {@code forbidden} for a personal access
     *         token, 403 {@code wrong-password}, 400 for a new password breaking the rule, 429 when
     *         the account's failure budget is spent
     */
    public void changePassword(Caller caller, String currentPassword, String newPassword) {
        requireLoginSession(caller, "a password is changed");
        UserDao.UserRow user = auth.findUser(caller.userId())
                .orElseThrow(() -> Problems.INVALID_TOKEN.with("the account no longer exists"));
        failuresPerAccount.requireAvailable(user.email());
        if (!hasher.verify(currentPassword, user.passwordHash())) {
            failuresPerAccount.count(user.email());
            throw Problems.WRONG_PASSWORD.with("the current password is wrong; nothing was changed");
        }
        AuthService.requireAcceptablePassword("newPassword", newPassword);
        String hash = hasher.hash(newPassword);
        List<UUID> ended = jdbi.inTransaction(handle -> {
            UserDao users = handle.attach(UserDao.class);
            users.updatePassword(user.id(), hash);
            return revokeSessions(users, user.id(), caller.sessionId(), clock.instant());
        });
        auth.sessionsRevoked(ended);
    }

    /** The caller's live login sessions, most recently used first (at most {@value #MAX_LISTED_SESSIONS}). */
    public List<UserDao.SessionRow> sessions(Caller caller) {
        return jdbi.withExtension(UserDao.class, users -> users.liveSessions(caller.userId(), clock.instant(), MAX_LISTED_SESSIONS));
    }

    /**
     * Ends one of the caller's live login sessions.
     *
     * @throws dev.berth.api.platform.ProblemException 404 when it is not a live session of the
     *         caller's (another user's answers the same), 403 for a personal access token
     */
    public void endSession(Caller caller, UUID sessionId) {
        requireLoginSession(caller, "sessions are ended");
        Instant now = clock.instant();
        boolean ended = jdbi.inTransaction(handle -> {
            UserDao users = handle.attach(UserDao.class);
            if (users.countLive(caller.userId(), sessionId, now) == 0) {
                return false;
            }
            users.revokeFamily(sessionId, now);
            return true;
        });
        if (!ended) {
            throw Problems.NOT_FOUND.with("no active session " + sessionId);
        }
        auth.sessionsRevoked(List.of(sessionId));
    }

    /**
     * Revokes every session of a user but {@code keep} (null: all) in the caller's transaction and
     * returns those revoked, for {@link AuthService#sessionsRevoked} once the transaction commits.
     */
    static List<UUID> revokeSessions(UserDao users, UUID userId, UUID keep, Instant now) {
        UUID except = keep == null ? NONE : keep;
        List<UUID> families = users.unrevokedFamilies(userId, except);
        users.revokeAllFamilies(userId, except, now);
        return families;
    }

    private static void requireLoginSession(Caller caller, String what) {
        if (caller.viaToken() || caller.sessionId() == null) {
            throw Problems.FORBIDDEN.with("this needs a login session: " + what + " with a password login, not with a token");
        }
    }
}
