package dev.berth.api.events;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A tenant's webhook endpoint as stored.
 *
 * @param eventTypes comma-separated wire names of the event types it receives
 * @param secret     {@code whsec_...}; shown to the tenant only when the endpoint is created
 */
public record WebhookEndpoint(UUID id, UUID tenantId, String url, String description, String eventTypes, String secret, boolean enabled,
                              long version, Instant createdAt, Instant updatedAt) {

    public List<EventType> types() {
        return Arrays.stream(eventTypes.split(",")).filter(name -> !name.isEmpty())
                .map(name -> EventType.fromWire(name).orElseThrow()).toList();
    }
}
