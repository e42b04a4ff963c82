package dev.berth.hostd.site;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * What hostd reports about one site. {@code state} is one of provisioning, running, stopped, failed;
 * {@code errors} holds the latest failure per part (content, cgroups, network, runtime, proxy, dns);
 * {@code diskBytes} is what the site's kept releases take on this host (-1 unknown).
 */
public record ObservedSite(
        UUID siteId,
        String name,
        String state,
        long desiredGeneration,
        long appliedGeneration,
        String lastError,
        Map<String, String> errors,
        long memoryBytes,
        long cpuUsageNanos,
        int pids,
        String ipv4,
        String ipv6,
        String release,
        int restarts,
        String lastExit,
        Instant updatedAt,
        long diskBytes) {

    /** Without the disk figure (added by {@link #withDiskBytes}). */
    public ObservedSite(UUID siteId, String name, String state, long desiredGeneration, long appliedGeneration, String lastError,
                        Map<String, String> errors, long memoryBytes, long cpuUsageNanos, int pids, String ipv4, String ipv6,
                        String release, int restarts, String lastExit, Instant updatedAt) {
        this(siteId, name, state, desiredGeneration, appliedGeneration, lastError, errors, memoryBytes, cpuUsageNanos, pids,
                ipv4, ipv6, release, restarts, lastExit, updatedAt, -1);
    }

    public ObservedSite withDiskBytes(long bytes) {
        return new ObservedSite(siteId, name, state, desiredGeneration, appliedGeneration, lastError, errors, memoryBytes,
                cpuUsageNanos, pids, ipv4, ipv6, release, restarts, lastExit, updatedAt, bytes);
    }
}
