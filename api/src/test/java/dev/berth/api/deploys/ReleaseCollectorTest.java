package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.sites.SiteDao;
import dev.berth.testkit.MutableClock;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The content store's mark and sweep, its grace period and site deletion, on H2 and PostgreSQL. */
class ReleaseCollectorTest {
    private static final Duration GRACE = Duration.ofHours(1);

    @TempDir
    Path spool;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T08:00:00Z"));

    /** Deploys release {@code releaseId} of {@code siteId}, whose only page is unique to it, and stores it. */
    private void deploy(Jdbi jdbi, ContentStore store, UUID siteId, String releaseId, String status) throws Exception {
        clock.advance(Duration.ofSeconds(1));
        Instant now = clock.instant();
        UUID tenantId = jdbi.withExtension(SiteDao.class, dao -> dao.findById(siteId)).orElseThrow().tenantId();
        Map<String, byte[]> files = ContentStoreTest.theme(releaseId);
        store.put(siteId, releaseId, ContentStoreTest.tar(spool, files));
        Deploy deploy = new Deploy(UUID.randomUUID(), siteId, tenantId, "upload", null, null, releaseId, status, 1L, 10, 4, null, null,
                now, now, null);
        jdbi.useExtension(DeployDao.class, dao -> dao.insert(deploy));
        if (status.equals(Deploy.LIVE)) {
            jdbi.useExtension(SiteDao.class, dao -> dao.setRelease(siteId, releaseId, now));
        }
    }

    /** A collector of a platform keeping two releases per site. */
    private ReleaseCollector collector(Jdbi jdbi) {
        return new ReleaseCollector(jdbi, new StoredReleases(jdbi, 2), clock, GRACE);
    }

    private static boolean readable(ContentStore store, String releaseId) {
        try {
            store.writeTar(releaseId, new ByteArrayOutputStream());
            return true;
        } catch (Exception missing) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void releasesNoLongerKeptAndTheirBlobsGoOnceTheGracePeriodIsOver(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, clock);
        ReleaseCollector collector = collector(jdbi);
        UUID siteId = ContentStoreTest.site(jdbi);
        deploy(jdbi, store, siteId, "r1", Deploy.SUPERSEDED);
        deploy(jdbi, store, siteId, "r2", Deploy.SUPERSEDED);
        deploy(jdbi, store, siteId, "r3", Deploy.SUPERSEDED);
        deploy(jdbi, store, siteId, "r4", Deploy.LIVE);
        long before = store.storedBytes();

        // Within the grace period nothing goes, kept or not.
        assertThat(collector.collect()).isEqualTo(new ReleaseCollector.Collected(0, 0));

        clock.advance(GRACE.plusMinutes(1));
        // r1 and r2 are no longer kept: their manifests go, and so do their index pages (the theme is shared).
        assertThat(collector.collect()).isEqualTo(new ReleaseCollector.Collected(2, 2));
        assertThat(store.manifest("r1")).isEmpty();
        assertThat(store.manifest("r2")).isEmpty();
        assertThat(readable(store, "r3")).isTrue();
        assertThat(readable(store, "r4")).isTrue();
        assertThat(store.storedBytes()).isEqualTo(before - "<h1>r1</h1>".length() - "<h1>r2</h1>".length());
        // A second pass finds nothing more.
        assertThat(collector.collect()).isEqualTo(new ReleaseCollector.Collected(0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aBlobNothingReferencesYetIsNotSweptWithinTheGracePeriod(String name, Jdbi jdbi) {
        ContentStore store = new ContentStore(jdbi, clock);
        ReleaseCollector collector = collector(jdbi);
        // A deploy that wrote its blob and has not written its manifest yet.
        jdbi.useExtension(ContentDao.class, dao -> dao.insertBlob("a".repeat(64), 3, clock.instant()));
        clock.advance(GRACE.minusSeconds(1));
        assertThat(collector.collect().blobs()).isZero();
        assertThat(store.storedBytes()).isEqualTo(3);

        // Reused by the next deploy: touched, so its grace period starts again.
        jdbi.useExtension(ContentDao.class, dao -> dao.touchBlob("a".repeat(64), clock.instant()));
        clock.advance(Duration.ofSeconds(2));
        assertThat(collector.collect().blobs()).isZero();

        clock.advance(GRACE);
        assertThat(collector.collect().blobs()).isEqualTo(1);
        assertThat(store.storedBytes()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void deletingASiteDeletesItsManifestsAndTheCollectorItsUnsharedBlobs(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, clock);
        ReleaseCollector collector = collector(jdbi);
        UUID kept = ContentStoreTest.site(jdbi);
        UUID deleted = ContentStoreTest.site(jdbi);
        deploy(jdbi, store, kept, "k1", Deploy.LIVE);
        deploy(jdbi, store, deleted, "d1", Deploy.LIVE);

        jdbi.useHandle(handle -> handle.createUpdate("UPDATE sites SET delete_requested_at = :now WHERE id = :id")
                .bind("now", clock.instant()).bind("id", deleted).execute());
        jdbi.useExtension(SiteDao.class, dao -> dao.deleteRow(deleted));
        assertThat(store.manifest("d1")).isEmpty();
        clock.advance(GRACE.plusMinutes(1));

        assertThat(collector.collect()).isEqualTo(new ReleaseCollector.Collected(0, 1));
        assertThat(readable(store, "k1")).isTrue();
        // Only d1's own index page went; the theme files k1 shares with it stay.
        assertThat(store.storedBytes()).isEqualTo(ContentStoreTest.theme("k1").values().stream().mapToLong(bytes -> bytes.length).sum());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aBlobOnlyAnUploadingManifestNamesIsKeptPastTheGracePeriod(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, clock);
        UUID siteId = ContentStoreTest.site(jdbi);
        UUID tenantId = jdbi.withExtension(SiteDao.class, dao -> dao.findById(siteId)).orElseThrow().tenantId();
        byte[] page = ("<p>uploaded first " + name + "</p>").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(page));
        Instant now = clock.instant();
        Deploy uploading = new Deploy(UUID.randomUUID(), siteId, tenantId, "manifest", null, null, "m1", Deploy.UPLOADING, null, 0, 0,
                null, null, now, now, null);
        jdbi.useExtension(DeployDao.class, dao -> {
            dao.insert(uploading);
            dao.insertManifestFiles(uploading.id(), java.util.List.of(new DeployDao.ManifestFile(0, "index.html", sha)));
        });
        assertThat(store.putBlob(sha, new java.io.ByteArrayInputStream(page), page.length)).isTrue();

        clock.advance(GRACE.plusMinutes(1));
        collector(jdbi).collect();
        assertThat(store.heldBlobs(java.util.List.of(sha))).containsEntry(sha, (long) page.length);

        // Once the manifest is gone (the deploy installed or failed), the next pass sweeps it.
        jdbi.useExtension(DeployDao.class, dao -> dao.deleteManifestFiles(uploading.id()));
        collector(jdbi).collect();
        assertThat(store.heldBlobs(java.util.List.of(sha))).isEmpty();
    }
}
