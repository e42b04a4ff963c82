package dev.berth.hostprotocol;

import dev.berth.hostprotocol.net.NetworkPlan;
import java.util.List;

/**
 * A host's capacity, component versions, health and address plan ({@code GET /v1/host}). Figures
 * the host could not read are -1; {@code ipv4Forwarding}/{@code ipv6Forwarding} are the kernel
 * settings as read ({@code "0"}, {@code "1"} or {@code "unknown"}).
 *
 * @param bridge  the names of the host's bridges, space-separated
 * @param network the sites' address plan of the host: the API hands out site addresses from it
 * @param warmPool the host's warm pool; null from a host that has none
 */
public record HostReport(
        int cpus,
        long memTotalBytes,
        long memAvailableBytes,
        int sites,
        int runningSites,
        int failedSites,
        String runcVersion,
        String nginxVersion,
        String cgroupMode,
        String bridge,
        String ipv4Forwarding,
        String ipv6Forwarding,
        boolean proxyRunning,
        boolean healthy,
        List<CertificateState> certificates,
        NetworkPlan network,
        WarmPoolState warmPool) {

    public HostReport {
        certificates = certificates == null ? List.of() : List.copyOf(certificates);
    }
}
