package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Sql;
import dev.berth.api.platform.Throttle;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.Tenant;
import dev.berth.api.tenants.TenantDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Accounts and login sessions: signup, password login, refresh-token rotation with reuse detection,
 * logout. Thread-safe.
 */
public final class AuthService {
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s\\p{Cntrl}]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");
    private static final Pattern TENANT_NAME = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
    private static final String REFRESH_PREFIX = "berth_rt_";
    /** The one key of the platform-wide signup budget. */
    private static final String PLATFORM = "platform";

    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final AccessTokens accessTokens;
    private final Lifetimes lifetimes;
    private final Quota defaultQuota;
    private final boolean openSignup;
    private final Limits limits;
    private final SecondFactor secondFactor;
    private final Clock clock;
    private final LoadingCache<UUID, Boolean> revokedSessions;

    /**
     * How long a login session lasts: each refresh token {@code refreshToken} after it was issued
     * (an idle session ends then), the whole family {@code session} after the login that started it,
     * however often it was refreshed.
     */
    public record Lifetimes(Duration refreshToken, Duration session) {
        public Lifetimes {
            if (refreshToken.isNegative() || refreshToken.isZero() || session.isNegative() || session.isZero()) {
                throw new IllegalArgumentException("session lifetimes must be positive");
            }
        }
    }

    /**
     * The throttles of the public account endpoints: login attempts per client address, failed
     * logins per account, signups per client address and signups on the whole platform.
     */
    public record Limits(Throttle<String> loginsPerAddress, Throttle<String> failuresPerAccount,
                         Throttle<String> signupsPerAddress, Throttle<String> signupsOnPlatform) {
    }

    /**
     * @param secondFactor what a login needs beyond the password (two-factor sign-in); asked after the
     *                     password was found right
     */
    public AuthService(Jdbi jdbi, PasswordHasher hasher, AccessTokens accessTokens, Lifetimes lifetimes, Quota defaultQuota,
                       boolean openSignup, Limits limits, SecondFactor secondFactor, Clock clock) {
        this.jdbi = jdbi;
        this.hasher = hasher;
        this.accessTokens = accessTokens;
        this.lifetimes = lifetimes;
        this.defaultQuota = defaultQuota;
        this.openSignup = openSignup;
        this.limits = limits;
        this.secondFactor = secondFactor;
        this.clock = clock;
        // Other API replicas learn of a revocation within the expiry; this replica at once.
        this.revokedSessions = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(Duration.ofSeconds(30))
                .build(sessionId -> jdbi.withExtension(UserDao.class, dao -> dao.countRevokedInFamily(sessionId) > 0));
    }

    /**
     * Creates a tenant with the default quota and its owner. Every attempt counts against the
     * client address's and the platform's signup budgets, valid or not.
     */
    public UserDao.UserRow signup(String email, String password, String tenantName, String clientAddress) {
        if (!openSignup) {
            throw Problems.SIGNUP_CLOSED.with("ask the platform operator for an account");
        }
        limits.signupsPerAddress().acquire(clientAddress == null ? "" : clientAddress);
        limits.signupsOnPlatform().acquire(PLATFORM);
        return createAccount(email, password, tenantName, false);
    }

    /** Creates a tenant and its owner regardless of the signup setting (the first platform admin). */
    public UserDao.UserRow createAccount(String email, String password, String tenantName, boolean platformAdmin) {
        String normalisedEmail = normaliseEmail(email);
        requireTenantName(tenantName);
        requireAcceptablePassword("password", password);
        String passwordHash = hasher.hash(password);
        Instant now = clock.instant();
        Tenant tenant = new Tenant(UUID.randomUUID(), tenantName, now);
        UserDao.UserRow user = new UserDao.UserRow(UUID.randomUUID(), tenant.id(), tenantName, normalisedEmail, passwordHash,
                Caller.Role.OWNER.wireName(), platformAdmin, now, null);
        try {
            jdbi.useTransaction(handle -> {
                TenantDao tenants = handle.attach(TenantDao.class);
                UserDao users = handle.attach(UserDao.class);
                requireFreeTenantName(tenants, tenantName);
                if (users.findByEmail(normalisedEmail).isPresent()) {
                    throw new ProblemException(Problems.CONFLICT, "an account with this e-mail address exists; log in instead",
                            java.util.List.of(new ProblemException.FieldProblem("email", "is already registered")), Map.of());
                }
                tenants.insertTenant(tenant);
                tenants.insertQuota(tenant.id(), defaultQuota, now);
                users.insert(user);
                if (platformAdmin) {
                    // The first admin's address comes from the operator's configuration, not from a stranger.
                    users.markEmailVerified(user.id(), now);
                }
            });
        } catch (UnableToExecuteStatementException failure) {
            if (Sql.isUniqueViolation(failure)) {
                throw Problems.CONFLICT.with("the tenant name or e-mail address was just taken");
            }
            throw failure;
        }
        return user;
    }

    /**
     * Creates a tenant with the default quota and no member yet, in the caller's transaction: a
     * platform admin's new tenant, whose owner is then invited.
     *
     * @throws ProblemException 400 for a name that is no DNS label, 409 {@code name-taken}
     */
    public Tenant createTenant(org.jdbi.v3.core.Handle handle, String tenantName) {
        requireTenantName(tenantName);
        TenantDao tenants = handle.attach(TenantDao.class);
        requireFreeTenantName(tenants, tenantName);
        Instant now = clock.instant();
        Tenant tenant = new Tenant(UUID.randomUUID(), tenantName, now);
        tenants.insertTenant(tenant);
        tenants.insertQuota(tenant.id(), defaultQuota, now);
        return tenant;
    }

    private static void requireTenantName(String tenantName) {
        if (!TENANT_NAME.matcher(tenantName).matches()) {
            throw ProblemException.invalidField("tenantName", "must be a DNS label: a-z, 0-9 and hyphens, 1 to 63 characters, no leading or trailing hyphen");
        }
    }

    private static void requireFreeTenantName(TenantDao tenants, String tenantName) {
        if (tenants.findByName(tenantName).isPresent()) {
            throw new ProblemException(Problems.NAME_TAKEN, "the tenant name '" + tenantName + "' is taken",
                    java.util.List.of(new ProblemException.FieldProblem("tenantName", "is taken")), Map.of());
        }
    }

    /**
     * The stored form of a new account's password (an accepted invitation's), after checking it
     * against the rule of every account; 400 naming {@code field} when it breaks it.
     */
    public String hashNewPassword(String field, String password) {
        requireAcceptablePassword(field, password);
        return hasher.hash(password);
    }

    /** The password rule of every account (signup, change, reset): 12 to 256 characters. */
    static void requireAcceptablePassword(String field, String password) {
        if (password.length() < 12 || password.length() > 256) {
            throw ProblemException.invalidField(field, "must be 12 to 256 characters long");
        }
    }

    /** A login with the password alone: {@link #login(String, String, String, String, Client)} without a code. */
    public Session login(String email, String password, Client client) {
        return login(email, password, null, null, client);
    }

    /**
     * A new login session, or 401 with the same answer for an unknown account and a wrong password.
     * An account with two-factor sign-in also needs a current code or an unused recovery code (the
     * {@link SecondFactor}): without one 401 {@code totp-required}, with a wrong one 401
     * {@code totp-invalid}, counted as a failed login. Nothing of the second factor is looked at or
     * used up unless the password is right. A disabled account with the right password gets 403
     * {@code account-disabled}.
     */
    public Session login(String email, String password, String totpCode, String recoveryCode, Client client) {
        String account = email.trim().toLowerCase(Locale.ROOT);
        limits.loginsPerAddress().acquire(client.address() == null ? "" : client.address());
        limits.failuresPerAccount().requireAvailable(account);
        Optional<UserDao.UserRow> found = jdbi.withExtension(UserDao.class, dao -> dao.findByEmail(account));
        boolean valid;
        if (found.isPresent()) {
            valid = hasher.verify(password, found.get().passwordHash());
        } else {
            hasher.burnVerification(password);
            valid = false;
        }
        if (!valid) {
            limits.failuresPerAccount().count(account);
            throw Problems.INVALID_CREDENTIALS.with("check the e-mail address and password");
        }
        if (found.get().disabled()) {
            // Said only to whoever knows the password, so it tells a stranger nothing about the address.
            throw Problems.ACCOUNT_DISABLED.with("this account is disabled; ask the platform's operator");
        }
        try {
            secondFactor.verify(found.get(), totpCode, recoveryCode);
        } catch (ProblemException refused) {
            if (refused.problem() == Problems.TOTP_INVALID) {
                limits.failuresPerAccount().count(account);
            }
            throw refused;
        }
        limits.failuresPerAccount().reset(account);
        return startSession(found.get(), UUID.randomUUID(), client);
    }

    /** Rotates a refresh token. Replaying a used one revokes the whole session. */
    public Session refresh(String refreshToken, Client client) {
        String hash = Secrets.sha256(refreshToken);
        Instant now = clock.instant();
        RefreshOutcome outcome = jdbi.inTransaction(handle -> {
            UserDao users = handle.attach(UserDao.class);
            Optional<UserDao.RefreshTokenRow> row = users.lockRefreshToken(hash);
            if (row.isEmpty()) {
                return new RefreshOutcome(null, null, "the refresh token is unknown");
            }
            UserDao.RefreshTokenRow token = row.get();
            if (token.revokedAt() != null) {
                return new RefreshOutcome(null, token.familyId(), "the session was revoked; log in again");
            }
            if (token.usedAt() != null) {
                users.revokeFamily(token.familyId(), now);
                return new RefreshOutcome(null, token.familyId(), "the refresh token was already used; the session is revoked, log in again");
            }
            if (!token.expiresAt().isAfter(now)) {
                return new RefreshOutcome(null, token.familyId(), "the refresh token expired; log in again");
            }
            if (!token.sessionStartedAt().plus(lifetimes.session()).isAfter(now)) {
                users.revokeFamily(token.familyId(), now);
                return new RefreshOutcome(null, token.familyId(), "the session reached its maximum lifetime and was revoked; log in again");
            }
            users.markUsed(token.id(), now);
            Optional<UserDao.UserRow> user = users.find(token.userId());
            if (user.isEmpty()) {
                return new RefreshOutcome(null, token.familyId(), "the account no longer exists");
            }
            if (user.get().disabled()) {
                users.revokeFamily(token.familyId(), now);
                return new RefreshOutcome(null, token.familyId(), "the account is disabled; the session is revoked");
            }
            return new RefreshOutcome(issue(users, user.get(), token.familyId(), token.sessionStartedAt(), now, client), token.familyId(), null);
        });
        if (outcome.session() == null) {
            if (outcome.familyId() != null && outcome.error().contains("revoked")) {
                revokedSessions.put(outcome.familyId(), true);
            }
            throw Problems.INVALID_TOKEN.with(outcome.error());
        }
        return outcome.session();
    }

    /** Ends the session a refresh token belongs to, if it is the caller's. */
    public void logout(Caller caller, String refreshToken) {
        String hash = Secrets.sha256(refreshToken);
        UUID family = jdbi.inTransaction(handle -> {
            UserDao users = handle.attach(UserDao.class);
            Optional<UserDao.RefreshTokenRow> row = users.lockRefreshToken(hash);
            if (row.isEmpty() || !row.get().userId().equals(caller.userId())) {
                return null;
            }
            users.revokeFamily(row.get().familyId(), clock.instant());
            return row.get().familyId();
        });
        if (family == null) {
            throw Problems.INVALID_TOKEN.with("the refresh token is unknown");
        }
        revokedSessions.put(family, true);
    }

    /** Tells this replica at once that login sessions were revoked in the database (other replicas learn within 30 s). */
    public void sessionsRevoked(java.util.Collection<UUID> sessionIds) {
        sessionIds.forEach(sessionId -> revokedSessions.put(sessionId, true));
    }

    /** Whether a login session was revoked (logout or refresh-token reuse); its access tokens then fail. */
    public boolean isSessionRevoked(UUID sessionId) {
        return Boolean.TRUE.equals(revokedSessions.get(sessionId));
    }

    public Optional<UserDao.UserRow> findUser(UUID userId) {
        return jdbi.withExtension(UserDao.class, dao -> dao.find(userId));
    }

    /** Makes sure a platform admin exists; creates one with the given credentials if none does. */
    public boolean ensureAdmin(String email, String password) {
        int admins = jdbi.withExtension(UserDao.class, UserDao::countAdmins);
        if (admins > 0) {
            return false;
        }
        createAccount(email, password, "platform", true);
        return true;
    }

    private Session startSession(UserDao.UserRow user, UUID familyId, Client client) {
        Instant now = clock.instant();
        return jdbi.inTransaction(handle -> issue(handle.attach(UserDao.class), user, familyId, now, now, client));
    }

    private Session issue(UserDao users, UserDao.UserRow user, UUID familyId, Instant sessionStartedAt, Instant now, Client client) {
        String refreshToken = Secrets.random(REFRESH_PREFIX, 32);
        // No token of a family outlives the family: its last one expires when the session must end.
        Instant sessionEnds = sessionStartedAt.plus(lifetimes.session());
        Instant expires = now.plus(lifetimes.refreshToken());
        users.insertRefreshToken(new UserDao.RefreshTokenRow(UUID.randomUUID(), user.id(), familyId, Secrets.sha256(refreshToken),
                now, expires.isBefore(sessionEnds) ? expires : sessionEnds, null, null, sessionStartedAt), client.userAgent(), client.address());
        String accessToken = accessTokens.issue(user.id(), user.email(), user.tenantId(), Caller.Role.fromWire(user.role()),
                user.platformAdmin(), familyId);
        return new Session(accessToken, refreshToken, accessTokens.lifetime().toSeconds());
    }

    /** The stored form of an e-mail address (trimmed, lower case), or 400 naming the field {@code email}. */
    public static String normaliseEmail(String email) {
        String trimmed = email.trim();
        if (trimmed.length() > 254 || !EMAIL.matcher(trimmed).matches()) {
            throw ProblemException.invalidField("email", "must be an e-mail address such as ada@example.com");
        }
        return trimmed.toLowerCase(Locale.ROOT);
    }

    /**
     * Who is logging in or refreshing, as recorded with the session: the client address and the
     * User-Agent header (either may be null). Control characters become {@code ?} and the values
     * are cut to what the database keeps (64 and 512 characters).
     */
    public record Client(String address, String userAgent) {
        public Client {
            address = clean(address, 64);
            userAgent = clean(userAgent, 512);
        }

        private static String clean(String value, int length) {
            if (value == null || value.isBlank()) {
                return null;
            }
            String printable = value.strip().replaceAll("[\\p{Cntrl}\\u2028\\u2029]", "?");
            return printable.length() <= length ? printable : printable.substring(0, length);
        }
    }

    /** The secrets of a login session, handed to the client once. */
    public record Session(String accessToken, String refreshToken, long expiresInSeconds) {
    }

    private record RefreshOutcome(Session session, UUID familyId, String error) {
    }
}
