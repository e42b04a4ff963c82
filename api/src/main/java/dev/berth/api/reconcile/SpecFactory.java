package dev.berth.api.reconcile;

import dev.berth.api.sites.Protection;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteViews;
import dev.berth.api.tenants.Quota;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteProtection;
import dev.berth.hostprotocol.SiteServing;
import dev.berth.hostprotocol.SiteSpec;
import java.util.List;

/**
 * Builds the spec a host gets for a site: its hostnames, addresses, and limits. A site gets the
 * configured per-site limits, never more than its tenant's whole quota; the tenant's parent cgroup
 * carries the quota itself. A suspended tenant's sites are flagged so that the proxy answers their
 * "suspended" page; a protected site's spec carries its protection for the proxy.
 */
public final class SpecFactory {
    private final SiteViews views;
    private final ResourceLimits perSite;

    public SpecFactory(SiteViews views, ResourceLimits perSite) {
        this.views = views;
        this.perSite = perSite;
    }

    public SiteSpec specOf(Site site, Quota quota) {
        return specOf(site, quota, List.of());
    }

    /** As above, with the site's custom domains served next to its platform hostname. */
    public SiteSpec specOf(Site site, Quota quota, List<String> customDomains) {
        ResourceLimits tenantLimits = new ResourceLimits(quota.cpuMillicores(), quota.memoryMib(), quota.pids());
        ResourceLimits siteLimits = new ResourceLimits(
                Math.min(perSite.cpuMillicores(), quota.cpuMillicores()),
                Math.min(perSite.memoryMib(), quota.memoryMib()),
                Math.min(perSite.pids(), quota.pids()));
        return new SiteSpec(site.id(), site.name(), site.tenantId(), hostnames(site, customDomains), site.ipv4(), site.ipv6(),
                siteLimits, tenantLimits, site.wantsRunning(), site.releaseId(), site.generation(), site.tenantSuspended(),
                protection(site.protection()), site.spa() || site.cleanUrls() ? new SiteServing(site.spa(), site.cleanUrls()) : null);
    }

    /** What the proxy needs of a site's protection: the verifier, never the username on its own. */
    private static SiteProtection protection(Protection protection) {
        return protection == null ? null
                : new SiteProtection(protection.credentials(), protection.pathPrefix(), protection.allowedAddresses());
    }

    private List<String> hostnames(Site site, List<String> customDomains) {
        List<String> hostnames = new java.util.ArrayList<>();
        hostnames.add(views.hostname(site.name()));
        hostnames.addAll(customDomains);
        return List.copyOf(hostnames);
    }
}
