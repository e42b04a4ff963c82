package dev.berth.hostd.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.Archives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecompressorTest {
    private static final ReleaseStore.Limits LIMITS = new ReleaseStore.Limits(100, 1 << 20, 1, 10 << 20);
    private static final String PAGE = "<p>a paragraph of the page, said again and again</p>\n".repeat(50);

    @TempDir
    Path directory;

    private Path release() throws Exception {
        Path release = Files.createDirectories(directory.resolve("releases/r1"));
        Files.writeString(release.resolve("index.html"), PAGE);
        Files.createDirectories(release.resolve("docs"));
        Files.writeString(release.resolve("docs/app.js"), "console.log('entry');\n".repeat(100));
        Files.writeString(release.resolve("small.css"), "body{margin:0}");
        Files.writeString(release.resolve("UPPER.HTML"), PAGE);
        Files.writeString(release.resolve("notes"), PAGE);
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        Files.write(release.resolve("photo.jpg"), noise);
        Files.write(release.resolve("noise.txt"), noise);
        Files.createSymbolicLink(release.resolve("linked.html"), release.resolve("index.html"));
        for (Path file : new Path[] {release.resolve("index.html"), release.resolve("docs/app.js")}) {
            Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-12-01T10:00:00Z")));
        }
        return release;
    }

    private static String gunzip(Path file) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void gzipCopiesOfTextFilesOnlyWhereTheySaveBytesInOneDirectoryPerRelease() throws Exception {
        Path release = release();
        Path variants = directory.resolve("variants");
        new Precompressor(null).compress(release, variants);

        Path copies = variants.resolve("r1");
        assertThat(gunzip(copies.resolve("index.html.gz"))).isEqualTo(PAGE);
        assertThat(gunzip(copies.resolve("docs/app.js.gz"))).isEqualTo(Files.readString(release.resolve("docs/app.js")));
        assertThat(Files.size(copies.resolve("index.html.gz"))).isLessThan(PAGE.length() / 5);
        assertThat(Files.getLastModifiedTime(copies.resolve("index.html.gz"))).isEqualTo(Files.getLastModifiedTime(release.resolve("index.html")));
        assertThat(Files.getPosixFilePermissions(copies.resolve("index.html.gz"))).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        assertThat(copies.resolve("small.css.gz")).as("under 256 bytes").doesNotExist();
        assertThat(copies.resolve("UPPER.HTML.gz")).as("extensions match as the site server's: case-sensitive").doesNotExist();
        assertThat(copies.resolve("notes.gz")).as("no extension").doesNotExist();
        assertThat(copies.resolve("photo.jpg.gz")).as("not a text type").doesNotExist();
        assertThat(copies.resolve("noise.txt.gz")).as("a text type that does not compress").doesNotExist();
        assertThat(copies.resolve("linked.html.gz")).as("links are not followed").doesNotExist();
        assertThat(copies.resolve("index.html.br")).as("no brotli program given").doesNotExist();
        try (var entries = Files.list(variants)) {
            assertThat(entries.map(path -> path.getFileName().toString())).containsExactly("r1");
        }

        // Made once: a second call changes nothing.
        Files.writeString(release.resolve("index.html"), "changed");
        new Precompressor(null).compress(release, variants);
        assertThat(gunzip(copies.resolve("index.html.gz"))).isEqualTo(PAGE);
    }

    @Test
    void brotliCopiesWithDebiansProgram() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/brotli")), "Debian's brotli is not installed");
        Path release = release();
        Path variants = directory.resolve("variants");
        try (Precompressor precompressor = Precompressor.withInstalledTools()) {
            precompressor.submit(release, variants).get();
        }
        Path copy = variants.resolve("r1/index.html.br");
        assertThat(Files.size(copy)).isLessThan(Files.size(variants.resolve("r1/index.html.gz")));
        Process decode = new ProcessBuilder("/usr/bin/brotli", "-d", "-c").start();
        decode.getOutputStream().write(Files.readAllBytes(copy));
        decode.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ByteArrayInputStream(decode.getInputStream().readAllBytes()).transferTo(out);
        assertThat(decode.waitFor()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(PAGE);
    }

    @Test
    void aReleaseInstalledByTheStoreGetsItsCopiesWhichAreNotCountedAsTheTenantsBytes() throws Exception {
        Path sites = directory.resolve("sites");
        try (Precompressor precompressor = Precompressor.withInstalledTools()) {
            ReleaseStore store = new ReleaseStore(sites, LIMITS, precompressor);
            java.util.UUID site = java.util.UUID.randomUUID();
            assertThat(store.install(site, "r1", new ByteArrayInputStream(Archives.tar(Archives.texts(java.util.Map.of("index.html", PAGE))))))
                    .isTrue();
            long diskBefore = store.diskBytes(site);
            precompressor.drain();
            Path copy = store.variants(site).resolve("r1/index.html.gz");
            assertThat(gunzip(copy)).isEqualTo(PAGE);
            ReleaseStore fresh = new ReleaseStore(sites, LIMITS);
            assertThat(fresh.diskBytes(site)).as("copies are not the tenant's bytes").isEqualTo(diskBefore);
        }
    }

    @Test
    void aServedReleaseWithoutCopiesGetsThemWhenTheStoreEnsuresItAndLongNamesAreLeftOut() throws Exception {
        Path sites = directory.resolve("sites");
        java.util.UUID site = java.util.UUID.randomUUID();
        String longName = "n".repeat(248) + ".html";
        // Installed by a hostd without copies (an earlier version, or one stopped before it made them).
        new ReleaseStore(sites, LIMITS).install(site, "r1", new ByteArrayInputStream(Archives.tar(Archives.texts(
                java.util.Map.of("index.html", PAGE, longName, PAGE)))));
        try (Precompressor precompressor = Precompressor.withInstalledTools()) {
            ReleaseStore store = new ReleaseStore(sites, LIMITS, precompressor);
            SiteSpec spec = new SiteSpec(site, "alpha", java.util.UUID.randomUUID(), java.util.List.of("alpha.localhost"), "10.1.1.5",
                    "fd00::5", new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, "r1", 1);
            store.ensure(spec);
            store.ensure(spec);
            precompressor.drain();
            Path copies = store.variants(site).resolve("r1");
            assertThat(gunzip(copies.resolve("index.html.gz"))).isEqualTo(PAGE);
            assertThat(copies.resolve("_welcome")).doesNotExist();
            try (var made = Files.list(copies)) {
                assertThat(made.map(path -> path.getFileName().toString()))
                        .as("no room for a suffix after a 253-byte name: that file is compressed on the fly")
                        .allMatch(name -> name.startsWith("index.html."));
            }
        }
    }

    @Test
    void copiesNeverTakeTheDiskADeployNeedsAndAFailedReleaseIsNotRetriedInALoop() throws Exception {
        Path release = release();
        Path variants = directory.resolve("variants");
        // A reserve of the whole file system: any copy would eat into it.
        try (Precompressor precompressor = new Precompressor(null, 1.0)) {
            precompressor.submit(release, variants).get();
            try (var entries = Files.list(variants)) {
                assertThat(entries).as("nothing kept, not even the half-made directory").isEmpty();
            }
            java.util.concurrent.Future<?> again = precompressor.submit(release, variants);
            assertThat(again.isDone()).as("not queued again within the retry window").isTrue();
        }
        try (Precompressor precompressor = new Precompressor(null, 0.0)) {
            precompressor.submit(release, variants).get();
            assertThat(variants.resolve("r1/index.html.gz")).as("a reserve of nothing: copies are made").exists();
        }
    }
}
