package dev.berth.api.tenants;

import java.time.Instant;
import java.util.UUID;

/** A customer account: owns users, sites and a quota. */
public record Tenant(UUID id, String name, Instant createdAt) {
}
