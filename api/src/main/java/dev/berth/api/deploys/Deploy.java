package dev.berth.api.deploys;

import java.time.Instant;
import java.util.UUID;

/**
 * One deploy of a site: an upload, a deploy by manifest, a Git push or a rollback, and the release it installs.
 *
 * @param releaseId   the host's release directory this deploy serves
 * @param generation  the site generation that makes it live, once known
 */
public record Deploy(UUID id, UUID siteId, UUID tenantId, String source, String commitSha, String deliveryId, String releaseId,
                     String status, Long generation, long bytes, int files, String error, String log, Instant createdAt,
                     Instant updatedAt, Instant liveAt) {
    public static final String QUEUED = "queued";
    public static final String UPLOADING = "uploading";
    public static final String UNPACKING = "unpacking";
    public static final String BUILDING = "building";
    public static final String INSTALLING = "installing";
    public static final String LIVE = "live";
    public static final String FAILED = "failed";
    public static final String SUPERSEDED = "superseded";

    /** Whether this deploy got as far as a release the host installed (it may have failed after). */
    public boolean installedRelease() {
        return !(status.equals(FAILED) || status.equals(QUEUED) || status.equals(UPLOADING) || status.equals(UNPACKING) || status.equals(BUILDING));
    }
}
