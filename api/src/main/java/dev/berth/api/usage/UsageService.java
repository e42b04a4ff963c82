package dev.berth.api.usage;

import dev.berth.api.auth.Caller;
import dev.berth.api.hosts.AccessLogEntry;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.SiteHost;
import dev.berth.api.hosts.SiteSpec;
import dev.berth.api.platform.Problems;
import dev.berth.api.reconcile.SpecFactory;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import dev.berth.api.tenants.TenantDao;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant's view of how its sites are used: recent usage from {@link UsageHistory} and recent
 * requests asked from the host. Tenant-scoped through {@link SiteService#get}: another tenant's
 * site is a 404 like a missing one.
 */
public final class UsageService {
    private static final Logger LOG = LoggerFactory.getLogger(UsageService.class);

    private final SiteService sites;
    private final SiteHost host;
    private final UsageHistory history;
    private final SpecFactory specs;
    private final Jdbi jdbi;
    private final Duration sampleInterval;

    public UsageService(SiteService sites, SiteHost host, UsageHistory history, SpecFactory specs, Jdbi jdbi, Duration sampleInterval) {
        this.sites = sites;
        this.host = host;
        this.history = history;
        this.specs = specs;
        this.jdbi = jdbi;
        this.sampleInterval = sampleInterval;
    }

    /** A site's recent usage with the limits its container runs under. */
    public SiteUsage usage(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        SiteSpec.ResourceLimits limits = jdbi.withExtension(TenantDao.class, dao -> dao.findQuota(site.tenantId()))
                .map(row -> specs.specOf(site, row.quota()).siteLimits())
                .orElse(null);
        return new SiteUsage(site.name(), sampleInterval, limits, history.points(site.id()));
    }

    /**
     * The site's last {@code limit} requests, newest first.
     *
     * @throws dev.berth.api.platform.ProblemException 404 for a site not in the caller's tenant, 503 when the host cannot be asked
     */
    public List<AccessLogEntry> accessLog(Caller caller, String siteName, int limit) {
        Site site = sites.get(caller, siteName);
        try {
            return host.accessLog(site.id(), limit);
        } catch (HostException failure) {
            LOG.warn("Cannot read the access log of site {}: {}", site.id(), failure.getMessage());
            throw Problems.UNAVAILABLE.with("the site's host cannot be asked for its access log right now; try again shortly");
        }
    }

    /** A site's usage: its points, oldest first, and its limits (null when its tenant vanished meanwhile). */
    public record SiteUsage(String site, Duration sampleInterval, SiteSpec.ResourceLimits limits, List<UsageHistory.Point> points) {
    }
}
