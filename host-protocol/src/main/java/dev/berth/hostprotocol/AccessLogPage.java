package dev.berth.hostprotocol;

import java.util.List;
import java.util.UUID;

/** A site's last requests, newest first ({@code GET /v1/sites/{siteId}/access-log?lines=N}). */
public record AccessLogPage(UUID siteId, List<AccessLogEntry> entries) {
    public AccessLogPage {
        entries = entries == null ? List.of() : List.copyOf(entries);
    }
}
