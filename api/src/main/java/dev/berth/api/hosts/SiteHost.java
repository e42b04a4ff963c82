package dev.berth.api.hosts;

import java.util.List;
import java.util.UUID;

/**
 * The port through which the API tells a host what each site should be.
 *
 * <p>Every call is idempotent: applying the same spec twice, or removing a site that is already
 * gone, changes nothing and succeeds. The host converges in its own time; {@link #observe()} tells
 * what it has reached. Implementations must be thread-safe.
 */
public interface SiteHost {

    /**
     * Hands the host the whole desired spec of one site. Returns once the host has accepted and
     * durably recorded the spec; the host may still be converging.
     *
     * @throws HostException if the host is unreachable or refuses the spec
     */
    void apply(SiteSpec spec) throws HostException;

    /**
     * Removes a site and everything the host holds for it. Succeeds if the site is already gone.
     *
     * @throws HostException if the host is unreachable or cannot remove the site now
     */
    void remove(UUID siteId) throws HostException;

    /**
     * Installs a release of a site's content from a sanitized tar stream (regular files and
     * directories only). Installing a release id that exists already changes nothing. The site
     * serves it once a spec naming it is applied.
     *
     * @throws HostException if the host is unreachable, does not hold the site yet, or refuses the archive
     */
    void installRelease(UUID siteId, String releaseId, java.io.InputStream tar) throws HostException;

    /**
     * The observed state of every site the host holds.
     *
     * @throws HostException if the host is unreachable
     */
    List<ObservedSite> observe() throws HostException;

    /**
     * The certificate the host serves for a site's hostnames, if it serves HTTPS for them. Hosts
     * without HTTPS support answer empty.
     *
     * @throws HostException if the host is unreachable
     */
    default java.util.Optional<CertificateState> certificate(UUID siteId) throws HostException {
        return java.util.Optional.empty();
    }

    /**
     * Each held site's request counter: requests the host's proxy served since the host started
     * counting. Counters only grow while the host runs; a lower value than before means the host
     * restarted. Hosts that count nothing answer an empty map.
     *
     * @throws HostException if the host is unreachable
     */
    default java.util.Map<UUID, Long> requestCounters() throws HostException {
        return java.util.Map.of();
    }

    /**
     * The last {@code lines} (1 to 200) requests the host's proxy served for a site, newest first;
     * empty when the host holds no log for it.
     *
     * @throws HostException if the host is unreachable or cannot read the log
     */
    default List<AccessLogEntry> accessLog(UUID siteId, int lines) throws HostException {
        return List.of();
    }

    /**
     * The requests the host's proxy served for a site with {@code from <= time < to}, oldest first,
     * at most {@code limit}; opened before anything is read, so a host that cannot be asked fails
     * here. Hosts that keep no access logs answer an empty stream.
     *
     * @throws HostException if the host is unreachable or refuses the range
     */
    default AccessLogStream accessLogRange(UUID siteId, java.time.Instant from, java.time.Instant to, int limit) throws HostException {
        return AccessLogStream.EMPTY;
    }

    /**
     * The host's capacity, versions and health.
     *
     * @throws HostException if the host is unreachable or does not report its status
     */
    HostReport report() throws HostException;
}
