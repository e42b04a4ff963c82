package dev.berth.api.hosts;

import java.util.Objects;
import java.util.UUID;

/**
 * What a host reports about one site.
 *
 * @param siteId             the site
 * @param state              what the host has reached
 * @param appliedGeneration  the generation of the last spec the host fully converged on
 * @param lastError          the latest failure, or null when the site converged cleanly
 * @param memoryBytes        live memory use of the container, or -1 when unknown
 * @param cpuUsageNanos      cumulative CPU time of the container, or -1 when unknown
 * @param pids               live process count, or -1 when unknown
 * @param fault              what {@code lastError} means for the tenant, or null without an error
 * @param missingRelease     the release the site's spec names that the host does not hold (its
 *                           release store lost it), or null
 */
public record ObservedSite(
        UUID siteId,
        State state,
        long appliedGeneration,
        String lastError,
        long memoryBytes,
        long cpuUsageNanos,
        int pids,
        HostFault fault,
        String missingRelease) {

    public ObservedSite {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(state, "state");
        if (lastError == null) {
            fault = null;
        } else if (fault == null) {
            fault = HostFault.ofLastError(lastError);
        }
    }

    /** An observation of a host that holds every release its specs name. */
    public ObservedSite(UUID siteId, State state, long appliedGeneration, String lastError, long memoryBytes, long cpuUsageNanos,
                        int pids, HostFault fault) {
        this(siteId, state, appliedGeneration, lastError, memoryBytes, cpuUsageNanos, pids, fault, null);
    }

    /** An observation whose fault is read from hostd's joined {@code lastError}. */
    public ObservedSite(UUID siteId, State state, long appliedGeneration, String lastError, long memoryBytes, long cpuUsageNanos,
                        int pids) {
        this(siteId, state, appliedGeneration, lastError, memoryBytes, cpuUsageNanos, pids, null, null);
    }

    /** Host-side state of a site. */
    public enum State { PROVISIONING, RUNNING, STOPPED, FAILED }
}
