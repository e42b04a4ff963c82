package dev.berth.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Real zip, tar and tar.gz archives as a tenant uploads them (and the API sends to hostd), and a few
 * hostile ones. Needs commons-compress, which testkit declares optional: a module that builds tars
 * declares it itself (api, hostd, e2e).
 */
public final class Archives {
    private Archives() {
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The same files with their text contents as UTF-8, in iteration order. */
    public static Map<String, byte[]> texts(Map<String, String> files) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        files.forEach((name, text) -> bytes.put(name, utf8(text)));
        return bytes;
    }

    /** A zip of the files (path to content), in iteration order. */
    public static byte[] zip(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /** A tar of the files (path to content), in iteration order. */
    public static byte[] tar(Map<String, byte[]> files) {
        return tar(files(files));
    }

    /** A tar.gz of the files (path to content), in iteration order. */
    public static byte[] tarGz(Map<String, byte[]> files) {
        return tarGz(files(files));
    }

    private static TarWriter files(Map<String, byte[]> files) {
        return tar -> {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                file(tar, file.getKey(), file.getValue());
            }
        };
    }

    /** Adds a regular file to a tar being written. */
    public static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /** Writes a tar through {@code writer}, which may add any kind of entry. */
    public static byte[] tar(TarWriter writer) {
        return write(writer, false);
    }

    /** Writes a tar.gz through {@code writer}, which may add any kind of entry. */
    public static byte[] tarGz(TarWriter writer) {
        return write(writer, true);
    }

    private static byte[] write(TarWriter writer, boolean gzip) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip ? new GZIPOutputStream(bytes) : bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            writer.write(tar);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /** Adds entries to a tar being written. */
    @FunctionalInterface
    public interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    /** A tar.gz holding one link entry (symbolic or hard) named {@code name} to {@code target}, then a file through it. */
    public static byte[] tarGzWithLink(byte linkType, String name, String target, String throughLink) {
        return tarGz(tar -> {
            TarArchiveEntry link = new TarArchiveEntry(name, linkType);
            link.setLinkName(target);
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
            if (throughLink != null) {
                file(tar, throughLink, utf8("through the link"));
            }
        });
    }

    /** A tar.gz holding a character device node (like /dev/mem). */
    public static byte[] tarGzWithDevice() {
        return tarGz(tar -> {
            TarArchiveEntry device = new TarArchiveEntry("mem", TarConstants.LF_CHR);
            device.setDevMajor(1);
            device.setDevMinor(1);
            tar.putArchiveEntry(device);
            tar.closeArchiveEntry();
        });
    }

    /** A zip whose one entry inflates {@code mib} MiB of zeros: a compression ratio near 1000. */
    public static byte[] zipBomb(int mib) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry("zeros.html"));
            byte[] zeros = new byte[1024 * 1024];
            for (int index = 0; index < mib; index++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }
}
