package dev.berth.api.deploys.archive;

import static dev.berth.api.deploys.archive.HostileArchives.directory;
import static dev.berth.api.deploys.archive.HostileArchives.file;
import static dev.berth.api.deploys.archive.HostileArchives.special;
import static dev.berth.api.deploys.archive.HostileArchives.tarGz;
import static dev.berth.api.deploys.archive.HostileArchives.unixEntry;
import static dev.berth.api.deploys.archive.HostileArchives.zip;

import dev.berth.api.deploys.ContentRefusedException.Rule;
import dev.berth.testkit.InertContent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;

/**
 * The archive corpus: hostile archives with the rule that must refuse each, and safe oddities that
 * must be published. Shared by the importer's unit test and the API's hostile-input suite, which
 * uploads the refused ones through HTTP.
 */
public final class ArchiveCorpus {
    private ArchiveCorpus() {
    }

    /** One archive: what it is, its format, its bytes, and the rule that refuses it (null: published). */
    public record Archive(String description, ArchiveFormat format, byte[] bytes, Rule expected) {
    }

    private static final ArchiveFormat ZIP = ArchiveFormat.ZIP;
    private static final ArchiveFormat TGZ = ArchiveFormat.TAR_GZIP;

    /** Every archive of the corpus, built afresh. */
    public static List<Archive> all() {
        List<Archive> cases = new ArrayList<>();
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
            cases.add(new Archive("zip entry '" + slip[0].replace("\0", "\\0") + "' is refused for " + rule, ZIP,
                    zip(zip -> file(zip, slip[0], "owned")), rule));
            if (!slip[0].contains("\0")) { // a tar header ends a name at NUL; covered by the zip case
                cases.add(new Archive("tar entry '" + slip[0] + "' is refused for " + rule, TGZ,
                        tarGz(tar -> file(tar, slip[0], "owned")), rule));
            }
        }
        // Links, devices, FIFOs and special bits.
        cases.add(new Archive("zip symlink is refused", ZIP, zip(zip -> unixEntry(zip, "link", 0120777, "/etc")), Rule.SYMBOLIC_LINK));
        cases.add(new Archive("zip symlink then a file through it is refused at the link", ZIP, zip(zip -> {
            unixEntry(zip, "link", 0120777, "/etc");
            file(zip, "link/passwd", "root::0:0::/:/bin/sh");
        }), Rule.SYMBOLIC_LINK));
        cases.add(new Archive("zip character device is refused", ZIP, zip(zip -> unixEntry(zip, "null", 020666, "")), Rule.DEVICE));
        cases.add(new Archive("zip block device is refused", ZIP, zip(zip -> unixEntry(zip, "sda", 060660, "")), Rule.DEVICE));
        cases.add(new Archive("zip FIFO is refused", ZIP, zip(zip -> unixEntry(zip, "pipe", 010644, "")), Rule.FIFO));
        cases.add(new Archive("zip socket is refused", ZIP, zip(zip -> unixEntry(zip, "sock", 0140644, "")), Rule.SOCKET));
        cases.add(new Archive("zip setuid file is refused", ZIP, zip(zip -> unixEntry(zip, "su", 0104755, "#!")), Rule.SPECIAL_MODE_BITS));
        cases.add(new Archive("zip setgid file is refused", ZIP, zip(zip -> unixEntry(zip, "sg", 0102755, "#!")), Rule.SPECIAL_MODE_BITS));
        cases.add(new Archive("tar symlink then a file through it is refused at the link", TGZ, tarGz(tar -> {
            special(tar, "link", TarConstants.LF_SYMLINK, "/etc", 0);
            file(tar, "link/passwd", "root::0:0::/:/bin/sh");
        }), Rule.SYMBOLIC_LINK));
        cases.add(new Archive("tar hard link to /etc/shadow is refused", TGZ,
                tarGz(tar -> special(tar, "shadow", TarConstants.LF_LINK, "/etc/shadow", 0)), Rule.HARD_LINK));
        cases.add(new Archive("tar character device is refused", TGZ, tarGz(tar -> special(tar, "null", TarConstants.LF_CHR, null, 0)), Rule.DEVICE));
        cases.add(new Archive("tar block device is refused", TGZ, tarGz(tar -> special(tar, "sda", TarConstants.LF_BLK, null, 0)), Rule.DEVICE));
        cases.add(new Archive("tar FIFO is refused", TGZ, tarGz(tar -> special(tar, "pipe", TarConstants.LF_FIFO, null, 0)), Rule.FIFO));
        cases.add(new Archive("tar setuid file is refused", TGZ, tarGz(tar -> {
            TarArchiveEntry entry = new TarArchiveEntry("su");
            entry.setMode(0104755);
            entry.setSize(2);
            tar.putArchiveEntry(entry);
            tar.write("#!".getBytes(StandardCharsets.US_ASCII));
            tar.closeArchiveEntry();
        }), Rule.SPECIAL_MODE_BITS));
        cases.add(new Archive("tar sticky directory is refused", TGZ, tarGz(tar -> special(tar, "tmp/", TarConstants.LF_DIR, null, 041777)),
                Rule.SPECIAL_MODE_BITS));
        // Encodings.
        cases.add(new Archive("zip name in Latin-1 (invalid UTF-8) is refused", ZIP,
                zip("ISO-8859-1", false, zip -> file(zip, "caf\u00e9.html", "x")), Rule.INVALID_ENCODING));
        // Commons decodes the bytes of a ustar name that are not UTF-8 as '?' and exposes no raw bytes:
        // the name is published with '?', which is safe (see tarNamesThatAreNotUtf8AreSanitizedNotRefused).
        cases.add(new Archive("tar name in Latin-1 is published with '?' for the bad byte", TGZ,
                tarGz("ISO-8859-1", tar -> file(tar, "caf\u00e9.html", "x")), null));
        // Duplicates and clashes.
        cases.add(new Archive("zip duplicate file is refused", ZIP, zip(zip -> {
            file(zip, "index.html", "first");
            file(zip, "index.html", "second");
        }), Rule.DUPLICATE_PATH));
        cases.add(new Archive("tar duplicate file is refused", TGZ, tarGz(tar -> {
            file(tar, "index.html", "first");
            file(tar, "./index.html", "second");
        }), Rule.DUPLICATE_PATH));
        cases.add(new Archive("zip file then a directory of the same path is refused", ZIP, zip(zip -> {
            file(zip, "a", "file");
            file(zip, "a/b", "inside");
        }), Rule.FILE_DIRECTORY_CLASH));
        cases.add(new Archive("zip directory then a file of the same path is refused", ZIP, zip(zip -> {
            directory(zip, "a");
            file(zip, "a", "file");
        }), Rule.FILE_DIRECTORY_CLASH));
        cases.add(new Archive("tar file then a directory of the same path is refused", TGZ, tarGz(tar -> {
            file(tar, "a", "file");
            directory(tar, "a");
        }), Rule.FILE_DIRECTORY_CLASH));
        // Broken or empty input.
        cases.add(new Archive("empty zip is refused", ZIP, zip(zip -> { }), Rule.EMPTY));
        cases.add(new Archive("zip of directories only is refused as empty", ZIP, zip(zip -> directory(zip, "a")), Rule.EMPTY));
        cases.add(new Archive("empty tar.gz is refused", TGZ, tarGz(tar -> { }), Rule.EMPTY));
        byte[] honestZip = zip(zip -> file(zip, "index.html", randomText(50_000)));
        cases.add(new Archive("truncated zip is refused", ZIP, Arrays.copyOf(honestZip, honestZip.length / 2), Rule.CORRUPT_ARCHIVE));
        byte[] honestTarGz = tarGz(tar -> file(tar, "index.html", randomText(50_000)));
        cases.add(new Archive("truncated tar.gz is refused", TGZ, Arrays.copyOf(honestTarGz, honestTarGz.length / 2), Rule.CORRUPT_ARCHIVE));
        cases.add(new Archive("plain text sent as a zip is refused", ZIP, "<html>hello</html>".getBytes(StandardCharsets.UTF_8), Rule.NOT_AN_ARCHIVE));
        cases.add(new Archive("plain text sent as a tar.gz is refused", TGZ, "<html>hello</html>".getBytes(StandardCharsets.UTF_8),
                Rule.NOT_AN_ARCHIVE));
        cases.add(new Archive("a tar.gz sent as a zip is refused", ZIP, honestTarGz, Rule.NOT_AN_ARCHIVE));
        cases.add(new Archive("gzip'd text that is not a tar is refused", TGZ, gzip(randomText(10_000)), Rule.CORRUPT_ARCHIVE));
        cases.add(new Archive("zero bytes are refused", ZIP, new byte[0], Rule.NOT_AN_ARCHIVE));
        // Safe oddities that are published.
        cases.add(new Archive("nested zip is published as a file", ZIP,
                zip(zip -> file(zip, "downloads/evil.zip", zip(inner -> file(inner, "../../etc/passwd", "x")))), null));
        cases.add(new Archive("nested tar.gz is published as a file", TGZ,
                tarGz(tar -> fileBytes(tar, "evil.tar.gz", tarGz(inner -> special(inner, "l", TarConstants.LF_SYMLINK, "/", 0)))), null));
        cases.add(new Archive("URL-encoded %2e%2e is a literal name and published", ZIP, zip(zip -> file(zip, "%2e%2e/x.html", "literal")), null));
        cases.add(new Archive("zip with data descriptors is published", ZIP,
                HostileArchives.streamedZip(zip -> file(zip, "index.html", randomText(100_000))), null));
        cases.add(new Archive("zip64 is published", ZIP, zip("UTF-8", true, zip -> file(zip, "index.html", "zip64")), null));
        cases.add(new Archive("tar with ./ prefixes is published", TGZ, tarGz(tar -> {
            directory(tar, "./");
            file(tar, "./index.html", "dot");
        }), null));
        cases.add(new Archive("non-ASCII UTF-8 names are published", TGZ, tarGz(tar -> file(tar, "caf\u00e9/\u65e5\u672c.html", "utf8")), null));
        // What a server that runs files would run (testkit InertContent): published as plain files;
        // the host tests prove the site answers them byte for byte.
        cases.add(new Archive("zip of server configurations, CGI scripts and files named like interpreters is published as plain files",
                ZIP, inertContentZip(), null));
        cases.add(new Archive("tar.gz of server configurations, CGI scripts and files named like interpreters is published as plain files",
                TGZ, inertContentTarGz(), null));
        cases.add(new Archive("zip of a CGI setup whose cgi-bin links to /bin is refused at the link", ZIP, zip(zip -> {
            file(zip, "httpd.conf", "*.sh:/bin/sh\n");
            unixEntry(zip, "cgi-bin", 0120777, "/bin");
        }), Rule.SYMBOLIC_LINK));
        cases.add(new Archive("tar.gz of an httpd.conf whose script is a link to /bin/sh is refused at the link", TGZ, tarGz(tar -> {
            file(tar, "httpd.conf", "*.sh:/bin/sh\n");
            special(tar, "x.sh", TarConstants.LF_SYMLINK, "/bin/sh", 0);
        }), Rule.SYMBOLIC_LINK));
        return cases;
    }

    /** A zip of every file of {@link InertContent}, as a tenant would upload it. */
    public static byte[] inertContentZip() {
        return zip(zip -> {
            for (InertContent.File file : InertContent.files()) {
                file(zip, file.path(), file.bytes());
            }
        });
    }

    /** The same files as a tar.gz. */
    public static byte[] inertContentTarGz() {
        return tarGz(tar -> {
            for (InertContent.File file : InertContent.files()) {
                fileBytes(tar, file.path(), file.bytes());
            }
        });
    }

    /** The archives the importer must refuse. */
    public static List<Archive> refused() {
        return all().stream().filter(archive -> archive.expected() != null).toList();
    }

    /** A zip of {@code entries} entries of {@code zerosPerEntry} zeros each, small on the wire. */
    public static byte[] zipBomb(int entries, long zerosPerEntry) throws IOException {
        return HostileArchives.zipBomb(entries, zerosPerEntry);
    }

    /** A zip holding {@code bytes} of random data, stored uncompressed: as large on the wire as unpacked. */
    public static byte[] storedNoiseZip(int bytes) {
        byte[] noise = new byte[bytes];
        new Random(7).nextBytes(noise);
        return zip(zip -> {
            ZipArchiveEntry entry = new ZipArchiveEntry("noise.bin");
            entry.setMethod(ZipArchiveEntry.STORED);
            zip.putArchiveEntry(entry);
            zip.write(noise);
            zip.closeArchiveEntry();
        });
    }

    /** An honest zip holding one file. */
    public static byte[] honestZip(String name, String content) {
        return zip(zip -> file(zip, name, content));
    }

    private static void fileBytes(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar, String name, byte[] content)
            throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static String randomText(int length) {
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
