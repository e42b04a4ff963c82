package dev.berth.cli.commands;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Session;
import dev.berth.cli.output.OutputOption;
import dev.berth.cli.output.Printer;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.ApiResponse;
import dev.berth.sdk.api.AdminApi;
import dev.berth.sdk.model.Quota;
import dev.berth.sdk.model.Tenant;
import dev.berth.sdk.model.TenantList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth admin quota get|set TENANT}: platform admins only (others get exit status 3). */
@Command(name = "admin", description = "Platform administration (platform admins only).", subcommands = AdminCommand.QuotaCommand.class)
public final class AdminCommand extends GroupCommand {

    @Command(name = "quota", description = "A tenant's quota.", subcommands = {Get.class, Set.class})
    static final class QuotaCommand extends GroupCommand {
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
            Quota quota = admin.adminGetQuota(tenantId(admin, tenant));
            if (output.json()) {
                printer(session).json(quota);
            } else {
                print(printer(session), quota);
            }
            return ExitCodes.OK;
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
            Quota saved = admin.adminPutQuota(id, quota, etag);
            if (output.json()) {
                printer(session).json(saved);
            } else {
                print(printer(session), saved);
            }
            return ExitCodes.OK;
        }
    }
}
