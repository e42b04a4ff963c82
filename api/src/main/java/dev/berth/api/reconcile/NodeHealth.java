package dev.berth.api.reconcile;

import java.time.Instant;
import java.util.UUID;

/** Told, at each pass, whether each node answered the reconciler: the registry's heartbeat. */
public interface NodeHealth {
    void answered(UUID nodeId, Instant at);

    void unreachable(UUID nodeId, String error, Instant at);
}
