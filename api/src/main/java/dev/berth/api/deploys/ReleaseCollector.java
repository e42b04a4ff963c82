package dev.berth.api.deploys;

import dev.berth.api.platform.NudgeableLoop;
import io.dropwizard.lifecycle.Managed;
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
 * it, so neither is swept under it. A deleted site's manifests go with its row. Runs on one thread
 * every {@code interval}; {@link #collect()} may also be called directly.
 */
public final class ReleaseCollector implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseCollector.class);
    private static final int DELETE_BATCH = 500;

    private final Jdbi jdbi;
    private final StoredReleases stored;
    private final Clock clock;
    private final Duration grace;
    private final NudgeableLoop loop;

    public ReleaseCollector(Jdbi jdbi, StoredReleases stored, Clock clock, Duration grace, Duration interval) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("the grace period must not be negative");
        }
        this.jdbi = jdbi;
        this.stored = stored;
        this.clock = clock;
        this.grace = grace;
        this.loop = new NudgeableLoop("release-collector", interval, this::collectLogged);
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() throws InterruptedException {
        loop.stop();
    }

    /** What one collection removed. */
    public record Collected(int manifests, int blobs) {
    }

    /** One mark and sweep. */
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
        return new Collected(manifests, blobs);
    }

    private void collectLogged() {
        try {
            Collected collected = collect();
            if (collected.manifests() > 0 || collected.blobs() > 0) {
                LOG.info("Content store: dropped {} releases no longer kept and {} blobs nothing references",
                        collected.manifests(), collected.blobs());
            }
        } catch (RuntimeException failure) {
            // A sweep that lost a race with a deploy (a lock, a serialization failure) tries again next time.
            LOG.warn("Content store collection failed; it runs again in the next interval", failure);
        }
    }
}
