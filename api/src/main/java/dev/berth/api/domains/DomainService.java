package dev.berth.api.domains;

import dev.berth.api.auth.Caller;
import dev.berth.api.platform.Problems;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * A site's custom domains. A hostname is accepted once it resolves to one of the platform's public
 * addresses (directly or through a CNAME to the site's platform name, which resolves there) and no
 * other site holds it; the database's primary key settles concurrent claims. Adding or removing a
 * domain bumps the site's generation, so the host gets the new hostnames (and issues or revokes the
 * domain's certificate). Tenant-scoped: another tenant's site is a 404.
 */
public final class DomainService {
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    static final int MAX_DOMAINS_PER_SITE = 10;

    private final Jdbi jdbi;
    private final SiteService sites;
    private final DomainResolver resolver;
    private final Set<InetAddress> publicAddresses;
    private final String platformDomain;
    private final Clock clock;
    private final Runnable nudgeReconciler;

    public DomainService(Jdbi jdbi, SiteService sites, DomainResolver resolver, Set<InetAddress> publicAddresses,
                         String platformDomain, Clock clock, Runnable nudgeReconciler) {
        this.jdbi = jdbi;
        this.sites = sites;
        this.resolver = resolver;
        this.publicAddresses = Set.copyOf(publicAddresses);
        this.platformDomain = platformDomain;
        this.clock = clock;
        this.nudgeReconciler = nudgeReconciler;
    }

    /** The outcome of an add: the domain, and whether the site had it already. */
    public record Added(DomainDao.DomainRow domain, boolean existed) {
    }

    public List<DomainDao.DomainRow> list(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        return jdbi.withExtension(DomainDao.class, dao -> dao.listBySite(site.id()));
    }

    public Added add(Caller caller, String siteName, String requested) {
        String hostname = normalize(requested);
        Site site = sites.get(caller, siteName);
        DomainDao.DomainRow existing = jdbi.withExtension(DomainDao.class, dao -> dao.find(hostname)).orElse(null);
        if (existing != null) {
            if (existing.siteId().equals(site.id())) {
                return new Added(existing, true);
            }
            throw Problems.DOMAIN_TAKEN.with(hostname + " is already served by another site");
        }
        requirePointsAtPlatform(hostname);
        try {
            DomainDao.DomainRow added = jdbi.inTransaction(handle -> {
                DomainDao dao = handle.attach(DomainDao.class);
                if (dao.count(site.id()) >= MAX_DOMAINS_PER_SITE) {
                    throw Problems.QUOTA_EXCEEDED.with("a site may have at most " + MAX_DOMAINS_PER_SITE + " custom domains");
                }
                dao.insert(hostname, site.id(), site.tenantId(), clock.instant());
                dao.bumpGeneration(site.id(), clock.instant());
                return dao.find(hostname).orElseThrow();
            });
            nudgeReconciler.run();
            return new Added(added, false);
        } catch (UnableToExecuteStatementException race) {
            // The primary key caught a concurrent claim of the same hostname.
            throw Problems.DOMAIN_TAKEN.with(hostname + " is already served by another site");
        }
    }

    public void remove(Caller caller, String siteName, String requested) {
        String hostname = requested.toLowerCase(Locale.ROOT);
        Site site = sites.get(caller, siteName);
        boolean removed = jdbi.inTransaction(handle -> {
            DomainDao dao = handle.attach(DomainDao.class);
            if (dao.delete(hostname, site.id()) == 0) {
                return false;
            }
            dao.bumpGeneration(site.id(), clock.instant());
            return true;
        });
        if (!removed) {
            throw Problems.NOT_FOUND.with("site " + siteName + " has no domain " + hostname);
        }
        nudgeReconciler.run();
    }

    private String normalize(String requested) {
        String hostname = requested == null ? "" : requested.strip().toLowerCase(Locale.ROOT);
        if (hostname.endsWith(".")) {
            hostname = hostname.substring(0, hostname.length() - 1);
        }
        if (!HOSTNAME.matcher(hostname).matches()) {
            throw Problems.VALIDATION.with("hostname must be a fully qualified DNS name of at most 253 characters"
                    + " (lower-case labels of 1 to 63 letters, digits and inner dashes)");
        }
        if (hostname.equals(platformDomain) || hostname.endsWith("." + platformDomain)) {
            throw Problems.VALIDATION.with("names under " + platformDomain + " belong to the platform; use the site's own name");
        }
        return hostname;
    }

    private void requirePointsAtPlatform(String hostname) {
        List<InetAddress> addresses;
        try {
            addresses = resolver.addresses(hostname);
        } catch (UnknownHostException e) {
            throw Problems.DOMAIN_NOT_POINTING.with(hostname + " does not resolve; point it at " + expected());
        }
        if (addresses.stream().noneMatch(publicAddresses::contains)) {
            throw Problems.DOMAIN_NOT_POINTING.with(hostname + " resolves to "
                    + addresses.stream().map(InetAddress::getHostAddress).toList() + ", not to the platform; point it at "
                    + expected());
        }
    }

    private String expected() {
        return publicAddresses.isEmpty() ? "the platform (no public addresses are configured)"
                : publicAddresses.stream().map(InetAddress::getHostAddress).sorted().toList()
                        + " (A/AAAA) or a CNAME to the site's name under " + platformDomain;
    }
}
