package dev.berth.api.sites;

import java.time.Instant;
import java.util.UUID;

/**
 * A site as stored: its identity, addresses, what the tenant wants (desired state) and what the
 * host last reported (observed state).
 *
 * @param generation          bumped on every change of the desired spec
 * @param observedGeneration  the generation the host last converged on
 * @param deleteRequestedAt   set once deletion is requested; the row goes when the host has removed the site
 * @param releaseId           the release the site serves, or null for the welcome page
 * @param lastErrorType       what {@code lastError} (the host's own words, for operators) means for the tenant:
 *                            a {@link dev.berth.api.hosts.HostFault} slug, or null
 * @param tenantSuspended     whether the site's tenant is suspended (the proxy answers the "suspended" page)
 * @param protection          the site's password and/or address protection, or null for an open site
 * @param spa                 whether a path without a file or rule answers the release's /index.html (200)
 * @param cleanUrls           whether /about serves about.html and /about.html redirects to /about
 */
public record Site(
        UUID id,
        UUID tenantId,
        String tenantName,
        String name,
        String ipv4,
        String ipv6,
        String desiredState,
        String observedState,
        String lastError,
        long generation,
        long observedGeneration,
        Instant deleteRequestedAt,
        Instant createdAt,
        Instant updatedAt,
        String releaseId,
        String lastErrorType,
        boolean tenantSuspended,
        Protection protection,
        boolean spa,
        boolean cleanUrls) {

    public static final String RUNNING = "running";
    public static final String STOPPED = "stopped";
    public static final String PROVISIONING = "provisioning";
    public static final String FAILED = "failed";
    public static final String DELETING = "deleting";

    /** The longest host error a site row keeps (the column's size). */
    public static final int MAX_ERROR_LENGTH = 2000;

    /** A host's error as a site row keeps it: cut to {@link #MAX_ERROR_LENGTH}. */
    public static String storedError(String error) {
        return error == null || error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH);
    }

    /** A site served plainly (no SPA fallback, no clean URLs). */
    public Site(UUID id, UUID tenantId, String tenantName, String name, String ipv4, String ipv6, String desiredState,
                String observedState, String lastError, long generation, long observedGeneration, Instant deleteRequestedAt,
                Instant createdAt, Instant updatedAt, String releaseId, String lastErrorType, boolean tenantSuspended,
                Protection protection) {
        this(id, tenantId, tenantName, name, ipv4, ipv6, desiredState, observedState, lastError, generation, observedGeneration,
                deleteRequestedAt, createdAt, updatedAt, releaseId, lastErrorType, tenantSuspended, protection, false, false);
    }

    /** An open site. */
    public Site(UUID id, UUID tenantId, String tenantName, String name, String ipv4, String ipv6, String desiredState,
                String observedState, String lastError, long generation, long observedGeneration, Instant deleteRequestedAt,
                Instant createdAt, Instant updatedAt, String releaseId, String lastErrorType, boolean tenantSuspended) {
        this(id, tenantId, tenantName, name, ipv4, ipv6, desiredState, observedState, lastError, generation, observedGeneration,
                deleteRequestedAt, createdAt, updatedAt, releaseId, lastErrorType, tenantSuspended, null, false, false);
    }

    /** An open site of a tenant that is not suspended. */
    public Site(UUID id, UUID tenantId, String tenantName, String name, String ipv4, String ipv6, String desiredState,
                String observedState, String lastError, long generation, long observedGeneration, Instant deleteRequestedAt,
                Instant createdAt, Instant updatedAt, String releaseId, String lastErrorType) {
        this(id, tenantId, tenantName, name, ipv4, ipv6, desiredState, observedState, lastError, generation, observedGeneration,
                deleteRequestedAt, createdAt, updatedAt, releaseId, lastErrorType, false, null, false, false);
    }

    public boolean deleting() {
        return deleteRequestedAt != null;
    }

    public boolean wantsRunning() {
        return RUNNING.equals(desiredState);
    }
}
