package dev.berth.api.domains;

import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site's custom domains, served only while DNS proves the tenant owns them.
 *
 * <p>The proof is a TXT record {@code _berth-challenge.DOMAIN} holding the tenant's token (one per
 * tenant, {@link #token}), and the domain resolving to the platform's public addresses (when
 * they are configured; a CNAME to the site's platform name does). A domain enters its site's spec
 * (and so gets a server block and a certificate) only once proven ({@code verified}); until then it
 * is {@code pending}, with the reason. Domains are checked again periodically
 * ({@link #recheckDue}); one that loses its proof becomes {@code lost} and leaves the spec, and
 * comes back once proven again. A lookup DNS cannot answer changes nothing.
 *
 * <p>A hostname belongs to one site. Another tenant's claim wins it only by proving ownership
 * while the holder's proof is gone (so an unproven claim never blocks the real owner). Tenant-
 * scoped: another tenant's site is a 404. Thread-safe.
 */
public final class DomainService {
    private static final Logger LOG = LoggerFactory.getLogger(DomainService.class);
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    /** Where a domain's owner publishes the tenant's token. */
    public static final String CHALLENGE_LABEL = "_berth-challenge";
    static final int MAX_DOMAINS_PER_SITE = 10;
    private static final int MAX_REASON = 300;
    /** How long a replica holds a due check before another may take it. */
    private static final Duration CHECK_LEASE = Duration.ofMinutes(2);

    private final Jdbi jdbi;
    private final SiteService sites;
    private final DomainResolver resolver;
    private final Set<InetAddress> publicAddresses;
    private final java.util.function.Function<java.util.UUID, Set<InetAddress>> nodeAddresses;
    private final String platformDomain;
    private final Schedule schedule;
    private final Clock clock;
    private final Runnable nudgeReconciler;

    /**
     * How often domains are checked again: proven ones every {@code proven}, pending and lost ones
     * (and any DNS could not answer about) every {@code unproven}.
     */
    public record Schedule(Duration proven, Duration unproven) {
    }

    /**
     * @param publicAddresses the platform's configured public addresses ({@code platform.publicAddresses})
     * @param nodeAddresses   the public addresses of the node that serves a site (by its id), none if unknown
     */
    public DomainService(Jdbi jdbi, SiteService sites, DomainResolver resolver, Set<InetAddress> publicAddresses,
                         java.util.function.Function<java.util.UUID, Set<InetAddress>> nodeAddresses,
                         String platformDomain, Schedule schedule, Clock clock, Runnable nudgeReconciler) {
        this.jdbi = jdbi;
        this.sites = sites;
        this.resolver = resolver;
        this.publicAddresses = Set.copyOf(publicAddresses);
        this.nodeAddresses = nodeAddresses;
        this.platformDomain = platformDomain;
        this.schedule = schedule;
        this.clock = clock;
        this.nudgeReconciler = nudgeReconciler;
    }

    /** The outcome of an add: the domain, and whether the site had it already. */
    public record Added(DomainDao.DomainRow domain, boolean existed) {
    }

    /** The TXT record name proving {@code hostname}. */
    public static String challengeName(String hostname) {
        return CHALLENGE_LABEL + "." + hostname;
    }

    /** The value a tenant's domains must publish at {@link #challengeName}; made once, kept. */
    public String token(UUID tenantId) {
        return jdbi.inTransaction(handle -> {
            DomainDao dao = handle.attach(DomainDao.class);
            return dao.token(tenantId).orElseGet(() -> {
                dao.setTokenOnce(tenantId, "berth-verify-" + Secrets.random("", 24));
                return dao.token(tenantId).orElseThrow(() -> Problems.NOT_FOUND.with("the tenant no longer exists"));
            });
        });
    }

    public List<DomainDao.DomainRow> list(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        return jdbi.withExtension(DomainDao.class, dao -> dao.listBySite(site.id()));
    }

    /**
     * Adds a domain to a site and checks its proof at once: 201 verified (served) or pending (with
     * the reason). Adding a domain the site has already checks it again.
     */
    public Added add(Caller caller, String siteName, String requested) {
        String hostname = normalize(requested);
        Site site = sites.get(caller, siteName);
        String token = token(caller.tenantId());
        Evidence evidence = gather(hostname);
        Verdict verdict = judge(hostname, evidence, token, site.id());
        DomainDao.DomainRow existing = jdbi.withExtension(DomainDao.class, dao -> dao.find(hostname)).orElse(null);
        if (existing != null && existing.siteId().equals(site.id())) {
            return new Added(apply(existing, verdict), true);
        }
        if (existing != null) {
            takeOver(existing, caller, hostname, evidence, verdict);
        }
        Instant now = clock.instant();
        DomainDao.DomainRow row = new DomainDao.DomainRow(hostname, site.id(), site.tenantId(), now,
                verdict.proven() ? DomainDao.VERIFIED : DomainDao.PENDING, verdict.proven() ? null : verdict.reason(),
                verdict.known() ? now : null, verdict.proven() ? now : null, now.plus(verdict.proven() ? schedule.proven() : schedule.unproven()));
        try {
            DomainDao.DomainRow added = jdbi.inTransaction(handle -> {
                DomainDao dao = handle.attach(DomainDao.class);
                if (dao.count(site.id()) >= MAX_DOMAINS_PER_SITE) {
                    throw Problems.QUOTA_EXCEEDED.with("a site may have at most " + MAX_DOMAINS_PER_SITE + " custom domains");
                }
                dao.insert(row);
                if (row.served()) {
                    dao.bumpGeneration(site.id(), now);
                }
                return dao.find(hostname).orElseThrow();
            });
            if (added.served()) {
                nudgeReconciler.run();
            }
            return new Added(added, false);
        } catch (UnableToExecuteStatementException race) {
            // The primary key caught a concurrent claim of the same hostname.
            throw taken(hostname);
        }
    }

    /**
     * Another site holds the hostname. The caller wins it only by proving ownership while the
     * holder cannot (the DNS owner moved the domain to this tenant); otherwise 409.
     */
    private void takeOver(DomainDao.DomainRow holder, Caller caller, String hostname, Evidence evidence, Verdict verdict) {
        boolean holderProven = holder.tenantId().equals(caller.tenantId())
                || judge(hostname, evidence, token(holder.tenantId()), holder.siteId()).proven();
        if (!verdict.proven() || holderProven) {
            throw taken(hostname);
        }
        Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            DomainDao dao = handle.attach(DomainDao.class);
            if (dao.delete(hostname, holder.siteId()) == 1 && holder.served()) {
                dao.bumpGeneration(holder.siteId(), now);
            }
        });
        LOG.info("Domain {} moved from site {} to site {}: its DNS now proves the new tenant", hostname, holder.siteId(), caller.tenantId());
    }

    public void remove(Caller caller, String siteName, String requested) {
        String hostname = requested.toLowerCase(Locale.ROOT);
        Site site = sites.get(caller, siteName);
        Instant now = clock.instant();
        Boolean wasServed = jdbi.inTransaction(handle -> {
            DomainDao dao = handle.attach(DomainDao.class);
            DomainDao.DomainRow row = dao.lock(hostname).filter(found -> found.siteId().equals(site.id())).orElse(null);
            if (row == null) {
                return null;
            }
            dao.delete(hostname, site.id());
            if (row.served()) {
                dao.bumpGeneration(site.id(), now);
            }
            return row.served();
        });
        if (wasServed == null) {
            throw Problems.NOT_FOUND.with("site " + siteName + " has no domain " + hostname);
        }
        if (wasServed) {
            nudgeReconciler.run();
        }
    }

    /**
     * Checks again up to {@code limit} domains whose time has come, on every replica at most once
     * each. A domain that lost its proof leaves its site's spec; one that gained it enters it.
     *
     * @return how many were checked
     */
    public int recheckDue(int limit) {
        Instant now = clock.instant();
        List<DomainDao.DomainRow> due = jdbi.withExtension(DomainDao.class, dao -> dao.due(now, limit));
        int checked = 0;
        for (DomainDao.DomainRow row : due) {
            boolean mine = jdbi.withExtension(DomainDao.class,
                    dao -> dao.claim(row.hostname(), row.siteId(), row.nextCheckAt(), now.plus(CHECK_LEASE))) == 1;
            if (!mine) {
                continue;
            }
            apply(row, judge(row.hostname(), gather(row.hostname()), token(row.tenantId()), row.siteId()));
            checked++;
        }
        return checked;
    }

    /** Records a verdict on a domain; a change of whether it is served changes its site's spec. */
    private DomainDao.DomainRow apply(DomainDao.DomainRow row, Verdict verdict) {
        Instant now = clock.instant();
        DomainDao.DomainRow updated = jdbi.inTransaction(handle -> {
            DomainDao dao = handle.attach(DomainDao.class);
            DomainDao.DomainRow current = dao.lock(row.hostname()).filter(found -> found.siteId().equals(row.siteId())).orElse(null);
            if (current == null) {
                return null; // removed meanwhile
            }
            String status;
            String reason;
            if (!verdict.known()) {
                status = current.status();
                reason = current.served() ? null : truncate(verdict.reason());
            } else if (verdict.proven()) {
                status = DomainDao.VERIFIED;
                reason = null;
            } else if (current.served() || DomainDao.LOST.equals(current.status())) {
                status = DomainDao.LOST;
                reason = truncate("lost its proof: " + verdict.reason());
            } else {
                status = DomainDao.PENDING;
                reason = truncate(verdict.reason());
            }
            boolean served = DomainDao.VERIFIED.equals(status);
            Instant next = now.plus(served && verdict.known() ? schedule.proven() : schedule.unproven());
            dao.record(row.hostname(), row.siteId(), status, reason, verdict.known() ? now : current.checkedAt(),
                    verdict.proven() ? now : current.verifiedAt(), next);
            if (served != current.served()) {
                dao.bumpGeneration(row.siteId(), now);
                LOG.info("Domain {} of site {} is {} now{}", row.hostname(), row.siteId(), status, reason == null ? "" : ": " + reason);
            }
            return dao.find(row.hostname()).orElseThrow();
        });
        if (updated != null && updated.served() != row.served()) {
            nudgeReconciler.run();
        }
        return updated == null ? row : updated;
    }

    /** What DNS says about a domain now: its TXT proofs and addresses, or why it could not be asked. */
    private record Evidence(List<String> texts, List<InetAddress> addresses, String failure) {
    }

    private Evidence gather(String hostname) {
        try {
            return new Evidence(resolver.texts(challengeName(hostname)), resolver.addresses(hostname), null);
        } catch (DomainResolver.LookupFailedException unanswered) {
            return new Evidence(List.of(), List.of(), unanswered.getMessage());
        }
    }

    /** Whether the evidence proves {@code token}'s tenant owns the domain, and if not, why in a sentence. */
    private record Verdict(boolean known, boolean proven, String reason) {
    }

    private Verdict judge(String hostname, Evidence evidence, String token, java.util.UUID siteId) {
        if (evidence.failure() != null) {
            return new Verdict(false, false, "DNS could not be asked (" + evidence.failure() + "); checking again shortly");
        }
        if (!evidence.texts().contains(token)) {
            String where = "TXT record " + challengeName(hostname);
            return new Verdict(true, false, evidence.texts().isEmpty()
                    ? "no " + where + "; publish one holding this tenant's token"
                    : "the " + where + " does not hold this tenant's token");
        }
        Set<InetAddress> accepted = accepted(siteId);
        if (!accepted.isEmpty() && evidence.addresses().stream().noneMatch(accepted::contains)) {
            return new Verdict(true, false, (evidence.addresses().isEmpty() ? hostname + " does not resolve"
                    : hostname + " resolves to " + evidence.addresses().stream().map(InetAddress::getHostAddress).sorted().toList()
                            + ", not to the platform") + "; point it at " + expected(accepted));
        }
        return new Verdict(true, true, null);
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

    /**
     * The addresses a domain of the site may resolve to: the platform's configured ones and those of
     * the node serving the site (with several nodes, the one whose proxy answers for it; a site
     * that moves to another node asks its domains to follow, which a CNAME to its own name does).
     */
    private Set<InetAddress> accepted(java.util.UUID siteId) {
        Set<InetAddress> accepted = new java.util.HashSet<>(publicAddresses);
        accepted.addAll(nodeAddresses.apply(siteId));
        return accepted;
    }

    private String expected(Set<InetAddress> accepted) {
        return accepted.stream().map(InetAddress::getHostAddress).sorted().toList()
                + " (A/AAAA) or a CNAME to the site's name under " + platformDomain;
    }

    private static String truncate(String reason) {
        return reason == null || reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON - 3) + "...";
    }

    private static dev.berth.api.platform.ProblemException taken(String hostname) {
        return Problems.DOMAIN_TAKEN.with(hostname + " is held by another site; publish this tenant's token at "
                + challengeName(hostname) + " and remove the other tenant's to move it");
    }
}
