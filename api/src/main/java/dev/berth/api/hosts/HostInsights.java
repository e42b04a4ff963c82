package dev.berth.api.hosts;

import dev.berth.hostprotocol.AccessLogEntry;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.HostReport;
import java.util.List;
import java.util.UUID;

/**
 * What a host tells about itself and its sites besides their convergence: certificates, request
 * counters, access logs and the host's report. Read-only: nothing here changes the host.
 * Implementations must be thread-safe.
 */
public interface HostInsights {

    /**
     * The certificate the host serves for a site's hostnames, if it serves HTTPS for them. A host
     * without HTTPS support answers empty.
     *
     * @throws HostException if the host is unreachable
     */
    java.util.Optional<CertificateState> certificate(UUID siteId) throws HostException;

    /**
     * Each held site's request counter: requests the host's proxy served since the host started
     * counting. Counters only grow while the host runs; a lower value than before means the host
     * restarted. Hosts that count nothing answer an empty map.
     *
     * @throws HostException if the host is unreachable
     */
    java.util.Map<UUID, Long> requestCounters() throws HostException;

    /**
     * The last {@code lines} (1 to 200) requests the host's proxy served for a site, newest first;
     * empty when the host holds no log for it.
     *
     * @throws HostException if the host is unreachable or cannot read the log
     */
    List<AccessLogEntry> accessLog(UUID siteId, int lines) throws HostException;

    /**
     * The requests the host's proxy served for a site with {@code from <= time < to}, oldest first,
     * at most {@code limit}; opened before anything is read, so a host that cannot be asked fails
     * here. Hosts that keep no access logs answer an empty stream.
     *
     * @throws HostException if the host is unreachable or refuses the range
     */
    AccessLogStream accessLogRange(UUID siteId, java.time.Instant from, java.time.Instant to, int limit) throws HostException;

    /**
     * The host's capacity, versions and health.
     *
     * @throws HostException if the host is unreachable or does not report its status
     */
    HostReport report() throws HostException;
}
