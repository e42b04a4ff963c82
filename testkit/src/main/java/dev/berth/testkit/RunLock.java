package dev.berth.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A test run's claim on the host objects named by its prefix: the file {@code RUNS/PREFIX.run}
 * holds what the run's clean-up needs to know (its directories) and stays locked while the run
 * lives. A run killed before its clean-up leaves the file unlocked, and the next run's
 * {@link #sweepDead} removes what that run left. Not thread-safe; one lock per run.
 *
 * <p>The locks are POSIX record locks, which belong to the process: closing <em>any</em> channel
 * of a locked file in this JVM releases them. So a sweep never opens the file of a run this JVM
 * holds (two stacks in one test, then a third one's sweep) — doing so once let every other
 * process's sweep remove a live stack's directories.
 */
public final class RunLock implements AutoCloseable {
    /** The run files this JVM holds locked, absolute. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    /** How old a {@code .run.new} must be before a sweep takes it for a run killed while acquiring. */
    static final long ABANDONED_AFTER_MILLIS = 60_000;

    /** Removes what a dead run left, from the facts it recorded. */
    @FunctionalInterface
    public interface Sweeper {
        void remove(Properties run) throws IOException;
    }

    private final Path file;
    private final FileChannel channel;

    private RunLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Records {@code facts} (with {@code prefix} under the key {@code prefix}) in
     * {@code runs/PREFIX.run} and locks it.
     *
     * @throws IOException if the file cannot be written or is locked already
     */
    public static RunLock acquire(Path runs, String prefix, Map<String, String> facts) throws IOException {
        Files.createDirectories(runs);
        Properties run = new Properties();
        run.putAll(facts);
        run.setProperty("prefix", prefix);
        Path file = runs.resolve(prefix + ".run");
        // Written and locked under a name no sweep reads, then renamed (the lock stays with the
        // file): another process's sweep must never find the run file unlocked, or it would take a
        // run that is starting for a dead one and remove its directories.
        Path writing = runs.resolve(prefix + ".run.new");
        FileChannel channel = FileChannel.open(writing, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
            if (lock == null) {
                throw new IOException("cannot lock " + writing);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            run.store(bytes, "berth test run");
            channel.write(ByteBuffer.wrap(bytes.toByteArray()));
            channel.force(true);
            Files.move(writing, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | OverlappingFileLockException failed) {
            channel.close();
            Files.deleteIfExists(writing);
            throw failed instanceof IOException io ? io : new IOException("cannot lock " + writing, failed);
        }
        HELD.add(file.toAbsolutePath().normalize());
        return new RunLock(file, channel);
    }

    private static boolean abandoned(Path file) {
        try {
            return file.toString().endsWith(".run.new")
                    && Files.getLastModifiedTime(file).toMillis() < System.currentTimeMillis() - ABANDONED_AFTER_MILLIS;
        } catch (IOException gone) {
            return false;
        }
    }

    /** Releases the lock and deletes the file, best effort: a file left behind is swept by the next run. */
    @Override
    public void close() {
        try {
            channel.close();
            HELD.remove(file.toAbsolutePath().normalize());
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the next run sweeps it
        }
    }

    /**
     * Calls {@code sweeper} for every run file in {@code runs} that no live run holds, then deletes
     * the file. A failing sweep is reported on standard error and the file kept for the next try.
     * A {@code PREFIX.run.new} that a run killed inside {@link #acquire} left is swept the same way
     * once it is a minute old (younger, it may be a run between creating and locking it); one that
     * holds no facts yet is only deleted.
     */
    public static void sweepDead(Path runs, Sweeper sweeper) throws IOException {
        Files.createDirectories(runs);
        try (Stream<Path> files = Files.list(runs)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".run") || abandoned(path))
                    .filter(path -> !HELD.contains(path.toAbsolutePath().normalize())).toList()) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    if (channel.tryLock() == null) {
                        continue; // a live run of another process holds it
                    }
                    Properties run = new Properties();
                    try (var in = Files.newInputStream(file)) {
                        run.load(in);
                    }
                    if (run.getProperty("prefix") != null) {
                        System.err.println("removing what the killed test run " + run.getProperty("prefix") + " left");
                        sweeper.remove(run);
                    }
                    Files.deleteIfExists(file);
                } catch (OverlappingFileLockException liveInThisJvm) {
                    // a live run of this process holds it
                } catch (IOException | RuntimeException failure) {
                    System.err.println("cannot sweep " + file + ": " + failure);
                }
            }
        }
    }
}
