package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.api.platform.Cursor;
import dev.berth.api.platform.Problems;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * What an account may do now, whatever its credentials say. An access token carries the role and
 * admin flag of its login for 15 minutes; every authenticated request is judged by the account's
 * current facts instead, so a demoted or removed user loses the rights with the next request.
 *
 * <p>The facts are cached per user for {@code freshness} (a few seconds) so that requests do not
 * read the database; a change made through this class invalidates the entry at once on this
 * replica. Another replica (or a change made in the database by hand) is seen within
 * {@code freshness}. Thread-safe.
 */
public final class Accounts {
    private final Jdbi jdbi;
    private final LoadingCache<UUID, Optional<Standing>> standings;

    /**
     * An account's current tenant role, platform-admin flag, whether its address is confirmed, whether
     * it has two-factor sign-in on and whether a platform admin disabled it.
     */
    public record Standing(UUID tenantId, Caller.Role role, boolean platformAdmin, boolean emailVerified, boolean totpActive,
                           boolean disabled) {
    }

    public Accounts(Jdbi jdbi, Duration freshness) {
        this(jdbi, freshness, Ticker.systemTicker());
    }

    /** As above, with the cache's time source (tests). */
    public Accounts(Jdbi jdbi, Duration freshness, Ticker ticker) {
        this.jdbi = jdbi;
        this.standings = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumSize(100_000)
                .expireAfterWrite(freshness)
                .build(userId -> jdbi.withHandle(handle -> {
                    UserDao dao = handle.attach(UserDao.class);
                    return dao.find(userId).map(user -> new Standing(user.tenantId(), Caller.Role.fromWire(user.role()), user.platformAdmin(),
                            dao.emailVerified(userId).orElse(false), handle.attach(TotpDao.class).countActive(userId) > 0, user.disabled()));
                }));
    }

    /**
     * The caller as the account stands now: its role and admin flag replaced by the current ones.
     * Empty when the account no longer exists, is disabled (or moved tenant, which Berth never does).
     */
    public Optional<Caller> current(Caller presented) {
        return standings.get(presented.userId())
                .filter(standing -> standing.tenantId().equals(presented.tenantId()) && !standing.disabled())
                .map(standing -> standing.role() == presented.role() && standing.platformAdmin() == presented.platformAdmin()
                        ? presented
                        : new Caller(presented.userId(), presented.email(), presented.tenantId(), standing.role(),
                                standing.platformAdmin(), presented.tokenId(), presented.tokenName(), presented.scopes(),
                                presented.siteName(), presented.sessionId()));
    }

    /** Whether the account's address is confirmed now (false for no such account), within the freshness. */
    public boolean emailVerified(UUID userId) {
        return standings.get(userId).map(Standing::emailVerified).orElse(false);
    }

    /** Whether the account has two-factor sign-in on now (false for no such account), within the freshness. */
    public boolean totpActive(UUID userId) {
        return standings.get(userId).map(Standing::totpActive).orElse(false);
    }

    /** Which of these accounts have two-factor sign-in on, read now (for listings). */
    public java.util.Set<UUID> totpActiveAmong(java.util.Collection<UUID> userIds) {
        return userIds.isEmpty() ? java.util.Set.of()
                : java.util.Set.copyOf(jdbi.withExtension(TotpDao.class, dao -> dao.activeAmong(userIds)));
    }

    /** Forgets what is cached of an account, after a change made outside this class (so that it counts on this replica at once). */
    public void forget(UUID userId) {
        standings.invalidate(userId);
    }

    /** One page of every account, by e-mail address, for platform admins. */
    public Page list(String cursor, int limit) {
        String after = cursor == null ? "" : Cursor.decode(cursor, 1).get(0);
        List<UserDao.UserRow> fetched = jdbi.withExtension(UserDao.class, dao -> dao.listAfter(after, limit + 1));
        if (fetched.size() <= limit) {
            return new Page(fetched, null);
        }
        List<UserDao.UserRow> items = fetched.subList(0, limit);
        return new Page(items, Cursor.encode(items.get(limit - 1).email()));
    }

    /**
     * Changes an account's tenant role and/or platform-admin flag (null: unchanged). The platform
     * always keeps one admin: taking the flag from the last one is refused.
     */
    public UserDao.UserRow change(UUID userId, Caller.Role role, Boolean platformAdmin) {
        UserDao.UserRow changed = jdbi.inTransaction(handle -> {
            UserDao users = handle.attach(UserDao.class);
            UserDao.UserRow user = users.lock(userId).orElseThrow(() -> Problems.NOT_FOUND.with("no user " + userId));
            if (Boolean.FALSE.equals(platformAdmin) && user.platformAdmin() && users.lockAdmins().size() <= 1) {
                throw Problems.CONFLICT.with("this is the last platform admin; make another user admin first");
            }
            users.update(userId, role == null ? user.role() : role.wireName(),
                    platformAdmin == null ? user.platformAdmin() : platformAdmin);
            return users.find(userId).orElseThrow();
        });
        standings.invalidate(userId);
        return changed;
    }

    /**
     * Removes an account with its login sessions and personal access tokens; its tenant and sites
     * stay. The last platform admin cannot be removed, nor a tenant's only owner while the tenant
     * has other members or any site (409 {@code tenant-owner}: transfer the ownership or delete the
     * sites first); a tenant left with no member and no site stays, empty, under its name.
     *
     * @return the account as it was
     */
    public UserDao.UserRow remove(UUID userId) {
        UserDao.UserRow removed = jdbi.inTransaction(handle -> {
            UserDao users = handle.attach(UserDao.class);
            UserDao.UserRow user = users.lock(userId).orElseThrow(() -> Problems.NOT_FOUND.with("no user " + userId));
            if (user.platformAdmin() && users.lockAdmins().size() <= 1) {
                throw Problems.CONFLICT.with("this is the last platform admin; make another user admin first");
            }
            if (Caller.Role.fromWire(user.role()) == Caller.Role.OWNER && users.countOtherOwners(user.tenantId(), userId) == 0) {
                int members = users.countOtherMembers(user.tenantId(), userId);
                int sites = users.countSites(user.tenantId());
                if (members > 0 || sites > 0) {
                    throw Problems.TENANT_OWNER.with(user.email() + " is the only owner of the tenant " + user.tenantName() + ", which has "
                            + members + " other member(s) and " + sites + " site(s): transfer the ownership or delete the sites first"
                            + " (or disable the account instead)");
                }
            }
            users.delete(userId);
            return user;
        });
        standings.invalidate(userId);
        return removed;
    }

    /** An account after it was disabled or enabled, and the login sessions that disabling revoked. */
    public record Disabling(UserDao.UserRow user, List<UUID> revokedSessions) {
    }

    /**
     * Disables an account (it cannot log in; its sessions are revoked and every token it holds,
     * access or personal, is refused from its next request) or enables it again (its personal access
     * tokens work again; its sessions stay ended). Doing either twice changes nothing more. The
     * caller cannot disable itself, nor the last enabled platform admin (409).
     *
     * @param actor the platform admin asking
     */
    public Disabling setDisabled(UUID actor, UUID userId, boolean disabled, java.time.Instant now) {
        Disabling result = jdbi.inTransaction(handle -> {
            UserDao users = handle.attach(UserDao.class);
            UserDao.UserRow user = users.lock(userId).orElseThrow(() -> Problems.NOT_FOUND.with("no user " + userId));
            if (!disabled) {
                users.setDisabled(userId, null);
                return new Disabling(users.find(userId).orElseThrow(), List.of());
            }
            if (userId.equals(actor)) {
                throw Problems.CONFLICT.with("you cannot disable your own account");
            }
            if (user.platformAdmin() && !user.disabled()) {
                long enabledAdmins = users.lockAdmins().stream()
                        .filter(adminId -> users.find(adminId).map(admin -> !admin.disabled()).orElse(false)).count();
                if (enabledAdmins <= 1) {
                    throw Problems.CONFLICT.with("this is the last enabled platform admin; make another user admin first");
                }
            }
            if (!user.disabled()) {
                users.setDisabled(userId, now);
            }
            return new Disabling(users.find(userId).orElseThrow(), AccountService.revokeSessions(users, userId, null, now));
        });
        standings.invalidate(userId);
        return result;
    }

    /** A page of accounts and the cursor of the next page, if any. */
    public record Page(List<UserDao.UserRow> items, String nextCursor) {
    }
}
