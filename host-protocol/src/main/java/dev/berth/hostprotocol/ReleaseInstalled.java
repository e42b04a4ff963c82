package dev.berth.hostprotocol;

import java.util.UUID;

/**
 * The answer to a release upload ({@code PUT /v1/sites/{siteId}/releases/{release}}): {@code installed}
 * is true (HTTP 201) when this upload installed it, false (200) when the host held it already.
 */
public record ReleaseInstalled(UUID siteId, String release, boolean installed) {
}
