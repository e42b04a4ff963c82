package dev.berth.api.hosts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A host's capacity, component versions and health, as hostd reports them ({@code GET /v1/host}).
 * Figures the host could not read are -1; {@code ipv4Forwarding}/{@code ipv6Forwarding} are the
 * kernel settings as read ("0", "1" or "unknown").
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HostReport(int cpus, long memTotalBytes, long memAvailableBytes, int sites, int runningSites, int failedSites,
                         String runcVersion, String nginxVersion, String cgroupMode, String bridge, String ipv4Forwarding,
                         String ipv6Forwarding, boolean proxyRunning, boolean healthy, List<CertificateState> certificates) {
    public HostReport {
        certificates = certificates == null ? List.of() : List.copyOf(certificates);
    }
}
