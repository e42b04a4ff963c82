package dev.berth.api.hosts;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The whole desired state of one site, as the API hands it to a host.
 *
 * @param siteId        stable identity of the site
 * @param name          the site's DNS label
 * @param tenantId      the owning tenant (its cgroup parent carries the tenant quota)
 * @param hostnames     every hostname the proxy must route to this site
 * @param ipv4          the site's private IPv4 address on the host bridge
 * @param ipv6          the site's private IPv6 address on the host bridge
 * @param siteLimits    resource limits of this site's container
 * @param tenantLimits  resource limits of the tenant's parent cgroup
 * @param running       true if the container should run, false if it should be stopped
 * @param release       the release directory to serve, or null for the welcome page
 * @param generation    increases with every change of the spec
 * @param suspended     true while the tenant is suspended: the container keeps its state, the proxy
 *                      answers the site's hostnames with the "suspended" page
 */
public record SiteSpec(
        UUID siteId,
        String name,
        UUID tenantId,
        List<String> hostnames,
        String ipv4,
        String ipv6,
        ResourceLimits siteLimits,
        ResourceLimits tenantLimits,
        boolean running,
        String release,
        long generation,
        boolean suspended) {

    public SiteSpec {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenantId, "tenantId");
        hostnames = List.copyOf(hostnames);
        Objects.requireNonNull(ipv4, "ipv4");
        Objects.requireNonNull(ipv6, "ipv6");
        Objects.requireNonNull(siteLimits, "siteLimits");
        Objects.requireNonNull(tenantLimits, "tenantLimits");
        if (generation < 1) {
            throw new IllegalArgumentException("generation must be at least 1");
        }
    }

    /** The spec of a site whose tenant is not suspended. */
    public SiteSpec(UUID siteId, String name, UUID tenantId, List<String> hostnames, String ipv4, String ipv6,
                    ResourceLimits siteLimits, ResourceLimits tenantLimits, boolean running, String release, long generation) {
        this(siteId, name, tenantId, hostnames, ipv4, ipv6, siteLimits, tenantLimits, running, release, generation, false);
    }

    /** CPU, memory and process limits of one cgroup. */
    public record ResourceLimits(int cpuMillicores, int memoryMib, int pids) {
        public ResourceLimits {
            if (cpuMillicores < 1 || memoryMib < 1 || pids < 1) {
                throw new IllegalArgumentException("resource limits must be positive");
            }
        }
    }
}
