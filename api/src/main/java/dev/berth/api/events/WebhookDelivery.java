package dev.berth.api.events;

import java.time.Instant;
import java.util.UUID;

/**
 * One event's way to one endpoint: pending (with the time of its next attempt), succeeded or
 * failed (gave up). {@code responseExcerpt} holds at most the first 1,000 characters of the last answer.
 */
public record WebhookDelivery(UUID id, UUID endpointId, UUID eventId, UUID tenantId, String eventType, String status, int attempts,
                              Instant nextAttemptAt, Instant giveUpAt, Instant lastAttemptAt, Integer responseStatus, String responseExcerpt,
                              String lastError, Instant createdAt, Instant deliveredAt) {
    public static final String PENDING = "pending";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
}
