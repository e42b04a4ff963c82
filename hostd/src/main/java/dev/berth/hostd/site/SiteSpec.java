package dev.berth.hostd.site;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.UUID;

/**
 * The whole desired state of one site as hostd receives it over its socket. Same JSON shape as the
 * API's {@code dev.berth.api.hosts.SiteSpec}; hostd does not depend on the API module, so the shape
 * is the contract. Field values are checked by {@link SiteValidator}, not here, so that a bad spec
 * can be answered with every problem at once.
 *
 * <p>{@code suspended}: the tenant is suspended by the platform's operator; the container keeps its
 * state but the proxy answers the site's hostnames with the "suspended" page (451). A spec without
 * the field (an older API) means not suspended.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SiteSpec(
        UUID siteId,
        String name,
        UUID tenantId,
        List<String> hostnames,
        String ipv4,
        String ipv6,
        Limits siteLimits,
        Limits tenantLimits,
        boolean running,
        String release,
        long generation,
        boolean suspended) {

    public SiteSpec {
        hostnames = hostnames == null ? List.of() : List.copyOf(hostnames);
    }

    /** The spec of a site whose tenant is not suspended. */
    public SiteSpec(UUID siteId, String name, UUID tenantId, List<String> hostnames, String ipv4, String ipv6, Limits siteLimits,
                    Limits tenantLimits, boolean running, String release, long generation) {
        this(siteId, name, tenantId, hostnames, ipv4, ipv6, siteLimits, tenantLimits, running, release, generation, false);
    }

    /** CPU (millicores), memory (MiB) and process-count limits of one cgroup. */
    public record Limits(int cpuMillicores, int memoryMib, int pids) {
        public long memoryBytes() {
            return memoryMib * 1024L * 1024L;
        }
    }
}
