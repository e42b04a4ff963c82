package dev.berth.hostd.network;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.SiteSpec;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

/**
 * The host bridge and each site's network namespace with its veth port. Every method is idempotent
 * and thread-safe for different sites.
 */
public interface Network {

    /** Creates the bridge with its addresses if missing and brings it up. Never enables forwarding. */
    void ensureBridge() throws HostOperationException;

    /** Creates the site's namespace and isolated bridge port with the spec's addresses, or repairs them. */
    void attach(SiteSpec spec) throws HostOperationException;

    /** Removes the site's port and namespace; succeeds if they are already gone. */
    void detach(UUID siteId) throws HostOperationException;

    /** Sites whose namespace exists on this host. */
    Set<UUID> attachedSites() throws HostOperationException;

    /** Path of the site's namespace, for the container runtime. */
    Path namespacePath(UUID siteId);
}
