package dev.berth.hostd.site;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * What hostd reports about one site. {@code state} is one of provisioning, running, stopped, failed;
 * {@code errors} holds the latest failure per part (content, cgroups, network, runtime, proxy).
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
        Instant updatedAt) {
}
