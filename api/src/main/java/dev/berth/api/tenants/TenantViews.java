package dev.berth.api.tenants;

import dev.berth.api.generated.model.Usage;
import dev.berth.api.platform.Times;

/** Converts tenants and quotas to and from their API representations. */
public final class TenantViews {
    private TenantViews() {
    }

    public static dev.berth.api.generated.model.Tenant toDto(TenantService.Overview overview) {
        Usage usage = new Usage(overview.sites(), overview.runningSites()).diskBytes(overview.storedBytes());
        if (overview.live() != null) {
            usage.memoryBytes(overview.live().memoryBytes()).cpuUsageNanos(overview.live().cpuUsageNanos()).pids(overview.live().pids());
        }
        dev.berth.api.generated.model.Tenant tenant = new dev.berth.api.generated.model.Tenant(overview.tenant().id(),
                overview.tenant().name(), Times.utc(overview.tenant().createdAt()), toDto(overview.quota()), usage);
        if (overview.suspension() != null) {
            tenant.suspendedAt(Times.utc(overview.suspension().suspendedAt())).suspensionReason(overview.suspension().suspensionReason());
        }
        return tenant;
    }

    public static dev.berth.api.generated.model.Quota toDto(Quota quota) {
        return new dev.berth.api.generated.model.Quota(quota.maxSites(), quota.maxRunningSites(), quota.cpuMillicores(),
                quota.memoryMib(), quota.pids(), quota.diskMib(), quota.maxUploadMib(), quota.apiRequestsPerMinute());
    }

    public static Quota fromDto(dev.berth.api.generated.model.Quota dto) {
        return new Quota(dto.getMaxSites(), dto.getMaxRunningSites(), dto.getCpuMillicores(), dto.getMemoryMib(), dto.getPids(),
                dto.getDiskMib(), dto.getMaxUploadMib(), dto.getApiRequestsPerMinute());
    }
}
