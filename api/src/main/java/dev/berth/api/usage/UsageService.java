package dev.berth.api.usage;

import dev.berth.api.caller.Caller;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.platform.Problems;
import dev.berth.api.reconcile.SpecFactory;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import dev.berth.api.tenants.TenantDao;
import dev.berth.hostprotocol.AccessLogEntry;
import dev.berth.hostprotocol.ResourceLimits;
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
    private final HostInsights host;
    private final UsageHistory history;
    private final SpecFactory specs;
    private final Jdbi jdbi;
    private final Duration sampleInterval;
    private final UsageArchive archive;
    private final java.time.Clock clock;

    public UsageService(SiteService sites, HostInsights host, UsageHistory history, SpecFactory specs, Jdbi jdbi, Duration sampleInterval,
                        UsageArchive archive, java.time.Clock clock) {
        this.sites = sites;
        this.host = host;
        this.history = history;
        this.specs = specs;
        this.jdbi = jdbi;
        this.sampleInterval = sampleInterval;
        this.archive = archive;
        this.clock = clock;
    }

    /** The span a usage graph covers. */
    public enum Period {
        /** The samples of the last hour (the 1-minute archive before the API's first sample after a restart). */
        HOUR,
        /** The 1-minute archive of the last day. */
        DAY,
        /** The 1-hour archive of the last 30 days. */
        MONTH
    }

    /** A site's usage over a period with the limits its container runs under. */
    public SiteUsage usage(Caller caller, String siteName, Period period) {
        Site site = sites.get(caller, siteName);
        ResourceLimits limits = jdbi.withExtension(TenantDao.class, dao -> dao.findQuota(site.tenantId()))
                .map(row -> specs.specOf(site, row.quota()).siteLimits())
                .orElse(null);
        java.time.Instant now = clock.instant();
        return switch (period) {
            case DAY -> new SiteUsage(site.name(), period, UsageArchive.MINUTE, limits,
                    archive.points(site.id(), UsageArchive.MINUTE, now.minus(UsageArchive.MINUTES_KEPT)));
            case MONTH -> new SiteUsage(site.name(), period, UsageArchive.HOUR, limits,
                    archive.points(site.id(), UsageArchive.HOUR, now.minus(UsageArchive.HOURS_KEPT)));
            case HOUR -> {
                List<UsageHistory.Point> recent = history.points(site.id());
                java.time.Instant firstSample = recent.isEmpty() ? now : recent.get(0).time();
                List<UsageHistory.Point> points = new java.util.ArrayList<>(archive.points(site.id(), UsageArchive.MINUTE,
                        now.minus(UsageArchive.HOUR)).stream().filter(point -> point.time().isBefore(firstSample)).toList());
                points.addAll(recent);
                yield new SiteUsage(site.name(), period, sampleInterval, limits, points);
            }
        };
    }

    /** The longest range one access-log download may span. */
    public static final Duration MAX_EXPORT_RANGE = Duration.ofDays(31);
    /** The most requests one access-log download sends. */
    public static final int MAX_EXPORT_ENTRIES = 100_000;

    /**
     * The site's requests with {@code from <= time < to}, opened on its host: times are RFC 3339
     * text as the client sent them ({@code to} defaults to now, {@code from} to a day before it).
     *
     * @throws dev.berth.api.platform.ProblemException 400 for a bad range or limit, 404 for a site not in the
     *                                                 caller's tenant, 503 when the host cannot be asked
     */
    public Export export(Caller caller, String siteName, String fromText, String toText, Integer limit) {
        Site site = sites.get(caller, siteName);
        java.time.Instant to = toText == null ? clock.instant() : time("to", toText);
        java.time.Instant from = fromText == null ? to.minus(Duration.ofDays(1)) : time("from", fromText);
        int count = limit == null ? MAX_EXPORT_ENTRIES : limit;
        if (count < 1 || count > MAX_EXPORT_ENTRIES) {
            throw Problems.VALIDATION.with("limit must be between 1 and " + MAX_EXPORT_ENTRIES);
        }
        if (!to.isAfter(from)) {
            throw Problems.VALIDATION.with("to must be after from");
        }
        if (Duration.between(from, to).compareTo(MAX_EXPORT_RANGE) > 0) {
            throw Problems.VALIDATION.with("the range may span at most " + MAX_EXPORT_RANGE.toDays() + " days");
        }
        try {
            return new Export(site.name(), from, to, host.accessLogRange(site.id(), from, to, count));
        } catch (HostException failure) {
            LOG.warn("Cannot read the access log of site {}: {}", site.id(), failure.getMessage());
            throw Problems.UNAVAILABLE.with("the site's host cannot be asked for its access log right now; try again shortly");
        }
    }

    private static java.time.Instant time(String name, String text) {
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (java.time.format.DateTimeParseException unreadable) {
            throw Problems.VALIDATION.with(name + " must be an RFC 3339 time such as 2026-12-04T10:00:00Z");
        }
    }

    /** An opened download: the site, its range and the host's stream of requests (close it). */
    public record Export(String site, java.time.Instant from, java.time.Instant to, dev.berth.api.hosts.AccessLogStream entries) {
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
    public record SiteUsage(String site, Period period, Duration sampleInterval, ResourceLimits limits,
                            List<UsageHistory.Point> points) {
    }
}
