package dev.berth.api.admin;

import dev.berth.api.audit.AuditLog;
import dev.berth.api.auth.Accounts;
import dev.berth.api.auth.AuthService;
import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.auth.UserDao;
import dev.berth.api.generated.model.UpdateUserRequest;
import dev.berth.api.generated.model.Role;
import dev.berth.api.generated.model.User;
import dev.berth.api.generated.model.UserList;
import dev.berth.api.generated.resources.AdminUsersApi;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.UUID;

/** Platform administration of accounts: list them, change a role or the admin flag, disable, enable or remove one. */
public final class AdminUsersResource implements AdminUsersApi {
    private final Accounts accounts;
    private final AuthService auth;
    private final Clock clock;

    public AdminUsersResource(Accounts accounts, AuthService auth, Clock clock) {
        this.accounts = accounts;
        this.auth = auth;
        this.clock = clock;
    }

    @Override
    public Response adminListUsers(String cursor, Integer limit) {
        Accounts.Page page = accounts.list(cursor, limit == null ? 50 : limit);
        java.util.Set<UUID> twoFactor = accounts.totpActiveAmong(page.items().stream().map(UserDao.UserRow::id).toList());
        UserList list = new UserList(page.items().stream().map(row -> toDto(row, twoFactor.contains(row.id()))).toList());
        list.setNextCursor(page.nextCursor());
        return Response.ok(list).build();
    }

    @Override
    public Response adminUpdateUser(UUID userId, UpdateUserRequest request) {
        if (request.getRole() == null && request.getPlatformAdmin() == null && request.getDisabled() == null) {
            throw ProblemException.invalidField("body", "set role, platformAdmin, disabled or several of them");
        }
        UserDao.UserRow changed = null;
        if (request.getRole() != null || request.getPlatformAdmin() != null) {
            Caller.Role role = request.getRole() == null ? null : Caller.Role.fromWire(request.getRole().toString());
            changed = accounts.change(userId, role, request.getPlatformAdmin());
        }
        if (request.getDisabled() != null) {
            Accounts.Disabling disabling = accounts.setDisabled(Access.caller().userId(), userId, request.getDisabled(), clock.instant());
            auth.sessionsRevoked(disabling.revokedSessions());
            changed = disabling.user();
        }
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, changed.tenantId());
        return Response.ok(toDto(changed, accounts.totpActive(changed.id()))).build();
    }

    @Override
    public Response adminRemoveUser(UUID userId) {
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, accounts.remove(userId).tenantId());
        return Response.noContent().build();
    }

    private static User toDto(UserDao.UserRow row, boolean totpEnabled) {
        User user = new User(row.id(), row.email(), row.tenantId(), row.tenantName(), Role.fromValue(row.role()),
                row.platformAdmin(), Times.utc(row.createdAt()));
        user.setTotpEnabled(totpEnabled);
        user.setDisabledAt(row.disabledAt() == null ? null : Times.utc(row.disabledAt()));
        return user;
    }
}
