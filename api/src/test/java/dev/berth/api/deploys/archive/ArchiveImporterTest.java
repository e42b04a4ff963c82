package dev.berth.api.deploys.archive;

import static dev.berth.api.deploys.archive.HostileArchives.directory;
import static dev.berth.api.deploys.archive.HostileArchives.file;
import static dev.berth.api.deploys.archive.HostileArchives.tarGz;
import static dev.berth.api.deploys.archive.HostileArchives.unixEntry;
import static dev.berth.api.deploys.archive.HostileArchives.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.deploys.ContentCounts;
import dev.berth.api.deploys.ContentLimits;
import dev.berth.api.deploys.ContentRefusedException;
import dev.berth.api.deploys.ContentRefusedException.Rule;
import dev.berth.api.deploys.TarAudit;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ArchiveImporterTest {
    private static final Instant RELEASE_TIME = Instant.parse("2026-11-29T00:00:00Z");
    private static final ArchiveFormat ZIP = ArchiveFormat.ZIP;
    private static final ArchiveFormat TGZ = ArchiveFormat.TAR_GZIP;

    @TempDir
    Path temp;
    private Path staging;
    private Path extractionParent;
    private Path siteRoot;
    private ArchiveImporter importer;

    @BeforeEach
    void createStagingArea() throws IOException {
        staging = Files.createDirectories(temp.resolve("staging"));
        extractionParent = Files.createDirectories(temp.resolve("releases"));
        siteRoot = Files.createDirectories(extractionParent.resolve("release-1"));
        Files.writeString(extractionParent.resolve("live-marker"), "previous content");
        importer = new ArchiveImporter(staging);
    }

    /** One archive of the corpus: what it is, its bytes, and the rule that must refuse it (null: published). */
    record Case(ArchiveFormat format, byte[] bytes, Rule expected) {
    }

    static Stream<Arguments> corpus() {
        return ArchiveCorpus.all().stream()
                .map(archive -> Arguments.of(Named.of(archive.description(), new Case(archive.format(), archive.bytes(), archive.expected()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void everyArchiveOfTheCorpusIsRefusedForItsRuleOrPublishedSafely(Case archive) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        if (archive.expected() != null) {
            assertThatThrownBy(() -> run(archive.format(), archive.bytes(), Limits.defaults(), sink))
                    .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(archive.expected()))
                    .hasMessageNotContaining("\0");
            assertThat(sink.size()).as("a refused archive sends the host nothing").isZero();
        } else {
            run(archive.format(), archive.bytes(), Limits.defaults(), sink);
            TarAudit.extract(sink.toByteArray(), siteRoot);
        }
        assertNoStagingResidueAndNothingOutsideTheRelease();
    }

    @Test
    void theCorpusHasAtLeastFortyArchives() {
        assertThat(corpus().count()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void aZipWhoseContentSitsInOneFolderIsPublishedFromInsideIt() throws Exception {
        byte[] upload = zip(zip -> {
            directory(zip, "html");
            file(zip, "html/index.html", "<h1>home</h1>");
            file(zip, "html/css/site.css", "body{}");
        });
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ContentCounts counts = run(ZIP, upload, Limits.defaults(), sink);
        Map<String, byte[]> files = TarAudit.extract(sink.toByteArray(), siteRoot);
        assertThat(files).containsOnlyKeys("index.html", "css/site.css");
        assertThat(new String(files.get("index.html"), StandardCharsets.UTF_8)).isEqualTo("<h1>home</h1>");
        assertThat(counts).isEqualTo(new ContentCounts(2, 1, 19));
    }

    @Test
    void finderMetadataDoesNotPreventStrippingTheFolder() throws Exception {
        byte[] upload = zip(zip -> {
            file(zip, "site/index.html", "home");
            file(zip, "__MACOSX/site/._index.html", "resource fork");
        });
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        run(ZIP, upload, Limits.defaults(), sink);
        assertThat(TarAudit.extract(sink.toByteArray(), siteRoot)).containsOnlyKeys("index.html");
    }

    @Test
    void aTopLevelFileNextToAFolderKeepsTheLayout() throws Exception {
        byte[] upload = tarGz(tar -> {
            file(tar, "index.html", "home");
            file(tar, "blog/post.html", "post");
        });
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        run(TGZ, upload, Limits.defaults(), sink);
        assertThat(TarAudit.extract(sink.toByteArray(), siteRoot)).containsOnlyKeys("index.html", "blog/post.html");
    }

    @Test
    void publishedContentIsByteForByteTheUploadedContent() throws Exception {
        byte[] binary = new byte[300_000];
        new Random(7).nextBytes(binary);
        byte[] upload = HostileArchives.streamedZip(zip -> {
            file(zip, "img/photo.jpg", binary);
            file(zip, "index.html", "home");
        });
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ContentCounts counts = run(ZIP, upload, Limits.defaults(), sink);
        assertThat(TarAudit.extract(sink.toByteArray(), siteRoot).get("img/photo.jpg")).isEqualTo(binary);
        assertThat(counts.bytes()).isEqualTo(binary.length + 4);
    }

    @Test
    void filesAServerCouldRunArePublishedByteForByteUnderTheirOwnNames() throws Exception {
        for (Map.Entry<ArchiveFormat, byte[]> upload : Map.of(ZIP, ArchiveCorpus.inertContentZip(), TGZ,
                ArchiveCorpus.inertContentTarGz()).entrySet()) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            run(upload.getKey(), upload.getValue(), Limits.defaults(), sink);
            Map<String, byte[]> published = TarAudit.extract(sink.toByteArray(), Files.createTempDirectory(temp, "inert"));
            assertThat(published).hasSameSizeAs(dev.berth.testkit.InertContent.files());
            for (dev.berth.testkit.InertContent.File file : dev.berth.testkit.InertContent.files()) {
                assertThat(published.get(file.path())).as(file.path()).isEqualTo(file.bytes());
            }
        }
    }

    @Test
    void aZipBombIsRefusedForItsRatioAfterUnpackingOnlyAFewMebibytes() throws Exception {
        byte[] bomb = HostileArchives.zipBomb(64, 64L << 20); // 4 GiB of zeros
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> run(ZIP, bomb, Limits.defaults(), sink))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> {
                    assertThat(refused.rule()).isEqualTo(Rule.COMPRESSION_RATIO);
                    assertThat(unpackedBytesIn(refused.getMessage())).as("bytes unpacked before stopping").isLessThan(200L << 20);
                });
        assertThat(sink.size()).isZero();
        assertNoStagingResidueAndNothingOutsideTheRelease();
    }

    @Test
    void aNestedZipBombIsPublishedAsAFileWithoutBeingExpanded() throws Exception {
        byte[] inner = HostileArchives.zipBomb(16, 64L << 20);
        byte[] outer = zip(zip -> file(zip, "42.zip", inner));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThat(run(ZIP, outer, Limits.defaults(), sink).bytes()).isEqualTo(inner.length);
        assertThat(TarAudit.extract(sink.toByteArray(), siteRoot).get("42.zip")).isEqualTo(inner);
    }

    @Test
    void aTarGzBombIsRefusedForItsRatioLongBeforeItIsRead() throws Exception {
        HostileArchives.Lazy bomb = HostileArchives.tarGzBomb(900L << 20);
        assertThatThrownBy(() -> importer.importArchive(TGZ, bomb.input(), Limits.defaults(), RELEASE_TIME, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.COMPRESSION_RATIO));
        bomb.input().close();
        assertThat(bomb.producedBytes()).isLessThan(64L << 20);
        assertNoStagingResidueAndNothingOutsideTheRelease();
    }

    @Test
    void compressibleContentUnderOneMebibytePassesTheRatioCheck() throws Exception {
        byte[] upload = zip(zip -> file(zip, "zeros.txt", new byte[900_000]));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThat(run(ZIP, upload, Limits.defaults(), sink).bytes()).isEqualTo(900_000);
    }

    @Test
    void aMillionTinyZipEntriesAreRefusedFromTheCentralDirectoryBeforeAnyIsUnpacked() throws Exception {
        // A zip's entry count is only known from its central directory, at the end of the upload.
        Path archive = temp.resolve("million.zip");
        HostileArchives.manyTinyZipEntries(archive, 1_000_000);
        assertThatThrownBy(() -> {
            try (InputStream upload = Files.newInputStream(archive)) {
                importer.importArchive(ZIP, upload, Limits.defaults(), RELEASE_TIME, new ByteArrayOutputStream());
            }
        })
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.TOO_MANY_ENTRIES))
                .hasMessageContaining("more than 20000 entries (the zip declares 1000000)");
        assertNoStagingResidueAndNothingOutsideTheRelease();
    }

    @Test
    void aMillionTinyTarEntriesAreRefusedAfterTheEntryLimit() throws Exception {
        HostileArchives.Lazy archive = HostileArchives.manyTinyTarEntries(1_000_000);
        assertThatThrownBy(() -> importer.importArchive(TGZ, archive.input(), Limits.defaults(), RELEASE_TIME, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.TOO_MANY_ENTRIES));
        archive.input().close();
        assertThat(archive.producedBytes()).isLessThan(100_000);
    }

    @Test
    void contentOverTheDiskQuotaIsRefusedBeforeItIsCopied() throws Exception {
        byte[] upload = zip(zip -> file(zip, "big.bin", ArchiveCorpus.randomText(2_000_000)));
        Limits quota = Limits.defaults().forTenant(Limits.DEFAULT_MAX_UPLOAD_BYTES, 1_000_000);
        assertThatThrownBy(() -> run(ZIP, upload, quota, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.TOO_MANY_BYTES));
        byte[] streamed = HostileArchives.streamedZip(zip -> file(zip, "big.bin", ArchiveCorpus.randomText(2_000_000)));
        assertThatThrownBy(() -> run(ZIP, streamed, quota, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.TOO_MANY_BYTES));
        assertNoStagingResidueAndNothingOutsideTheRelease();
    }

    @Test
    void anUploadOverTheUploadLimitIsRefusedWhileReading() {
        byte[] upload = tarGz(tar -> file(tar, "index.html", ArchiveCorpus.randomText(200_000)));
        Limits small = Limits.defaults().forTenant(10_000, ContentLimits.DEFAULT_MAX_TOTAL_BYTES);
        assertThatThrownBy(() -> run(TGZ, upload, small, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.UPLOAD_TOO_LARGE));
    }

    @Test
    void tarNamesThatAreNotUtf8AreSanitizedNotRefused() throws Exception {
        byte[] upload = tarGz("ISO-8859-1", tar -> file(tar, "caf\u00e9.html", "x"));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        run(TGZ, upload, Limits.defaults(), sink);
        assertThat(TarAudit.extract(sink.toByteArray(), siteRoot)).containsOnlyKeys("caf?.html");
    }

    @Test
    void refusalMessagesStateTheRuleAndTheEntry() {
        assertThatThrownBy(() -> run(ZIP, zip(zip -> file(zip, "a/../../etc/passwd", "x")), Limits.defaults(), new ByteArrayOutputStream()))
                .hasMessage("entry 'a/../../etc/passwd' has a '..' segment and could escape the site directory");
        assertThatThrownBy(() -> run(ZIP, zip(zip -> file(zip, "a\0b", "x")), Limits.defaults(), new ByteArrayOutputStream()))
                .hasMessage("entry 'a\\u0000b' has a NUL or control character in its name");
    }

    @Test
    void theTarIsNormalizedWhateverTheArchiveSaid() throws Exception {
        byte[] upload = zip(zip -> {
            unixEntry(zip, "script.sh", 0100777, "#!/bin/sh");
            unixEntry(zip, "private.html", 0100600, "x");
        });
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        run(ZIP, upload, Limits.defaults(), sink);
        assertThat(TarAudit.extract(sink.toByteArray(), siteRoot)).containsOnlyKeys("script.sh", "private.html");
    }

    private ContentCounts run(ArchiveFormat format, byte[] upload, Limits limits, ByteArrayOutputStream sink) throws IOException {
        try (InputStream in = new ByteArrayInputStream(upload)) {
            return importer.importArchive(format, in, limits, RELEASE_TIME, sink);
        }
    }

    private void assertNoStagingResidueAndNothingOutsideTheRelease() throws IOException {
        try (Stream<Path> residue = Files.list(staging)) {
            assertThat(residue).as("staging residue").isEmpty();
        }
        try (Stream<Path> siblings = Files.list(extractionParent)) {
            assertThat(siblings.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder("release-1", "live-marker");
        }
        assertThat(Files.readString(extractionParent.resolve("live-marker"))).isEqualTo("previous content");
        try (Stream<Path> everything = Files.walk(temp)) {
            assertThat(everything.filter(Files::isSymbolicLink)).isEmpty();
        }
    }

    private static long unpackedBytesIn(String message) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\((\\d+) bytes from").matcher(message);
        assertThat(matcher.find()).as("message states the unpacked bytes: %s", message).isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
