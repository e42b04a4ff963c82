package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Printer;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.ApiResponse;
import dev.berth.sdk.api.AdminApi;
import dev.berth.sdk.api.AdminUsersApi;
import dev.berth.sdk.model.AuditEntry;
import dev.berth.sdk.model.AuditList;
import dev.berth.sdk.model.Quota;
import dev.berth.sdk.model.SuspendTenantRequest;
import dev.berth.sdk.model.Tenant;
import dev.berth.sdk.model.TenantList;
import dev.berth.sdk.model.UpdateUserRequest;
import dev.berth.sdk.model.User;
import dev.berth.sdk.model.UserList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth admin quota get|set TENANT}, {@code admin suspend TENANT --reason TEXT},
 * {@code admin unsuspend TENANT}, {@code admin audit} and {@code admin users ls|disable|enable|rm}:
 * platform admins only (others get exit status 3).
 */
@Command(name = "admin", description = "Platform administration (platform admins only).",
        subcommands = {AdminCommand.QuotaCommand.class, AdminCommand.Suspend.class, AdminCommand.Unsuspend.class,
            AdminCommand.Audit.class, AdminCommand.UsersCommand.class, NodesCommand.class})
public final class AdminCommand extends GroupCommand {

    /** The tenant as a suspension left it: name, id, and since when and why it is suspended. */
    static void print(Printer printer, Tenant tenant) {
        printer.table(List.of("TENANT", "ID", "SUSPENDED", "REASON"), List.of(List.of(tenant.getName(), tenant.getId().toString(),
                tenant.getSuspendedAt() == null ? "no" : tenant.getSuspendedAt().toString(),
                tenant.getSuspensionReason() == null ? "" : tenant.getSuspensionReason())));
    }

    /** Prints {@code value} as JSON with {@code -o json}, else as {@code text} prints it; the exit status. */
    static <T> int show(Printer printer, OutputOption output, T value, java.util.function.BiConsumer<Printer, T> text) {
        if (output.json()) {
            printer.json(value);
        } else {
            text.accept(printer, value);
        }
        return ExitCodes.OK;
    }

    /** A change of one tenant's standing, printed as the tenant is afterwards. */
    abstract static class TenantChange extends ApiCommand {
        @Parameters(paramLabel = "TENANT", description = "the tenant's name or id")
        String tenant;
        @Mixin
        OutputOption output;

        abstract Tenant change(AdminApi admin, UUID tenantId) throws ApiException;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            AdminApi admin = new AdminApi(session.client());
            return show(printer(session), output, change(admin, tenantId(admin, tenant)), AdminCommand::print);
        }
    }

    @Command(name = "suspend", description = "Suspend a tenant: its API writes are refused and its sites answer a \"suspended\" page.")
    static final class Suspend extends TenantChange {
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (1 to 500 characters; the tenant sees it)")
        String reason;

        @Override
        Tenant change(AdminApi admin, UUID tenantId) throws ApiException {
            return admin.adminSuspendTenant(tenantId, new SuspendTenantRequest().reason(reason));
        }
    }

    @Command(name = "unsuspend", description = "Lift a tenant's suspension: writes are accepted and its sites serve again.")
    static final class Unsuspend extends TenantChange {
        @Override
        Tenant change(AdminApi admin, UUID tenantId) throws ApiException {
            return admin.adminUnsuspendTenant(tenantId);
        }
    }

    @Command(name = "audit", description = "The platform-wide audit log, newest first.")
    static final class Audit extends ApiCommand {
        @Option(names = "--tenant", paramLabel = "TENANT", description = "only entries about this tenant (name or id)")
        String tenant;
        @Option(names = "--actor", paramLabel = "ID", description = "only entries by this user id (or token id)")
        String actor;
        @Option(names = "--action", paramLabel = "OPERATION", description = "only this action, e.g. adminSuspendTenant")
        String action;
        @Option(names = "--since", paramLabel = "TIME", description = "entries at or after this RFC 3339 time")
        String since;
        @Option(names = "--until", paramLabel = "TIME", description = "entries before this RFC 3339 time")
        String until;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "at most N entries (${DEFAULT-VALUE})")
        int limit;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            requirePositiveLimit(limit);
            Session session = session();
            AdminApi admin = new AdminApi(session.client());
            String tenantId = tenant == null ? null : tenantId(admin, tenant).toString();
            List<AuditEntry> entries = new java.util.ArrayList<>();
            String cursor = null;
            do {
                AuditList page = admin.adminListAudit(tenantId, actor, action, since, until, cursor, Math.min(200, limit - entries.size()));
                entries.addAll(page.getItems());
                cursor = page.getNextCursor();
            } while (cursor != null && entries.size() < limit);
            if (output.json()) {
                printer(session).json(entries);
                return ExitCodes.OK;
            }
            printer(session).table(List.of("TIME", "ACTOR", "ACTION", "TARGET", "TENANT", "OUTCOME"), entries.stream()
                    .map(entry -> List.of(entry.getTime().toString(), entry.getActorLabel() == null ? "-" : entry.getActorLabel(),
                            entry.getAction(), entry.getTarget() == null ? "-" : entry.getTarget(),
                            entry.getTenantId() == null ? "-" : entry.getTenantId().toString(),
                            entry.getOutcome().getValue() + (entry.getStatus() == null ? "" : " " + entry.getStatus())))
                    .toList());
            return ExitCodes.OK;
        }
    }

    @Command(name = "quota", description = "A tenant's quota.", subcommands = {Get.class, Set.class})
    static final class QuotaCommand extends GroupCommand {
    }

    @Command(name = "users", description = "Every account: list, disable, enable or remove one.",
            subcommands = {UsersList.class, Disable.class, Enable.class, RemoveUser.class})
    static final class UsersCommand extends GroupCommand {
    }

    /** Accounts as a table: address, tenant, role, admin flag and state. */
    static void print(Printer printer, List<User> users) {
        printer.table(List.of("EMAIL", "TENANT", "ROLE", "ADMIN", "STATE", "ID"), users.stream()
                .map(user -> List.of(user.getEmail(), user.getTenantName(), user.getRole().getValue(),
                        Boolean.TRUE.equals(user.getPlatformAdmin()) ? "yes" : "no",
                        user.getDisabledAt() == null ? "active" : "disabled since " + user.getDisabledAt(), user.getId().toString()))
                .toList());
    }

    /** Every account, by e-mail address. */
    static List<User> users(AdminUsersApi admin) throws ApiException {
        List<User> users = new java.util.ArrayList<>();
        String cursor = null;
        do {
            UserList page = admin.adminListUsers(cursor, 200);
            users.addAll(page.getItems());
            cursor = page.getNextCursor();
        } while (cursor != null);
        return users;
    }

    /** An account's id from its id or its e-mail address. */
    static UUID userId(AdminUsersApi admin, String user) throws ApiException {
        UUID id = TokensCommand.parseId(user);
        if (id != null) {
            return id;
        }
        return users(admin).stream().filter(candidate -> candidate.getEmail().equalsIgnoreCase(user.trim())).map(User::getId)
                .findFirst().orElseThrow(() -> new CliException(ExitCodes.NOT_FOUND, "no user " + user));
    }

    @Command(name = "ls", description = "Every account, by e-mail address.")
    static final class UsersList extends ApiCommand {
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            return show(printer(session), output, users(new AdminUsersApi(session.client())), AdminCommand::print);
        }
    }

    /** A change of one account's state, printed as the account is afterwards. */
    abstract static class UserChange extends ApiCommand {
        @Parameters(paramLabel = "USER", description = "the account's e-mail address or id")
        String user;
        @Mixin
        OutputOption output;

        abstract boolean disabled();

        @Override
        public Integer call() throws Exception {
            Session session = session();
            AdminUsersApi admin = new AdminUsersApi(session.client());
            User changed = admin.adminUpdateUser(userId(admin, user), new UpdateUserRequest().disabled(disabled()));
            return show(printer(session), output, List.of(changed), AdminCommand::print);
        }
    }

    @Command(name = "disable", description = "Disable an account: its sessions end, its tokens are refused and it cannot log in.")
    static final class Disable extends UserChange {
        @Override
        boolean disabled() {
            return true;
        }
    }

    @Command(name = "enable", description = "Enable a disabled account again.")
    static final class Enable extends UserChange {
        @Override
        boolean disabled() {
            return false;
        }
    }

    @Command(name = "rm", description = "Remove an account with its sessions and tokens (a tenant's only owner: exit 5 while it has members or sites).")
    static final class RemoveUser extends ApiCommand {
        @Parameters(paramLabel = "USER", description = "the account's e-mail address or id")
        String user;
        @Option(names = {"-y", "--yes"}, description = "do not ask (needed when not at a terminal)")
        boolean yes;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            AdminUsersApi admin = new AdminUsersApi(session.client());
            if (!yes) {
                if (!io().interactive()) {
                    throw new CliException(ExitCodes.USAGE, "removing " + user + " needs --yes when not at a terminal");
                }
                String typed = io().console().readLine("Remove the account %s with its sessions and tokens? Type it to confirm: ", user);
                if (typed == null || !typed.trim().equals(user)) {
                    throw new CliException(ExitCodes.FAILED, "not removed: the account did not match");
                }
            }
            admin.adminRemoveUser(userId(admin, user));
            printer(session).line("removed " + user);
            return ExitCodes.OK;
        }
    }

    /** A tenant's id from its id or its name. */
    static UUID tenantId(AdminApi admin, String tenant) throws ApiException {
        UUID id = TokensCommand.parseId(tenant);
        if (id != null) {
            return id;
        }
        String cursor = null;
        do {
            TenantList page = admin.adminListTenants(cursor, 200);
            for (Tenant candidate : page.getItems()) {
                if (candidate.getName().equals(tenant)) {
                    return candidate.getId();
                }
            }
            cursor = page.getNextCursor();
        } while (cursor != null);
        throw new CliException(ExitCodes.NOT_FOUND, "no tenant named " + tenant);
    }

    static void print(Printer printer, Quota quota) {
        printer.table(List.of("QUOTA", "VALUE"), List.of(
                List.of("maxSites", quota.getMaxSites().toString()),
                List.of("maxRunningSites", quota.getMaxRunningSites().toString()),
                List.of("cpuMillicores", quota.getCpuMillicores().toString()),
                List.of("memoryMib", quota.getMemoryMib().toString()),
                List.of("pids", quota.getPids().toString()),
                List.of("diskMib", quota.getDiskMib().toString()),
                List.of("maxUploadMib", quota.getMaxUploadMib().toString()),
                List.of("apiRequestsPerMinute", quota.getApiRequestsPerMinute().toString())));
    }

    @Command(name = "get", description = "Print a tenant's quota.")
    static final class Get extends ApiCommand {
        @Parameters(paramLabel = "TENANT", description = "the tenant's name or id")
        String tenant;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Session session = session();
            AdminApi admin = new AdminApi(session.client());
            return show(printer(session), output, admin.adminGetQuota(tenantId(admin, tenant)), AdminCommand::print);
        }
    }

    @Command(name = "set", description = "Change some of a tenant's quota; the others stay as they are.")
    static final class Set extends ApiCommand {
        @Parameters(paramLabel = "TENANT", description = "the tenant's name or id")
        String tenant;
        @Option(names = "--max-sites", paramLabel = "N")
        Integer maxSites;
        @Option(names = "--max-running-sites", paramLabel = "N")
        Integer maxRunningSites;
        @Option(names = "--cpu-millicores", paramLabel = "N")
        Integer cpuMillicores;
        @Option(names = "--memory-mib", paramLabel = "N")
        Integer memoryMib;
        @Option(names = "--pids", paramLabel = "N")
        Integer pids;
        @Option(names = "--disk-mib", paramLabel = "N")
        Integer diskMib;
        @Option(names = "--max-upload-mib", paramLabel = "N")
        Integer maxUploadMib;
        @Option(names = "--api-requests-per-minute", paramLabel = "N")
        Integer apiRequestsPerMinute;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            if (java.util.stream.Stream.of(maxSites, maxRunningSites, cpuMillicores, memoryMib, pids, diskMib, maxUploadMib,
                    apiRequestsPerMinute).allMatch(java.util.Objects::isNull)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name at least one quota to change, e.g. --max-sites 20");
            }
            Session session = session();
            AdminApi admin = new AdminApi(session.client());
            UUID id = tenantId(admin, tenant);
            // Read with its ETag and write with If-Match: a concurrent change is refused (412, exit 5), never overwritten.
            ApiResponse<Quota> current = admin.adminGetQuotaWithHttpInfo(id);
            String etag = current.getHeaders().getOrDefault("etag", current.getHeaders().getOrDefault("ETag", List.of()))
                    .stream().findFirst().orElse(null);
            Quota quota = current.getData();
            if (maxSites != null) {
                quota.setMaxSites(maxSites);
            }
            if (maxRunningSites != null) {
                quota.setMaxRunningSites(maxRunningSites);
            }
            if (cpuMillicores != null) {
                quota.setCpuMillicores(cpuMillicores);
            }
            if (memoryMib != null) {
                quota.setMemoryMib(memoryMib);
            }
            if (pids != null) {
                quota.setPids(pids);
            }
            if (diskMib != null) {
                quota.setDiskMib(diskMib);
            }
            if (maxUploadMib != null) {
                quota.setMaxUploadMib(maxUploadMib);
            }
            if (apiRequestsPerMinute != null) {
                quota.setApiRequestsPerMinute(apiRequestsPerMinute);
            }
            return show(printer(session), output, admin.adminPutQuota(id, quota, etag), AdminCommand::print);
        }
    }
}
