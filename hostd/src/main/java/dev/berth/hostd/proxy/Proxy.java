package dev.berth.hostd.proxy;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.SiteSpec;
import java.util.Set;
import java.util.UUID;

/**
 * The host reverse proxy. Each change is validated before it goes live; a change that fails leaves
 * the previous configuration serving and is reported for that site only. Thread-safe.
 */
public interface Proxy {

    /** Writes the base configuration and starts (or reloads) the proxy if this hostd manages it. */
    void start() throws HostOperationException;

    /** Starts the proxy again if this hostd manages it and it is not running (cheap when it runs). */
    void ensureRunning() throws HostOperationException;

    /** Routes the spec's hostnames to the site, or to the 503 page when {@code serving} is false. */
    void apply(SiteSpec spec, boolean serving) throws HostOperationException;

    /** Removes the site's entry; its hostnames then get the 404 page. Succeeds if already gone. */
    void remove(UUID siteId) throws HostOperationException;

    /** Sites that have an entry in the proxy configuration. */
    Set<UUID> configuredSites() throws HostOperationException;

    /**
     * The node's lease: from {@code expiresAt} on, unless renewed, the proxy serves no site (every
     * hostname the 503 page), even if hostd is gone by then; null: no lease (always served).
     */
    void lease(java.time.Instant expiresAt) throws HostOperationException;

    /** Stops the proxy if this hostd manages its own instance. */
    void stop();

    String version();
}
