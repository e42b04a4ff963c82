package dev.berth.api.reconcile;

import dev.berth.api.hosts.SiteHost;
import java.util.Objects;
import java.util.UUID;

/**
 * One node the reconciler converges: the sites placed on it are its desired state, and whatever
 * else it reports holding is removed from it.
 *
 * @param fallback whether sites placed on no node are this node's (the API's configured host, the
 *                 only one there was before the registry)
 */
public record HostTarget(UUID nodeId, String nodeName, SiteHost host, boolean fallback) {
    public HostTarget {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(host, "host");
    }
}
