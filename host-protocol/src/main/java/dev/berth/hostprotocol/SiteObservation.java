package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What a host reports about one site ({@code GET /v1/sites}, {@code GET /v1/sites/{siteId}}, and the
 * answer to a {@code PUT}).
 *
 * @param siteId             the site
 * @param name               the site's name from its spec
 * @param state              what the host has reached
 * @param desiredGeneration  the generation of the spec the host holds
 * @param appliedGeneration  the generation of the last spec the host fully converged on (0: none yet)
 * @param lastError          the latest failures joined as {@code "part: text; part: text"}, or null
 * @param errors             the latest failure per part (empty when the site converged cleanly)
 * @param memoryBytes        live memory use of the container, -1 when unknown
 * @param cpuUsageNanos      cumulative CPU time of the container, -1 when unknown
 * @param pids               live process count, -1 when unknown
 * @param ipv4               the site's IPv4 address from its spec
 * @param ipv6               the site's IPv6 address from its spec
 * @param release            the release the spec names, or null for the welcome page
 * @param restarts           how often the host restarted the site's container
 * @param lastExit           how the container last ended, or null
 * @param updatedAt          when the host last changed what it knows of the site
 * @param diskBytes          what the site's kept releases take on the host, -1 when unknown
 */
public record SiteObservation(
        UUID siteId,
        String name,
        State state,
        long desiredGeneration,
        long appliedGeneration,
        String lastError,
        Map<SitePart, String> errors,
        long memoryBytes,
        long cpuUsageNanos,
        int pids,
        String ipv4,
        String ipv6,
        String release,
        int restarts,
        String lastExit,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Instant updatedAt,
        long diskBytes) {

    public SiteObservation {
        // By the parts' wire names, so that the same observation always reads the same.
        Map<SitePart, String> sorted = new TreeMap<>(Comparator.comparing(SitePart::wireName));
        if (errors != null) {
            sorted.putAll(errors);
        }
        errors = Collections.unmodifiableMap(sorted);
    }

    /** The same observation with the disk figure. */
    public SiteObservation withDiskBytes(long bytes) {
        return new SiteObservation(siteId, name, state, desiredGeneration, appliedGeneration, lastError, errors, memoryBytes,
                cpuUsageNanos, pids, ipv4, ipv6, release, restarts, lastExit, updatedAt, bytes);
    }

    /** What a host has reached for a site. */
    public enum State {
        @JsonProperty("provisioning") PROVISIONING,
        @JsonProperty("running") RUNNING,
        @JsonProperty("stopped") STOPPED,
        @JsonProperty("failed") FAILED;

        /** {@code provisioning}, {@code running}, {@code stopped} or {@code failed}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
