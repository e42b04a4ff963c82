package dev.berth.hostprotocol;

import java.util.UUID;

/**
 * A site's requests counted since the host started counting ({@code GET /v1/usage/requests} answers
 * one per held site). It only grows while the host runs; a lower value means the host restarted.
 */
public record RequestCounter(UUID siteId, long requests) {
}
