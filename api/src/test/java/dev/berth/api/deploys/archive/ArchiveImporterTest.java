package dev.berth.api.deploys.archive;

import static dev.berth.api.deploys.archive.HostileArchives.directory;
import static dev.berth.api.deploys.archive.HostileArchives.file;
import static dev.berth.api.deploys.archive.HostileArchives.special;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
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
        List<Arguments> cases = new ArrayList<>();
        // Zip Slip and path tricks, in both formats.
        for (String[] slip : new String[][] {
                {"../x", "PARENT_SEGMENT"}, {"a/../../x", "PARENT_SEGMENT"}, {"./../x", "PARENT_SEGMENT"},
                {"a/b/../../../etc/passwd", "PARENT_SEGMENT"}, {"..", "PARENT_SEGMENT"}, {"..\\x", "BACKSLASH"},
                {"a\\..\\..\\x", "BACKSLASH"}, {"/etc/x", "ABSOLUTE_PATH"}, {"//etc/x", "ABSOLUTE_PATH"},
                {"C:/x", "DRIVE_LETTER"}, {"c:x", "DRIVE_LETTER"}, {"a\0.html", "CONTROL_CHARACTER"},
                {"\u001b[31mred.html", "CONTROL_CHARACTER"}, {"line\nbreak.html", "CONTROL_CHARACTER"},
                {"a".repeat(256) + ".html", "SEGMENT_TOO_LONG"}, {"a".repeat(4096), "SEGMENT_TOO_LONG"},
                {"abcd/".repeat(820) + "x", "PATH_TOO_LONG"}}) {
            Rule rule = Rule.valueOf(slip[1]);
            cases.add(of("zip entry '" + slip[0].replace("\0", "\\0") + "' is refused for " + rule, ZIP,
                    zip(zip -> file(zip, slip[0], "owned")), rule));
            if (!slip[0].contains("\0")) { // a tar header ends a name at NUL; covered by the zip case
                cases.add(of("tar entry '" + slip[0] + "' is refused for " + rule, TGZ,
                        tarGz(tar -> file(tar, slip[0], "owned")), rule));
            }
        }
        // Links, devices, FIFOs and special bits.
        cases.add(of("zip symlink is refused", ZIP, zip(zip -> unixEntry(zip, "link", 0120777, "/etc")), Rule.SYMBOLIC_LINK));
        cases.add(of("zip symlink then a file through it is refused at the link", ZIP, zip(zip -> {
            unixEntry(zip, "link", 0120777, "/etc");
            file(zip, "link/passwd", "root::0:0::/:/bin/sh");
        }), Rule.SYMBOLIC_LINK));
        cases.add(of("zip character device is refused", ZIP, zip(zip -> unixEntry(zip, "null", 020666, "")), Rule.DEVICE));
        cases.add(of("zip block device is refused", ZIP, zip(zip -> unixEntry(zip, "sda", 060660, "")), Rule.DEVICE));
        cases.add(of("zip FIFO is refused", ZIP, zip(zip -> unixEntry(zip, "pipe", 010644, "")), Rule.FIFO));
        cases.add(of("zip socket is refused", ZIP, zip(zip -> unixEntry(zip, "sock", 0140644, "")), Rule.SOCKET));
        cases.add(of("zip setuid file is refused", ZIP, zip(zip -> unixEntry(zip, "su", 0104755, "#!")), Rule.SPECIAL_MODE_BITS));
        cases.add(of("zip setgid file is refused", ZIP, zip(zip -> unixEntry(zip, "sg", 0102755, "#!")), Rule.SPECIAL_MODE_BITS));
        cases.add(of("tar symlink then a file through it is refused at the link", TGZ, tarGz(tar -> {
            special(tar, "link", TarConstants.LF_SYMLINK, "/etc", 0);
            file(tar, "link/passwd", "root::0:0::/:/bin/sh");
        }), Rule.SYMBOLIC_LINK));
        cases.add(of("tar hard link to /etc/shadow is refused", TGZ,
                tarGz(tar -> special(tar, "shadow", TarConstants.LF_LINK, "/etc/shadow", 0)), Rule.HARD_LINK));
        cases.add(of("tar character device is refused", TGZ, tarGz(tar -> special(tar, "null", TarConstants.LF_CHR, null, 0)), Rule.DEVICE));
        cases.add(of("tar block device is refused", TGZ, tarGz(tar -> special(tar, "sda", TarConstants.LF_BLK, null, 0)), Rule.DEVICE));
        cases.add(of("tar FIFO is refused", TGZ, tarGz(tar -> special(tar, "pipe", TarConstants.LF_FIFO, null, 0)), Rule.FIFO));
        cases.add(of("tar setuid file is refused", TGZ, tarGz(tar -> {
            TarArchiveEntry entry = new TarArchiveEntry("su");
            entry.setMode(0104755);
            entry.setSize(2);
            tar.putArchiveEntry(entry);
            tar.write("#!".getBytes(StandardCharsets.US_ASCII));
            tar.closeArchiveEntry();
        }), Rule.SPECIAL_MODE_BITS));
        cases.add(of("tar sticky directory is refused", TGZ, tarGz(tar -> special(tar, "tmp/", TarConstants.LF_DIR, null, 041777)),
                Rule.SPECIAL_MODE_BITS));
        // Encodings.
        cases.add(of("zip name in Latin-1 (invalid UTF-8) is refused", ZIP,
                zip("ISO-8859-1", false, zip -> file(zip, "caf\u00e9.html", "x")), Rule.INVALID_ENCODING));
        // Commons decodes the bytes of a ustar name that are not UTF-8 as '?' and exposes no raw bytes:
        // the name is published with '?', which is safe (see tarNamesThatAreNotUtf8AreSanitizedNotRefused).
        cases.add(of("tar name in Latin-1 is published with '?' for the bad byte", TGZ,
                tarGz("ISO-8859-1", tar -> file(tar, "caf\u00e9.html", "x")), null));
        // Duplicates and clashes.
        cases.add(of("zip duplicate file is refused", ZIP, zip(zip -> {
            file(zip, "index.html", "first");
            file(zip, "index.html", "second");
        }), Rule.DUPLICATE_PATH));
        cases.add(of("tar duplicate file is refused", TGZ, tarGz(tar -> {
            file(tar, "index.html", "first");
            file(tar, "./index.html", "second");
        }), Rule.DUPLICATE_PATH));
        cases.add(of("zip file then a directory of the same path is refused", ZIP, zip(zip -> {
            file(zip, "a", "file");
            file(zip, "a/b", "inside");
        }), Rule.FILE_DIRECTORY_CLASH));
        cases.add(of("zip directory then a file of the same path is refused", ZIP, zip(zip -> {
            directory(zip, "a");
            file(zip, "a", "file");
        }), Rule.FILE_DIRECTORY_CLASH));
        cases.add(of("tar file then a directory of the same path is refused", TGZ, tarGz(tar -> {
            file(tar, "a", "file");
            directory(tar, "a");
        }), Rule.FILE_DIRECTORY_CLASH));
        // Broken or empty input.
        cases.add(of("empty zip is refused", ZIP, zip(zip -> { }), Rule.EMPTY));
        cases.add(of("zip of directories only is refused as empty", ZIP, zip(zip -> directory(zip, "a")), Rule.EMPTY));
        cases.add(of("empty tar.gz is refused", TGZ, tarGz(tar -> { }), Rule.EMPTY));
        byte[] honestZip = zip(zip -> file(zip, "index.html", randomText(50_000)));
        cases.add(of("truncated zip is refused", ZIP, Arrays.copyOf(honestZip, honestZip.length / 2), Rule.CORRUPT_ARCHIVE));
        byte[] honestTarGz = tarGz(tar -> file(tar, "index.html", randomText(50_000)));
        cases.add(of("truncated tar.gz is refused", TGZ, Arrays.copyOf(honestTarGz, honestTarGz.length / 2), Rule.CORRUPT_ARCHIVE));
        cases.add(of("plain text sent as a zip is refused", ZIP, "<html>hello</html>".getBytes(StandardCharsets.UTF_8), Rule.NOT_AN_ARCHIVE));
        cases.add(of("plain text sent as a tar.gz is refused", TGZ, "<html>hello</html>".getBytes(StandardCharsets.UTF_8),
                Rule.NOT_AN_ARCHIVE));
        cases.add(of("a tar.gz sent as a zip is refused", ZIP, honestTarGz, Rule.NOT_AN_ARCHIVE));
        cases.add(of("gzip'd text that is not a tar is refused", TGZ, gzip(randomText(10_000)), Rule.CORRUPT_ARCHIVE));
        cases.add(of("zero bytes are refused", ZIP, new byte[0], Rule.NOT_AN_ARCHIVE));
        // Safe oddities that are published.
        cases.add(of("nested zip is published as a file", ZIP,
                zip(zip -> file(zip, "downloads/evil.zip", zip(inner -> file(inner, "../../etc/passwd", "x")))), null));
        cases.add(of("nested tar.gz is published as a file", TGZ,
                tarGz(tar -> fileBytes(tar, "evil.tar.gz", tarGz(inner -> special(inner, "l", TarConstants.LF_SYMLINK, "/", 0)))), null));
        cases.add(of("URL-encoded %2e%2e is a literal name and published", ZIP, zip(zip -> file(zip, "%2e%2e/x.html", "literal")), null));
        cases.add(of("zip with data descriptors is published", ZIP,
                HostileArchives.streamedZip(zip -> file(zip, "index.html", randomText(100_000))), null));
        cases.add(of("zip64 is published", ZIP, zip("UTF-8", true, zip -> file(zip, "index.html", "zip64")), null));
        cases.add(of("tar with ./ prefixes is published", TGZ, tarGz(tar -> {
            directory(tar, "./");
            file(tar, "./index.html", "dot");
        }), null));
        cases.add(of("non-ASCII UTF-8 names are published", TGZ, tarGz(tar -> file(tar, "caf\u00e9/\u65e5\u672c.html", "utf8")), null));
        return cases.stream();
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
        byte[] upload = zip(zip -> file(zip, "big.bin", randomText(2_000_000)));
        Limits quota = Limits.defaults().forTenant(Limits.DEFAULT_MAX_UPLOAD_BYTES, 1_000_000);
        assertThatThrownBy(() -> run(ZIP, upload, quota, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.TOO_MANY_BYTES));
        byte[] streamed = HostileArchives.streamedZip(zip -> file(zip, "big.bin", randomText(2_000_000)));
        assertThatThrownBy(() -> run(ZIP, streamed, quota, new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(ContentRefusedException.class, refused -> assertThat(refused.rule()).isEqualTo(Rule.TOO_MANY_BYTES));
        assertNoStagingResidueAndNothingOutsideTheRelease();
    }

    @Test
    void anUploadOverTheUploadLimitIsRefusedWhileReading() {
        byte[] upload = tarGz(tar -> file(tar, "index.html", randomText(200_000)));
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

    private static Arguments of(String description, ArchiveFormat format, byte[] bytes, Rule expected) {
        return Arguments.of(Named.of(description, new Case(format, bytes, expected)));
    }

    private static void fileBytes(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar, String name, byte[] content)
            throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static String randomText(int length) {
        Random random = new Random(length);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException impossible) {
            throw new AssertionError(impossible);
        }
        return bytes.toByteArray();
    }
}
