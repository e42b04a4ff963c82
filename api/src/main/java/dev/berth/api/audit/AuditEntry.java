package dev.berth.api.audit;

import java.time.Instant;
import java.util.UUID;

/**
 * One recorded mutating call: who did what to which object, from where, and how it ended.
 *
 * @param detail what the call said that its target does not keep (the reason for a suspension), or null
 */
public record AuditEntry(UUID id, Instant occurredAt, String actorType, String actorId, String actorLabel, UUID tenantId,
                         String action, String target, String clientAddress, String outcome, Integer status, String detail) {
}
