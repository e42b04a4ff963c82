package dev.berth.hostd.content;

import dev.berth.observability.DaemonThreads;
import dev.berth.hostd.runtime.SiteServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compressed copies of a release's text files, made once after it is installed so that the
 * proxy serves them without compressing per request: {@code VARIANTS/RELEASE/PATH.gz} (gzip,
 * level 9) and {@code PATH.br} (Brotli, quality 11, Debian's {@code brotli} program, when it is
 * installed), each only when smaller than the file. A release's copies are written into
 * {@code .incoming-} and renamed into place as a whole, so the site's server sees all of them or
 * none; a file the proxy asks for that is not there (yet) is answered from the release, compressed
 * by nginx on the fly. The work runs on one background thread at the lowest priority, off the
 * deploy's path; the files are read without following links and the brotli program reads
 * standard input only, so no name in a release reaches a command line.
 *
 * <p>Copies are an optimisation and never take the disk a deploy needs: a release's copies stop
 * (and what was written of them is removed) as soon as the data directory's file system has less
 * than a tenth of its size free, and a release whose copies failed is not tried again for
 * {@link #RETRY_AFTER} however often hostd ensures it.
 */
public final class Precompressor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Precompressor.class);
    /** Smaller files gain nothing worth a second file (nginx's gzip_min_length is the same). */
    static final long MIN_BYTES = 256;
    /** Larger files are left to nginx: the copies' work and disk stay bounded per release. */
    static final long MAX_BYTES = 32L * 1024 * 1024;
    private static final String BROTLI = "/usr/bin/brotli";

    /** Longer names have no room for the copy's suffix (NAME_MAX is 255 bytes): served on the fly. */
    static final int MAX_NAME_BYTES = 250;

    /** A release whose copies failed (low disk, a brotli error) waits this long before another try. */
    static final java.time.Duration RETRY_AFTER = java.time.Duration.ofMinutes(10);

    private final String brotli;
    /** The share of the file system that must stay free: copies stop below it. */
    private final double reserve;
    /** When each release's copies last failed (System.nanoTime), so that they are not retried in a loop. */
    private final java.util.Map<Path, Long> failedAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** Releases whose copies are queued or under way: asked again meanwhile, they are not queued twice. */
    private final java.util.Set<Path> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = DaemonThreads.named("berth-precompress").newThread(runnable);
        thread.setPriority(Thread.MIN_PRIORITY);
        return thread;
    });

    /** With Debian's brotli program where it is installed, else gzip copies only. */
    public static Precompressor withInstalledTools() {
        return new Precompressor(Files.isExecutable(Path.of(BROTLI)) ? BROTLI : null);
    }

    /** @param brotli the brotli program, or null for gzip copies only */
    Precompressor(String brotli) {
        this(brotli, 0.10);
    }

    /** @param reserve the share (0 to 1) of the file system left free: copies stop below it */
    Precompressor(String brotli, double reserve) {
        this.brotli = brotli;
        this.reserve = reserve;
    }

    /**
     * Makes the copies of {@code release} into {@code variants/RELEASE} in the background, unless
     * they exist or are queued already.
     */
    public Future<?> submit(Path release, Path variants) {
        Path target = variants.resolve(release.getFileName().toString());
        long now = System.nanoTime();
        failedAt.values().removeIf(failed -> now - failed > RETRY_AFTER.toNanos());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) || failedAt.containsKey(target) || !pending.add(target)) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        return worker.submit(() -> {
            try {
                compress(release, variants);
            } catch (IOException | RuntimeException e) {
                failedAt.put(target, System.nanoTime());
                LOG.warn("compressed copies of {} not made (tried again after {} min): {}", release, RETRY_AFTER.toMinutes(), e.toString());
            } finally {
                pending.remove(target);
            }
            return null;
        });
    }

    /** Makes the copies now; nothing when they exist already or the release is gone. */
    void compress(Path release, Path variants) throws IOException {
        Path target = variants.resolve(release.getFileName().toString());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(release, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.createDirectories(variants);
        java.nio.file.FileStore disk = Files.getFileStore(variants);
        long keepFree = (long) (disk.getTotalSpace() * reserve);
        Path incoming = variants.resolve(".incoming-" + UUID.randomUUID());
        try {
            Files.createDirectory(incoming);
            Files.walkFileTree(release, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    String name = file.getFileName().toString();
                    if (attributes.isRegularFile() && attributes.size() >= MIN_BYTES && attributes.size() <= MAX_BYTES
                            && compressible(name) && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_NAME_BYTES) {
                        if (disk.getUsableSpace() - 2 * attributes.size() < keepFree) {
                            throw new IOException("less than " + keepFree / (1024 * 1024) + " MiB would stay free on " + disk);
                        }
                        Path copy = incoming.resolve(release.relativize(file).toString());
                        Files.createDirectories(copy.getParent());
                        gzip(file, copy.resolveSibling(copy.getFileName() + ".gz"), attributes);
                        if (brotli != null) {
                            brotli(file, copy.resolveSibling(copy.getFileName() + ".br"), attributes);
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            try {
                Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // made meanwhile by another call: keep those
            }
        } finally {
            ReleaseStore.deleteTree(incoming);
        }
    }

    /** Whether a file name's extension is one of the site server's text types (HTML included). */
    static boolean compressible(String name) {
        int dot = name.lastIndexOf('.');
        // Exactly as the proxy and the site server match it: case-sensitive.
        return dot > 0 && SiteServer.COMPRESSIBLE_EXTENSIONS.containsKey(name.substring(dot + 1));
    }

    private static void gzip(Path file, Path copy, BasicFileAttributes attributes) throws IOException {
        Path temporary = copy.resolveSibling(copy.getFileName() + ".tmp");
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(temporary), 65536) {
                 {
                     def.setLevel(Deflater.BEST_COMPRESSION);
                 }
             }) {
            in.transferTo(out);
        }
        keepIfSmaller(temporary, copy, attributes);
    }

    private void brotli(Path file, Path copy, BasicFileAttributes attributes) throws IOException {
        Path temporary = copy.resolveSibling(copy.getFileName() + ".tmp");
        Process process = new ProcessBuilder("nice", "-n", "19", brotli, "-q", "11", "-c")
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(temporary.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS); OutputStream out = process.getOutputStream()) {
            in.transferTo(out);
        }
        try {
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                Files.deleteIfExists(temporary);
                return;
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            Files.deleteIfExists(temporary);
            return;
        }
        keepIfSmaller(temporary, copy, attributes);
    }

    /** Renames the copy into place (world-readable, the file's modification time) when it saves bytes. */
    private static void keepIfSmaller(Path temporary, Path copy, BasicFileAttributes attributes) throws IOException {
        if (Files.size(temporary) >= attributes.size()) {
            Files.delete(temporary);
            return;
        }
        Files.setPosixFilePermissions(temporary, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.setLastModifiedTime(temporary, FileTime.from(attributes.lastModifiedTime().toInstant()));
        Files.move(temporary, copy, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits for the copies under way (tests, shutdown). */
    void drain() throws InterruptedException {
        Future<?> last = worker.submit(() -> { });
        try {
            last.get(5, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
