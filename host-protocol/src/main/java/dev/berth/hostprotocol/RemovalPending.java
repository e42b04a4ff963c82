package dev.berth.hostprotocol;

import java.util.UUID;

/**
 * The answer to a site removal the host could not finish at once (HTTP 202): its spec is gone and
 * the host's orphan sweep removes the rest. A finished removal answers 204 without a body.
 */
public record RemovalPending(UUID siteId, String detail) {
}
