package dev.berth.cli.pack;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * What {@code berth deploy} uploads: an archive given as it is, or a directory packed into a
 * temporary zip (deleted on {@link #close()}).
 *
 * <p>Packing takes the files {@link SiteDirectory} finds: regular files, no symbolic link followed,
 * no {@code .git} directory.
 */
public final class Archive implements AutoCloseable {
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};

    private final Path file;
    private final String contentType;
    private final boolean temporary;
    private final int packedFiles;
    private final int skipped;

    private Archive(Path file, String contentType, boolean temporary, int packedFiles, int skipped) {
        this.file = file;
        this.contentType = contentType;
        this.temporary = temporary;
        this.packedFiles = packedFiles;
        this.skipped = skipped;
    }

    /**
     * The archive to upload for a path.
     *
     * @throws CliException {@link ExitCodes#USAGE} for a file that is neither a zip nor a gzip'ed tar,
     *                      or a directory without any file
     */
    public static Archive of(Path source) {
        try {
            if (Files.isDirectory(source)) {
                return pack(source);
            }
            byte[] head = new byte[4];
            int read;
            try (InputStream in = Files.newInputStream(source)) {
                read = in.readNBytes(head, 0, head.length);
            }
            if (read >= 4 && startsWith(head, ZIP_MAGIC)) {
                return new Archive(source, "application/zip", false, -1, 0);
            }
            if (read >= 2 && startsWith(head, GZIP_MAGIC)) {
                return new Archive(source, "application/gzip", false, -1, 0);
            }
            throw new CliException(ExitCodes.USAGE, source + " is neither a directory, a zip nor a tar.gz");
        } catch (IOException unreadable) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + source + ": " + unreadable.getMessage());
        }
    }

    private static Archive pack(Path directory) throws IOException {
        Path zip = Files.createTempFile("berth-deploy-", ".zip", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        int[] packed = new int[1];
        int skipped;
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream entries = new ZipOutputStream(out)) {
            skipped = SiteDirectory.walk(directory, (name, path, attributes) -> {
                ZipEntry entry = new ZipEntry(name);
                entry.setTime(attributes.lastModifiedTime().toMillis());
                entries.putNextEntry(entry);
                Files.copy(path, entries);
                entries.closeEntry();
                packed[0]++;
            });
        } catch (IOException | RuntimeException failed) {
            Files.deleteIfExists(zip);
            throw failed;
        }
        if (packed[0] == 0) {
            Files.deleteIfExists(zip);
            throw new CliException(ExitCodes.USAGE, directory + " holds no file to deploy");
        }
        return new Archive(zip, "application/zip", true, packed[0], skipped);
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The file to send. */
    public Path file() {
        return file;
    }

    /** {@code application/zip} or {@code application/gzip}. */
    public String contentType() {
        return contentType;
    }

    /** Its size in bytes. */
    public long sizeBytes() {
        try {
            return Files.size(file);
        } catch (IOException unreadable) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + unreadable.getMessage());
        }
    }

    /** Files packed from a directory; -1 for an archive given as it is. */
    public int packedFiles() {
        return packedFiles;
    }

    /** Symbolic links, special files and .git directories left out of a packed directory. */
    public int skipped() {
        return skipped;
    }

    @Override
    public void close() throws IOException {
        if (temporary) {
            Files.deleteIfExists(file);
        }
    }
}
