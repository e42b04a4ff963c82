package dev.berth.hostd.cgroups;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.ResourceLimits;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A parent cgroup per tenant carrying the tenant's quota, with one child per site (the child is
 * created by the container runtime from {@link #sitePath}). Works on cgroup v1 and v2. A memory
 * limit covers swap as well where the kernel accounts it: a tenant or site never swaps.
 */
public interface Cgroups {

    /** Live figures of one cgroup; -1 where unknown. */
    record Usage(long memoryBytes, long cpuUsageNanos, int pids) {
        public static final Usage UNKNOWN = new Usage(-1, -1, -1);
    }

    /** The cgroup path (relative to each hierarchy's root) the runtime puts the site in. */
    String sitePath(UUID tenantId, UUID siteId);

    /** Creates the tenant's parent cgroup if needed and writes its limits. */
    void ensureTenant(UUID tenantId, ResourceLimits limits) throws HostOperationException;

    Usage siteUsage(UUID tenantId, UUID siteId);

    /** Removes the site's cgroup (it must hold no process any more); succeeds if gone. */
    void removeSite(UUID tenantId, UUID siteId) throws HostOperationException;

    /** Removes the tenant's parent if no site cgroup is left in it. */
    void removeTenantIfEmpty(UUID tenantId) throws HostOperationException;

    /** Tenant id to the site ids that have a cgroup under it. */
    Map<UUID, Set<UUID>> existing() throws HostOperationException;

    /** "v1" or "v2". */
    String mode();

    /** True where memory limits also bound swap (the kernel accounts swap per cgroup). */
    default boolean limitsSwap() {
        return false;
    }
}
