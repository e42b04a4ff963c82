package dev.berth.api.operations;

import java.time.Instant;
import java.util.UUID;

/**
 * Long-running work a client can follow: starting, stopping or deleting a site.
 *
 * @param error     why it failed, in words a tenant may read
 * @param errorType the {@link dev.berth.api.hosts.HostFault} slug when the host failed it, else null
 */
public record Operation(UUID id, UUID tenantId, UUID siteId, String kind, String target, String status, String error,
                        Instant createdAt, Instant updatedAt, String errorType) {
    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
}
