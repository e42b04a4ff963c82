package dev.berth.api.nodes;

import java.time.Instant;
import java.util.UUID;

/**
 * One hostd the platform drives, as the registry holds it.
 *
 * @param url          where the API reaches the node: {@code unix:///PATH} (its local socket) or
 *                     {@code https://HOST:PORT} (mutual TLS)
 * @param capacitySites how many sites placement puts on the node at most
 * @param state        {@link #READY}, {@link #CORDONED}, {@link #DRAINING} or {@link #LOST}
 * @param lastSeenAt   when the node last answered the reconciler, or null before it ever did
 * @param lastError    why the node did not answer the last time, or null while it answers
 * @param sites        the sites placed on the node (its row count in {@code sites})
 */
public record Node(UUID id, String name, String url, String publicIpv4, String publicIpv6, int capacitySites, String state,
                   Instant lastSeenAt, String lastError, Instant createdAt, int sites) {
    public static final String READY = "ready";
    public static final String CORDONED = "cordoned";
    public static final String DRAINING = "draining";
    public static final String LOST = "lost";

    /** Sites placement may still put here. */
    public int freeCapacity() {
        return Math.max(0, capacitySites - sites);
    }
}
