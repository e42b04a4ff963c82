package dev.berth.api.sites;

import java.time.Instant;
import java.util.UUID;

/**
 * A branch preview: the site {@code siteId} serves branch {@code branch} of the Git source of
 * {@code parentSiteId}.
 *
 * @param lastPushAt the last push to the branch; the preview expires {@code deploys.previewDays} after it
 */
public record Preview(UUID siteId, UUID parentSiteId, String branch, Instant lastPushAt) {
}
