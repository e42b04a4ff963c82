package dev.berth.api.deploys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content store's garbage collector, a mark and sweep: it drops the manifests of releases no
 * longer kept (the {@link StoredReleases} rule: per site the newest {@code releasesKept} and the one
 * served), then the blobs no manifest references. Nothing younger than the grace period is touched:
 * a release being stored is not kept yet, and a blob a concurrent deploy is reusing was touched by
 * it, so neither is swept under it. A deleted site's manifests go with its row. {@link #collect()}
 * is synchronized; the composition root runs it periodically on a
 * {@link dev.berth.api.platform.NudgeableLoop}. A collection that loses a race with a deploy (a
 * lock, a serialization failure) throws, and the next one tries again.
 */
public final class ReleaseCollector {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseCollector.class);
    private static final int DELETE_BATCH = 500;

    private final Jdbi jdbi;
    private final StoredReleases stored;
    private final Clock clock;
    private final Duration grace;

    public ReleaseCollector(Jdbi jdbi, StoredReleases stored, Clock clock, Duration grace) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("the grace period must not be negative");
        }
        this.jdbi = jdbi;
        this.stored = stored;
        this.clock = clock;
        this.grace = grace;
    }

    /** What one collection removed. */
    public record Collected(int manifests, int blobs) {
    }

    /** One mark and sweep; logs what it removed. */
    public synchronized Collected collect() {
        Instant cutoff = clock.instant().minus(grace);
        int manifests = 0;
        for (UUID siteId : jdbi.withExtension(ContentDao.class, ContentDao::sitesWithManifests)) {
            Set<String> kept = new HashSet<>(stored.kept(siteId));
            List<String> dropped = jdbi.withExtension(ContentDao.class, dao -> dao.manifestsOf(siteId)).stream()
                    .filter(manifest -> !kept.contains(manifest.releaseId()) && manifest.createdAt().isBefore(cutoff))
                    .map(ReleaseManifest::releaseId)
                    .toList();
            for (int from = 0; from < dropped.size(); from += DELETE_BATCH) {
                List<String> batch = dropped.subList(from, Math.min(dropped.size(), from + DELETE_BATCH));
                manifests += jdbi.withExtension(ContentDao.class, dao -> dao.deleteManifests(batch));
            }
        }
        int blobs = jdbi.withExtension(ContentDao.class, dao -> dao.deleteUnreferencedBlobs(cutoff));
        if (manifests > 0 || blobs > 0) {
            LOG.info("Content store: dropped {} releases no longer kept and {} blobs nothing references", manifests, blobs);
        }
        return new Collected(manifests, blobs);
    }
}
