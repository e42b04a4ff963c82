package dev.berth.api.team;

import dev.berth.api.auth.Accounts;
import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Problems;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A tenant's team: its members' roles, removing and leaving, and handing ownership over. Who may
 * call each operation is the contract's rule; this class keeps the rules that depend on the member
 * touched: one owner at a time, whom no admin changes or removes and who leaves only after handing
 * ownership over. Every change locks the rows it reads, and the changed accounts count at once on
 * this replica ({@link Accounts#forget}). Thread-safe.
 */
public final class TeamService {
    private final Jdbi jdbi;
    private final Accounts accounts;

    public TeamService(Jdbi jdbi, Accounts accounts) {
        this.jdbi = jdbi;
        this.accounts = accounts;
    }

    /** The caller's team, owner first. */
    public List<MemberDao.MemberRow> members(UUID tenantId) {
        return jdbi.withExtension(MemberDao.class, dao -> dao.list(tenantId));
    }

    /** Gives a member of the caller's tenant another role (never owner: ownership moves by {@link #transferOwnership}). */
    public MemberDao.MemberRow changeRole(Caller caller, UUID userId, Caller.Role role) {
        if (role == Caller.Role.OWNER) {
            throw Problems.CONFLICT.with("ownership moves only by POST /tenant/members/{userId}/transfer-ownership");
        }
        MemberDao.MemberRow changed = jdbi.inTransaction(handle -> {
            MemberDao members = handle.attach(MemberDao.class);
            MemberDao.MemberRow member = memberToManage(caller, members, userId, "change the owner's role");
            members.updateRole(caller.tenantId(), userId, role.wireName());
            return new MemberDao.MemberRow(member.id(), member.email(), role.wireName(), member.platformAdmin(), member.createdAt());
        });
        accounts.forget(userId);
        return changed;
    }

    /** Removes a member of the caller's tenant and their account, sessions and tokens. */
    public void remove(Caller caller, UUID userId) {
        jdbi.useTransaction(handle -> {
            MemberDao members = handle.attach(MemberDao.class);
            memberToManage(caller, members, userId, "remove the owner");
            delete(handle, caller.tenantId(), userId);
        });
        accounts.forget(userId);
    }

    /** The caller leaves their tenant: their account goes. The owner hands ownership over first. */
    public void leave(Caller caller) {
        jdbi.useTransaction(handle -> {
            MemberDao.MemberRow self = handle.attach(MemberDao.class).lockOne(caller.tenantId(), caller.userId())
                    .orElseThrow(() -> Problems.NOT_FOUND.with("no such member"));
            if (Caller.Role.OWNER.wireName().equals(self.role())) {
                throw Problems.CONFLICT.with("the owner cannot leave; transfer ownership to another member first");
            }
            delete(handle, caller.tenantId(), caller.userId());
        });
        accounts.forget(caller.userId());
    }

    /** Makes another member the owner and the caller (the owner) an admin, in one transaction. */
    public List<MemberDao.MemberRow> transferOwnership(Caller caller, UUID userId) {
        if (userId.equals(caller.userId())) {
            throw Problems.CONFLICT.with("you are already the owner");
        }
        List<MemberDao.MemberRow> team = jdbi.inTransaction(handle -> {
            MemberDao members = handle.attach(MemberDao.class);
            List<MemberDao.MemberRow> locked = members.lock(caller.tenantId(), List.of(caller.userId(), userId));
            MemberDao.MemberRow self = locked.stream().filter(row -> row.id().equals(caller.userId())).findFirst()
                    .orElseThrow(() -> Problems.NOT_FOUND.with("no such member"));
            if (!Caller.Role.OWNER.wireName().equals(self.role())) {
                throw Problems.FORBIDDEN.with("only the owner can transfer ownership");
            }
            if (locked.stream().noneMatch(row -> row.id().equals(userId))) {
                throw Problems.NOT_FOUND.with("no member " + userId + " in this tenant");
            }
            members.updateRole(caller.tenantId(), caller.userId(), Caller.Role.ADMIN.wireName());
            members.updateRole(caller.tenantId(), userId, Caller.Role.OWNER.wireName());
            return members.list(caller.tenantId());
        });
        accounts.forget(caller.userId());
        accounts.forget(userId);
        return team;
    }

    /**
     * The locked member {@code userId} of the caller's tenant, if the caller may manage them: nobody
     * manages the owner this way (an admin is refused with 403, the owner with 409 about themselves).
     */
    private static MemberDao.MemberRow memberToManage(Caller caller, MemberDao members, UUID userId, String ownerAction) {
        MemberDao.MemberRow member = members.lockOne(caller.tenantId(), userId)
                .orElseThrow(() -> Problems.NOT_FOUND.with("no member " + userId + " in this tenant"));
        if (Caller.Role.OWNER.wireName().equals(member.role())) {
            if (member.id().equals(caller.userId())) {
                throw Problems.CONFLICT.with("you are the owner: transfer ownership to another member first");
            }
            throw Problems.FORBIDDEN.with("an admin cannot " + ownerAction);
        }
        return member;
    }

    private static void delete(Handle handle, UUID tenantId, UUID userId) {
        MemberDao members = handle.attach(MemberDao.class);
        List<UUID> admins = members.lockPlatformAdmins();
        if (admins.contains(userId) && admins.size() <= 1) {
            throw Problems.CONFLICT.with("this is the last platform admin; make another user admin first");
        }
        members.delete(tenantId, userId);
    }
}
