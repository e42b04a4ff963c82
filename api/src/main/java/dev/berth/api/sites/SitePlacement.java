package dev.berth.api.sites;

import java.util.Objects;
import java.util.UUID;

/** Chooses the node a new site lives on. Implementations must be thread-safe. */
public interface SitePlacement {

    /**
     * The node a new site of {@code tenantId} goes to, with the address pool of that node's bridges.
     *
     * @throws dev.berth.api.platform.ProblemException 503 no-node-available when no ready node has room
     */
    Placement place(UUID tenantId);

    /** A chosen node and the pool its site's addresses come from. */
    record Placement(UUID nodeId, ReportedAddressPool addresses) {
        public Placement {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(addresses, "addresses");
        }
    }
}
