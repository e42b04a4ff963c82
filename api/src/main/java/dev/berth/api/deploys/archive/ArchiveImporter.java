package dev.berth.api.deploys.archive;

import static dev.berth.api.deploys.ContentRefusedException.printable;

import dev.berth.api.deploys.ContentCounts;
import dev.berth.api.deploys.ContentLimits;
import dev.berth.api.deploys.ContentRefusedException;
import dev.berth.api.deploys.ContentRefusedException.Rule;
import dev.berth.api.deploys.NormalizedTarWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Turns an untrusted zip or tar.gz upload into a {@link NormalizedTarWriter normalized tar}.
 *
 * <p>A tar.gz is read once, as a stream. A zip is spooled to the staging directory first (bounded
 * by {@code maxUploadBytes}) and read with {@link ZipFile}, because Unix modes (symbolic links,
 * devices, setuid bits) live only in the central directory: a streaming reader would not see them.
 * Validated content goes to a tar spool in the staging directory, bounded by the quota; only when
 * the whole archive has passed is it copied to the sink, with the single top-level folder stripped
 * if there is one. So a refused upload sends the sink nothing, and memory use is bounded by buffers,
 * the name table and (for a zip) its central directory, never by the content.
 *
 * <p>The compression ratio is unpacked bytes over compressed bytes read so far (for a zip: the whole
 * upload), checked on every read once past the threshold: a bomb stops after a few MiB of output.
 *
 * <p>Refused ({@link ContentRefusedException} with its {@link Rule}): anything that is not a zip or a
 * gzip'd tar, corrupt or truncated input, no files, an upload over {@code maxUploadBytes}, more
 * entries than allowed, more unpacked bytes than the quota, a compression ratio above the limit once
 * past the threshold, names with {@code ..}, a leading slash, a drive letter, a backslash, control
 * characters, invalid UTF-8, over-long segments or paths, symbolic and hard links, devices, FIFOs,
 * sockets, setuid/setgid/sticky bits, encrypted or unsupported entries, duplicates, and a path that
 * is both a file and a directory. Nested archives are ordinary files. Top-level {@code __MACOSX/}
 * entries (Finder metadata) are counted and dropped. A name such as {@code %2e%2e} is a literal
 * file name and accepted: nothing downstream URL-decodes file names.
 *
 * <p>Thread-safe: each call keeps its state on its own stack.
 */
public final class ArchiveImporter {
    private static final String MAC_METADATA = "__MACOSX";
    private static final int UNIX_TYPE_MASK = 0170000;
    private static final int UNIX_SYMLINK = 0120000;
    private static final int UNIX_DIRECTORY = 040000;
    private static final int UNIX_CHARACTER_DEVICE = 020000;
    private static final int UNIX_BLOCK_DEVICE = 060000;
    private static final int UNIX_FIFO = 010000;
    private static final int UNIX_SOCKET = 0140000;
    private static final int SPECIAL_BITS = 07000;

    private final Path stagingDirectory;

    /** @param stagingDirectory where spool files live during an import; they are always deleted */
    public ArchiveImporter(Path stagingDirectory) {
        this.stagingDirectory = Objects.requireNonNull(stagingDirectory, "stagingDirectory");
    }

    /**
     * Reads {@code upload} to its end or to the first broken rule and, if it passes, writes the
     * normalized tar to {@code sink} (finished but not closed).
     *
     * @return what the tar holds
     * @throws ContentRefusedException when the upload breaks a rule; the sink has received nothing
     * @throws IOException when the upload could not be read or the sink or staging could not be written
     */
    public ContentCounts importArchive(ArchiveFormat format, InputStream upload, Limits limits, Instant modificationTime,
            OutputStream sink) throws IOException {
        Path spool = Files.createTempFile(stagingDirectory, "upload-", ".tar");
        try {
            Optional<String> topLevelDirectory;
            try (OutputStream spoolOut = new GuardedSink(new BufferedOutputStream(Files.newOutputStream(spool)))) {
                NormalizedTarWriter writer = new NormalizedTarWriter(spoolOut, limits.content(), modificationTime);
                Budget budget = new Budget(upload, limits);
                try {
                    if (format == ArchiveFormat.ZIP) {
                        readZip(budget, writer);
                    } else {
                        readTarGzip(budget, writer);
                    }
                } catch (ContentRefusedException refused) {
                    throw refused;
                } catch (SinkFailure failure) {
                    throw failure.getCause();
                } catch (IOException | RuntimeException unreadable) {
                    for (Throwable cause = unreadable.getCause(); cause != null; cause = cause.getCause()) {
                        if (cause instanceof ContentRefusedException refused) {
                            throw refused; // wrapped by the archive reader
                        }
                    }
                    throw new ContentRefusedException(Rule.CORRUPT_ARCHIVE, "the " + describe(format) + " is corrupt or truncated: "
                            + printable(String.valueOf(unreadable.getMessage())));
                }
                if (writer.counts().files() == 0) {
                    throw new ContentRefusedException(Rule.EMPTY, "the archive holds no files");
                }
                writer.finish();
                topLevelDirectory = writer.singleTopLevelDirectory();
            } catch (SinkFailure failure) {
                throw failure.getCause();
            }
            return publish(spool, topLevelDirectory, limits.content(), modificationTime, sink);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    private void readZip(Budget budget, NormalizedTarWriter writer) throws IOException {
        // The central directory is the only place a zip keeps Unix modes (links, devices, setuid), so
        // the upload is spooled (bounded by maxUploadBytes) and read with ZipFile. The JDK's ZipFile
        // counts the entries first: it holds the central directory as one byte array, whereas Commons
        // builds an object per entry, which a million declared entries would turn into a heap problem.
        Path rawSpool = Files.createTempFile(stagingDirectory, "upload-", ".zip");
        try {
            InputStream raw = requireMagic(budget.raw(), ArchiveFormat.ZIP);
            try (OutputStream out = new GuardedSink(new BufferedOutputStream(Files.newOutputStream(rawSpool)))) {
                raw.transferTo(out);
            }
            try (java.util.zip.ZipFile index = new java.util.zip.ZipFile(rawSpool.toFile(), StandardCharsets.ISO_8859_1)) {
                if (index.size() > writer.limits().maxEntries()) {
                    throw new ContentRefusedException(Rule.TOO_MANY_ENTRIES, "the content has more than " + writer.limits().maxEntries()
                            + " entries (the zip declares " + index.size() + ")");
                }
            }
            try (ZipFile zip = ZipFile.builder().setPath(rawSpool).setCharset(StandardCharsets.UTF_8).setUseUnicodeExtraFields(false).get()) {
                for (ZipArchiveEntry entry : Collections.list(zip.getEntriesInPhysicalOrder())) {
                    readZipEntry(budget, writer, zip, entry);
                }
            }
        } finally {
            Files.deleteIfExists(rawSpool);
        }
    }

    private void readZipEntry(Budget budget, NormalizedTarWriter writer, ZipFile zip, ZipArchiveEntry entry) throws IOException {
        String name = entry.getName();
        String shown = printable(name);
        byte[] rawName = entry.getRawName();
        NormalizedTarWriter.requireUtf8(rawName, name);
        for (byte b : rawName) {
            if (b == '\\') { // Commons turns backslashes of DOS-made zips into slashes; the rule is on the bytes
                String rawShown = printable(new String(rawName, StandardCharsets.UTF_8));
                throw new ContentRefusedException(Rule.BACKSLASH, rawShown,
                        "entry '" + rawShown + "' has a backslash in its name, which some tools read as a path separator");
            }
        }
        int mode = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() : 0;
        int type = mode & UNIX_TYPE_MASK;
        refuseSpecialTypes(shown, entry.isUnixSymlink() || type == UNIX_SYMLINK, false,
                type == UNIX_CHARACTER_DEVICE || type == UNIX_BLOCK_DEVICE, type == UNIX_FIFO, type == UNIX_SOCKET, mode);
        if (isMacMetadata(name)) {
            writer.skip(name);
            return;
        }
        if (entry.isDirectory() || type == UNIX_DIRECTORY) {
            writer.addDirectory(name);
            return;
        }
        if (!zip.canReadEntryData(entry)) {
            throw new ContentRefusedException(Rule.ENCRYPTED_OR_UNSUPPORTED_METHOD, shown,
                    "entry '" + shown + "' is encrypted or uses an unsupported compression method");
        }
        if (entry.getSize() < 0) {
            throw new ContentRefusedException(Rule.CORRUPT_ARCHIVE, shown, "entry '" + shown + "' has no size in the central directory");
        }
        budget.startZipEntry(entry.getCompressedSize());
        try (InputStream content = zip.getInputStream(entry)) {
            writer.addFile(name, entry.getSize(), budget.guard(content));
        }
    }

    private void readTarGzip(Budget budget, NormalizedTarWriter writer) throws IOException {
        InputStream raw = requireMagic(budget.raw(), ArchiveFormat.TAR_GZIP);
        try (GzipCompressorInputStream gzip = new GzipCompressorInputStream(raw, true);
                TarArchiveInputStream tar = new TarArchiveInputStream(budget.guard(gzip), "UTF-8")) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                String shown = printable(name);
                refuseSpecialTypes(shown, entry.isSymbolicLink(), entry.isLink(), entry.isCharacterDevice() || entry.isBlockDevice(),
                        entry.isFIFO(), false, entry.getMode());
                if (entry.isSparse()) {
                    throw new ContentRefusedException(Rule.UNSUPPORTED_ENTRY_TYPE, shown, "entry '" + shown + "' is a sparse file");
                }
                if (isMacMetadata(name)) {
                    writer.skip(name);
                    continue;
                }
                if (entry.isDirectory()) {
                    writer.addDirectory(name);
                    continue;
                }
                byte flag = entry.getLinkFlag();
                if (flag != TarConstants.LF_NORMAL && flag != TarConstants.LF_OLDNORM && flag != TarConstants.LF_CONTIG) {
                    throw new ContentRefusedException(Rule.UNSUPPORTED_ENTRY_TYPE, shown, "entry '" + shown
                            + "' is neither a regular file nor a directory (tar type '" + printable(String.valueOf((char) flag)) + "')");
                }
                writer.addFile(name, entry.getSize(), tar);
            }
        }
    }

    /** The ratio guard sits on the decompressed tar stream for tar.gz and on each entry for zip. */
    private static final class Budget {
        private final CountingUpload raw;
        private final Limits limits;
        private long unpackedBytes;
        private long declaredCompressedBytes = -1;

        Budget(InputStream upload, Limits limits) {
            this.raw = new CountingUpload(upload, limits.maxUploadBytes());
            this.limits = limits;
        }

        InputStream raw() {
            return raw;
        }

        /**
         * For a zip, whose upload is read whole before unpacking: the ratio is measured against the
         * compressed sizes of the entries started so far, or else a bomb would unpack a hundred
         * times the whole upload before being noticed.
         */
        void startZipEntry(long compressedSize) {
            declaredCompressedBytes = Math.max(0, declaredCompressedBytes) + Math.max(0, compressedSize);
        }

        private long compressedBytes() {
            long read = raw.count();
            return declaredCompressedBytes < 0 ? read : Math.min(read, declaredCompressedBytes);
        }

        InputStream guard(InputStream unpacked) {
            return new FilterInputStream(unpacked) {
                @Override
                public int read() throws IOException {
                    int value = super.read();
                    if (value >= 0) {
                        account(1);
                    }
                    return value;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int read = super.read(buffer, offset, length);
                    if (read > 0) {
                        account(read);
                    }
                    return read;
                }

                @Override
                public void close() {
                    // the archive stream owns the underlying stream
                }
            };
        }

        private void account(long read) throws ContentRefusedException {
            unpackedBytes += read;
            if (unpackedBytes > limits.ratioCheckAfterBytes()
                    && unpackedBytes > limits.maxCompressionRatio() * Math.max(1, compressedBytes())) {
                throw new ContentRefusedException(Rule.COMPRESSION_RATIO, "the archive expands more than " + limits.maxCompressionRatio()
                        + " times (" + unpackedBytes + " bytes from " + compressedBytes() + "); it looks like a decompression bomb");
            }
        }
    }

    private static ContentCounts publish(Path spool, Optional<String> topLevelDirectory, ContentLimits limits, Instant modificationTime,
            OutputStream sink) throws IOException {
        String prefix = topLevelDirectory.map(directory -> directory + "/").orElse("");
        NormalizedTarWriter writer = new NormalizedTarWriter(new UnclosableSink(sink), limits, modificationTime);
        try (TarArchiveInputStream spooled = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(spool)), "UTF-8")) {
            TarArchiveEntry entry;
            while ((entry = spooled.getNextEntry()) != null) {
                String name = entry.getName();
                if (!name.startsWith(prefix)) {
                    continue; // the stripped directory itself
                }
                String published = name.substring(prefix.length());
                if (entry.isDirectory()) {
                    writer.addDirectory(published);
                } else {
                    writer.addFile(published, entry.getSize(), spooled);
                }
            }
        }
        writer.finish();
        return writer.counts();
    }

    private static void refuseSpecialTypes(String shown, boolean symlink, boolean hardLink, boolean device, boolean fifo, boolean socket,
            int mode) throws ContentRefusedException {
        if (symlink) {
            throw new ContentRefusedException(Rule.SYMBOLIC_LINK, shown, "entry '" + shown + "' is a symbolic link; links are not allowed");
        }
        if (hardLink) {
            throw new ContentRefusedException(Rule.HARD_LINK, shown, "entry '" + shown + "' is a hard link; links are not allowed");
        }
        if (device) {
            throw new ContentRefusedException(Rule.DEVICE, shown, "entry '" + shown + "' is a device node");
        }
        if (fifo) {
            throw new ContentRefusedException(Rule.FIFO, shown, "entry '" + shown + "' is a FIFO");
        }
        if (socket) {
            throw new ContentRefusedException(Rule.SOCKET, shown, "entry '" + shown + "' is a socket");
        }
        if ((mode & SPECIAL_BITS) != 0) {
            throw new ContentRefusedException(Rule.SPECIAL_MODE_BITS, shown, "entry '" + shown
                    + "' has the setuid, setgid or sticky bit (mode " + Integer.toOctalString(mode) + ")");
        }
    }

    private static boolean isMacMetadata(String name) {
        String trimmed = name.startsWith("./") ? name.substring(2) : name;
        return trimmed.equals(MAC_METADATA) || trimmed.startsWith(MAC_METADATA + "/");
    }

    private static InputStream requireMagic(InputStream raw, ArchiveFormat format) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 8192);
        buffered.mark(4);
        byte[] magic = buffered.readNBytes(4);
        buffered.reset();
        boolean matches = format == ArchiveFormat.ZIP
                ? magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 && magic[3] == 4 || magic[2] == 5 && magic[3] == 6)
                : magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        if (!matches) {
            throw new ContentRefusedException(Rule.NOT_AN_ARCHIVE, "the upload is not a " + describe(format));
        }
        return buffered;
    }

    private static String describe(ArchiveFormat format) {
        return format == ArchiveFormat.ZIP ? "zip archive" : "gzip-compressed tar archive";
    }

    /** Counts the compressed bytes read and stops at the upload limit. */
    private static final class CountingUpload extends FilterInputStream {
        private final long maxBytes;
        private long count;

        CountingUpload(InputStream in, long maxBytes) {
            super(in);
            this.maxBytes = maxBytes;
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int value = super.read();
            if (value >= 0) {
                add(1);
            }
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int read = super.read(buffer, offset, length);
            if (read > 0) {
                add(read);
            }
            return read;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            add(skipped);
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        private void add(long read) throws ContentRefusedException {
            count += read;
            if (count > maxBytes) {
                throw new ContentRefusedException(Rule.UPLOAD_TOO_LARGE, "the upload is larger than the " + maxBytes + " bytes allowed");
            }
        }
    }

    /** Marks failures of our own disk so they are not mistaken for a corrupt archive. */
    private static final class SinkFailure extends IOException {
        private static final long serialVersionUID = 1L;

        SinkFailure(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    private static final class GuardedSink extends FilterOutputStream {
        GuardedSink(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int value) throws IOException {
            try {
                out.write(value);
            } catch (IOException failure) {
                throw new SinkFailure(failure);
            }
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            try {
                out.write(buffer, offset, length);
            } catch (IOException failure) {
                throw new SinkFailure(failure);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException failure) {
                throw new SinkFailure(failure);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (IOException failure) {
                throw new SinkFailure(failure);
            }
        }
    }

    private static final class UnclosableSink extends FilterOutputStream {
        UnclosableSink(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            out.write(buffer, offset, length);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
