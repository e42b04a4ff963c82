package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.UUID;

/**
 * The whole desired state of one site, as the API hands it to a host ({@code PUT /v1/sites/{siteId}}).
 * Unknown fields are refused. Field values are checked by hostd's validator, not here, so that a bad
 * spec is answered with every problem at once.
 *
 * @param siteId       stable identity of the site
 * @param name         the site's DNS label
 * @param tenantId     the owning tenant (its cgroup parent carries the tenant quota)
 * @param hostnames    every hostname the proxy must route to this site
 * @param ipv4         the site's private IPv4 address on the host bridge
 * @param ipv6         the site's private IPv6 address on the host bridge
 * @param siteLimits   resource limits of this site's container
 * @param tenantLimits resource limits of the tenant's parent cgroup
 * @param running      true if the container should run, false if it should be stopped
 * @param release      the release directory to serve, or null for the welcome page
 * @param generation   increases with every change of the spec
 * @param suspended    true while the tenant is suspended by the platform's operator: the container
 *                     keeps its state, the proxy answers the site's hostnames with the "suspended"
 *                     page (451); a spec without the field (an older API, a spec saved before) means false
 * @param protection   the site's password and/or address protection, enforced by the proxy; null for an open site
 * @param serving      the site's serving switches (SPA fallback, clean URLs); null (and left out of the JSON, so
 *                     that a host that does not know the field still reads the spec) when both are off
 */
@JsonIgnoreProperties(ignoreUnknown = false)
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
        boolean suspended,
        SiteProtection protection,
        @JsonInclude(JsonInclude.Include.NON_NULL) SiteServing serving) {

    public SiteSpec {
        hostnames = hostnames == null ? List.of() : List.copyOf(hostnames);
    }

    /** The spec of a site served plainly (no SPA fallback, no clean URLs). */
    public SiteSpec(UUID siteId, String name, UUID tenantId, List<String> hostnames, String ipv4, String ipv6,
                    ResourceLimits siteLimits, ResourceLimits tenantLimits, boolean running, String release, long generation,
                    boolean suspended, SiteProtection protection) {
        this(siteId, name, tenantId, hostnames, ipv4, ipv6, siteLimits, tenantLimits, running, release, generation, suspended,
                protection, null);
    }

    /** The switches the proxy applies: {@link SiteServing#PLAIN} when the spec has none. */
    public SiteServing servingOrPlain() {
        return serving == null ? SiteServing.PLAIN : serving;
    }

    /** The spec of an open site (no protection). */
    public SiteSpec(UUID siteId, String name, UUID tenantId, List<String> hostnames, String ipv4, String ipv6,
                    ResourceLimits siteLimits, ResourceLimits tenantLimits, boolean running, String release, long generation,
                    boolean suspended) {
        this(siteId, name, tenantId, hostnames, ipv4, ipv6, siteLimits, tenantLimits, running, release, generation, suspended, null);
    }

    /** The spec of an open site whose tenant is not suspended. */
    public SiteSpec(UUID siteId, String name, UUID tenantId, List<String> hostnames, String ipv4, String ipv6,
                    ResourceLimits siteLimits, ResourceLimits tenantLimits, boolean running, String release, long generation) {
        this(siteId, name, tenantId, hostnames, ipv4, ipv6, siteLimits, tenantLimits, running, release, generation, false, null);
    }
}
