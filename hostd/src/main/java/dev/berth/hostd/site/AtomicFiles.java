package dev.berth.hostd.site;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/** Writes files so that a reader or a crash sees either the old or the new content, never a mix. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes to a temporary sibling, fsyncs it, renames it over {@code target} and fsyncs the directory. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, content, true);
    }

    /**
     * The same without the two fsyncs: a reader sees the old or the new content, and after a crash
     * the file may be older (or, on some file systems, empty). For files rebuilt from elsewhere
     * after a crash, written often (the proxy's route snapshot: hostd applies every site again).
     */
    public static void replace(Path target, byte[] content) throws IOException {
        write(target, content, false);
    }

    private static void write(Path target, byte[] content, boolean durable) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = directory.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (durable) {
                    channel.force(true);
                }
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically in " + directory, e);
            }
            if (durable) {
                fsyncDirectory(directory);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    static void fsyncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // Some file systems refuse fsync on a directory; the rename itself is still atomic.
        }
    }
}
