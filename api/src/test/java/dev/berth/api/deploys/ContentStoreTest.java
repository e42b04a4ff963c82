package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.Tenant;
import dev.berth.api.tenants.TenantDao;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Releases stored, deduplicated and read back byte for byte, on H2 and PostgreSQL with the real changelog. */
class ContentStoreTest {
    private static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");
    /** A deploy's tar carries the clock's time, nanoseconds and all. */
    private static final Instant TAR_TIME = Instant.parse("2026-12-05T07:59:58.123456789Z");

    @TempDir
    Path spool;

    /** A normalized tar of {@code files} (path -> content), as the importer writes it. */
    static Path tar(Path directory, Map<String, byte[]> files) throws IOException {
        Path tar = Files.createTempFile(directory, "release-", ".tar");
        try (OutputStream out = Files.newOutputStream(tar);
             NormalizedTarWriter writer = new NormalizedTarWriter(out, ContentLimits.defaults(), TAR_TIME)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                writer.addFile(file.getKey(), file.getValue().length, new ByteArrayInputStream(file.getValue()));
            }
        }
        return tar;
    }

    private static final java.util.concurrent.atomic.AtomicInteger SITE_ADDRESSES = new java.util.concurrent.atomic.AtomicInteger(1);

    /** A tenant with one site; the content store's manifests belong to a site. */
    static UUID site(Jdbi jdbi) {
        Tenant tenant = new Tenant(UUID.randomUUID(), "c" + UUID.randomUUID().toString().substring(0, 8), NOW);
        // Addresses are unique per site: each call takes the next number, never a random one that two sites could share.
        int n = SITE_ADDRESSES.getAndIncrement();
        Site site = new Site(UUID.randomUUID(), tenant.id(), null, "c" + UUID.randomUUID().toString().substring(0, 8),
                "10.7." + (n / 250) + "." + (1 + n % 250), "fd00::7:" + Integer.toHexString(n), "running", "running",
                null, 1, 1, null, NOW, NOW, null, null);
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), new Quota(10, 10, 1000, 512, 256, 1024, 100, 600), NOW);
            handle.attach(SiteDao.class).insert(site);
        });
        return site.id();
    }

    static Map<String, byte[]> theme(String page) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("index.html", ("<h1>" + page + "</h1>").getBytes(StandardCharsets.UTF_8));
        files.put("assets/css/theme.css", "body { color: #123 }".getBytes(StandardCharsets.UTF_8));
        files.put("assets/empty.txt", new byte[0]);
        files.put("naïve/ünïcode.html", "<p>ü</p>".getBytes(StandardCharsets.UTF_8));
        return files;
    }

    private static byte[] readBack(ContentStore store, String releaseId) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.writeTar(releaseId, out);
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aStoredReleaseComesBackAsTheSameTarByteForByte(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, Clock.fixed(NOW, ZoneOffset.UTC));
        UUID siteId = site(jdbi);
        Map<String, byte[]> files = theme("home");
        byte[] large = new byte[ContentStore.CHUNK_BYTES * 2 + 12345];
        new java.util.Random(7).nextBytes(large);
        files.put("video/large.bin", large);
        Path tar = tar(spool, files);

        ReleaseManifest manifest = store.put(siteId, "r1", tar);

        assertThat(manifest.files()).isEqualTo(5);
        assertThat(manifest.bytes()).isEqualTo(files.values().stream().mapToLong(bytes -> bytes.length).sum());
        assertThat(readBack(store, "r1")).isEqualTo(Files.readAllBytes(tar));
        assertThat(store.storedBytes()).isEqualTo(manifest.bytes());
        long chunks = jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM content_chunks").mapTo(Long.class).one());
        assertThat(chunks).as("three chunks of the large file, one each of the three non-empty small ones").isEqualTo(6);
        // Storing it again changes nothing.
        assertThat(store.put(siteId, "r1", tar)).isEqualTo(manifest);
        assertThat(store.manifest("r1")).contains(manifest);
        assertThat(store.manifest("r2")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void filesSharedAcrossReleasesSitesAndTenantsAreStoredOnce(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, Clock.fixed(NOW, ZoneOffset.UTC));
        UUID first = site(jdbi);
        UUID second = site(jdbi);
        ReleaseManifest a = store.put(first, "a1", tar(spool, theme("first")));
        long afterFirst = store.storedBytes();
        ReleaseManifest b = store.put(second, "b1", tar(spool, theme("second")));

        // Only the different index.html is new.
        assertThat(store.storedBytes() - afterFirst).isEqualTo("<h1>second</h1>".length());
        assertThat(a.bytes() + b.bytes()).isGreaterThan(store.storedBytes());
        assertThat(new String(readBack(store, "b1"), StandardCharsets.UTF_8)).contains("<h1>second</h1>");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void concurrentDeploysOfTheSameNewFilesBothSucceed(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, Clock.fixed(NOW, ZoneOffset.UTC));
        UUID siteId = site(jdbi);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            files.put("page-" + i + ".html", ("shared page " + i + " " + name).getBytes(StandardCharsets.UTF_8));
        }
        Path tar = tar(spool, files);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Callable<ReleaseManifest> one = () -> store.put(siteId, "c-" + UUID.randomUUID().toString().substring(0, 8), tar);
            java.util.List<Future<ReleaseManifest>> results = pool.invokeAll(java.util.List.of(one, one, one, one));
            for (Future<ReleaseManifest> result : results) {
                assertThat(readBack(store, result.get().releaseId())).isEqualTo(Files.readAllBytes(tar));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.storedBytes()).isEqualTo(files.values().stream().mapToLong(bytes -> bytes.length).sum());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void storedBytesThatNoLongerMatchTheirHashAreNotHandedOut(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, Clock.fixed(NOW, ZoneOffset.UTC));
        store.put(site(jdbi), "bad", tar(spool, theme("bitrot")));
        byte[] rotten = "<h1>bitrOt</h1>".getBytes(StandardCharsets.UTF_8);
        jdbi.useHandle(handle -> handle.createUpdate("""
                UPDATE content_chunks SET bytes = :bytes
                 WHERE sha256 = (SELECT sha256 FROM release_files WHERE release_id = 'bad' AND path = 'index.html')
                """).bind("bytes", rotten).execute());

        assertThatThrownBy(() -> readBack(store, "bad")).isInstanceOf(IOException.class).hasMessageContaining("does not match its hash");
        assertThatThrownBy(() -> readBack(store, "never")).isInstanceOf(java.util.NoSuchElementException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aBlobIsStoredOnlyWhenItsBytesHashToItsNameAndFitTheLimit(String name, Jdbi jdbi) throws Exception {
        ContentStore store = new ContentStore(jdbi, Clock.fixed(NOW, ZoneOffset.UTC));
        byte[] large = new byte[ContentStore.CHUNK_BYTES + 17];
        new java.util.Random(name.hashCode()).nextBytes(large);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(large));
        long blobsBefore = jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM content_blobs").mapTo(Long.class).one());

        assertThatThrownBy(() -> store.putBlob(sha, new ByteArrayInputStream(java.util.Arrays.copyOf(large, large.length - 1)), large.length))
                .isInstanceOf(ContentRefusedException.class).hasMessageContaining("SHA-256");
        assertThatThrownBy(() -> store.putBlob(sha, new ByteArrayInputStream(large), large.length - 1))
                .isInstanceOf(ContentRefusedException.class).hasMessageContaining("larger than");
        assertThat(store.heldBlobs(java.util.List.of(sha))).isEmpty();
        long blobsAfter = jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM content_blobs").mapTo(Long.class).one());
        assertThat(blobsAfter).as("a refused blob leaves no row behind").isEqualTo(blobsBefore);

        assertThat(store.putBlob(sha, new ByteArrayInputStream(large), large.length)).isTrue();
        // Held already: nothing is stored again, but the bytes must still be the file (the store is shared by every tenant).
        assertThatThrownBy(() -> store.putBlob(sha, new ByteArrayInputStream(new byte[0]), large.length))
                .isInstanceOf(ContentRefusedException.class).hasMessageContaining("SHA-256");
        assertThat(store.putBlob(sha, new ByteArrayInputStream(large), large.length)).isFalse();
        assertThat(store.heldBlobs(java.util.List.of(sha, "0".repeat(64)))).containsOnlyKeys(sha).containsEntry(sha, (long) large.length);

        // A release written from held blobs reads back with the same bytes.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentCounts counts = store.writeTar(java.util.List.of(new ContentDao.Entry(0, "media/large.bin", sha, NormalizedTarWriter.FILE_MODE,
                large.length)), ContentLimits.defaults(), NOW, out);
        assertThat(counts.files()).isEqualTo(1);
        try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream tar =
                     new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            assertThat(tar.getNextEntry().getName()).isEqualTo("media/");
            assertThat(tar.getNextEntry().getName()).isEqualTo("media/large.bin");
            assertThat(tar.readAllBytes()).isEqualTo(large);
        }
    }
}
