package dev.berth.api.deploys.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;

/** Builds archives, honest and hostile, at test time with Commons Compress's writers. */
final class HostileArchives {
    private HostileArchives() {
    }

    interface ZipContent {
        void write(ZipArchiveOutputStream zip) throws IOException;
    }

    interface TarContent {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    static byte[] zip(ZipContent content) {
        return zip("UTF-8", false, content);
    }

    static byte[] zip(String encoding, boolean zip64, ZipContent content) {
        // A seekable target: sizes go into the local headers, no data descriptors.
        SeekableInMemoryByteChannel channel = new SeekableInMemoryByteChannel();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(channel)) {
            zip.setEncoding(encoding);
            if (zip64) {
                zip.setUseZip64(Zip64Mode.Always);
            }
            content.write(zip);
        } catch (IOException impossible) {
            throw new AssertionError(impossible);
        }
        return Arrays.copyOf(channel.array(), (int) channel.size());
    }

    /** A zip written to a stream that cannot seek, so every deflated entry gets a data descriptor. */
    static byte[] streamedZip(ZipContent content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(new NonSeekable(bytes))) {
            content.write(zip);
        } catch (IOException impossible) {
            throw new AssertionError(impossible);
        }
        return bytes.toByteArray();
    }

    static byte[] tarGz(TarContent content) {
        return tarGz("UTF-8", content);
    }

    static byte[] tarGz(String encoding, TarContent content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes), encoding)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            content.write(tar);
        } catch (IOException impossible) {
            throw new AssertionError(impossible);
        }
        return bytes.toByteArray();
    }

    static void file(ZipArchiveOutputStream zip, String name, String content) throws IOException {
        file(zip, name, content.getBytes(StandardCharsets.UTF_8));
    }

    static void file(ZipArchiveOutputStream zip, String name, byte[] content) throws IOException {
        zip.putArchiveEntry(unixEntry(name, 0100644));
        zip.write(content);
        zip.closeArchiveEntry();
    }

    static void unixEntry(ZipArchiveOutputStream zip, String name, int unixMode, String content) throws IOException {
        zip.putArchiveEntry(unixEntry(name, unixMode));
        zip.write(content.getBytes(StandardCharsets.UTF_8));
        zip.closeArchiveEntry();
    }

    /**
     * An entry made on Unix. Commons turns backslashes into slashes in names of entries made on DOS
     * (its default platform), so hostile names must be set after the platform.
     */
    static ZipArchiveEntry unixEntry(String name, int unixMode) {
        return new ZipArchiveEntry("placeholder") {
            {
                setUnixMode(unixMode);
                setName(name);
            }
        };
    }

    static void directory(ZipArchiveOutputStream zip, String name) throws IOException {
        zip.putArchiveEntry(new ZipArchiveEntry(name.endsWith("/") ? name : name + "/"));
        zip.closeArchiveEntry();
    }

    static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    static void special(TarArchiveOutputStream tar, String name, byte linkFlag, String linkTarget, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, linkFlag, true);
        if (linkTarget != null) {
            entry.setLinkName(linkTarget);
        }
        if (mode != 0) {
            entry.setMode(mode);
        }
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true));
        tar.closeArchiveEntry();
    }

    /**
     * An archive generated while it is read, so that a million entries or a gigabyte of zeros cost
     * only what the reader actually pulls. {@link #producedBytes()} tells how far the producer got.
     */
    static final class Lazy {
        private final PipedInputStream input;
        private final AtomicLong produced = new AtomicLong();
        private final Thread producer;

        interface Producer {
            void produce(OutputStream out, AtomicLong produced) throws IOException;
        }

        Lazy(Producer body) throws IOException {
            input = new PipedInputStream(4096);
            PipedOutputStream output = new PipedOutputStream(input);
            producer = new Thread(() -> {
                try (output) {
                    body.produce(output, produced);
                } catch (IOException readerGaveUp) {
                    // the importer stopped reading: exactly what the test wants
                }
            }, "lazy-archive");
            producer.setDaemon(true);
            producer.start();
        }

        PipedInputStream input() {
            return input;
        }

        long producedBytes() throws InterruptedException {
            producer.join(10_000);
            return produced.get();
        }
    }

    /**
     * 42.zip's trick, flattened (nested archives are not expanded): {@code entries} deflated entries
     * of {@code zerosPerEntry} zeros each. One entry is compressed once and its raw bytes reused.
     */
    static byte[] zipBomb(int entries, long zerosPerEntry) throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true);
        try (java.util.zip.DeflaterOutputStream out = new java.util.zip.DeflaterOutputStream(compressed, deflater, 64 * 1024)) {
            byte[] zeros = new byte[1 << 20];
            for (long written = 0; written < zerosPerEntry; written += zeros.length) {
                out.write(zeros);
                crc.update(zeros);
            }
        }
        deflater.end();
        byte[] raw = compressed.toByteArray();
        SeekableInMemoryByteChannel channel = new SeekableInMemoryByteChannel();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(channel)) {
            for (int index = 0; index < entries; index++) {
                ZipArchiveEntry entry = new ZipArchiveEntry("zeros-" + index + ".bin");
                entry.setMethod(ZipArchiveEntry.DEFLATED);
                entry.setSize(zerosPerEntry);
                entry.setCompressedSize(raw.length);
                entry.setCrc(crc.getValue());
                zip.addRawArchiveEntry(entry, new java.io.ByteArrayInputStream(raw));
            }
        }
        return Arrays.copyOf(channel.array(), (int) channel.size());
    }

    static Lazy tarGzBomb(long zeros) throws IOException {
        return new Lazy((out, produced) -> {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out));
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            TarArchiveEntry entry = new TarArchiveEntry("zeros.bin");
            entry.setSize(zeros);
            tar.putArchiveEntry(entry);
            byte[] buffer = new byte[64 * 1024];
            for (long written = 0; written < zeros; written += buffer.length) {
                tar.write(buffer);
                produced.addAndGet(buffer.length);
            }
            tar.closeArchiveEntry();
            tar.close();
        });
    }

    /** A zip of {@code count} empty stored files, written to {@code target}. */
    static void manyTinyZipEntries(java.nio.file.Path target, int count) throws IOException {
        // Stored, sized entries on a stream that cannot seek: nothing to rewrite, so this is fast.
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(
                new NonSeekable(new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(target), 1 << 20)))) {
            zip.setUseZip64(Zip64Mode.AsNeeded);
            for (int index = 0; index < count; index++) {
                ZipArchiveEntry entry = new ZipArchiveEntry("f" + index);
                entry.setMethod(ZipArchiveEntry.STORED);
                entry.setSize(0);
                entry.setCrc(0);
                zip.putArchiveEntry(entry);
                zip.closeArchiveEntry();
            }
        }
    }

    static Lazy manyTinyTarEntries(int count) throws IOException {
        return new Lazy((out, produced) -> {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out));
            for (int index = 0; index < count; index++) {
                TarArchiveEntry entry = new TarArchiveEntry("f" + index);
                entry.setSize(1);
                tar.putArchiveEntry(entry);
                tar.write('x');
                tar.closeArchiveEntry();
                produced.incrementAndGet();
            }
            tar.close();
        });
    }

    /** Hides the ByteArrayOutputStream's type so that Commons Compress cannot seek back. */
    private static final class NonSeekable extends OutputStream {
        private final OutputStream out;

        NonSeekable(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int value) throws IOException {
            out.write(value);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            out.write(buffer, offset, length);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
