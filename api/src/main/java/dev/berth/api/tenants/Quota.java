package dev.berth.api.tenants;

/**
 * A tenant's limits. Counts are enforced by the API in the same transaction as the change they
 * limit; CPU, memory and pids are enforced by the host's cgroups.
 */
public record Quota(
        int maxSites,
        int maxRunningSites,
        int cpuMillicores,
        int memoryMib,
        int pids,
        int diskMib,
        int maxUploadMib,
        int apiRequestsPerMinute) {

    public Quota {
        require(maxSites >= 0, "maxSites must not be negative");
        require(maxRunningSites >= 0, "maxRunningSites must not be negative");
        require(cpuMillicores >= 10, "cpuMillicores must be at least 10");
        require(memoryMib >= 8, "memoryMib must be at least 8");
        require(pids >= 8, "pids must be at least 8");
        require(diskMib >= 1, "diskMib must be at least 1");
        require(maxUploadMib >= 1, "maxUploadMib must be at least 1");
        require(apiRequestsPerMinute >= 1, "apiRequestsPerMinute must be at least 1");
    }

    private static void require(boolean condition, String rule) {
        if (!condition) {
            throw new IllegalArgumentException(rule);
        }
    }
}
