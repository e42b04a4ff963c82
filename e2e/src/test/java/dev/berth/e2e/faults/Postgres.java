package dev.berth.e2e.faults;

import dev.berth.e2e.StackProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The fault suite's own PostgreSQL (through {@code scripts/pg.sh}), on a free loopback port: the
 * suite crashes and restarts it under the API, which the shared test database must not suffer.
 * A lock next to the cluster's directory, held while the JVM lives, lets the next run stop and
 * remove a cluster whose run was killed.
 */
final class Postgres {
    private static final Path SCRIPT = Path.of("../scripts/pg.sh").toAbsolutePath().normalize();

    final Path directory;
    final int port;
    final String url;
    private final Thread shutdownHook;
    private final java.nio.channels.FileChannel lock;

    private Postgres(Path directory, int port, String url, java.nio.channels.FileChannel lock) {
        this.lock = lock;
        this.directory = directory;
        this.port = port;
        this.url = url;
        this.shutdownHook = new Thread(this::stopQuietly, "fault-suite-postgres-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static boolean available() {
        try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return Files.isExecutable(SCRIPT) && versions.anyMatch(version -> Files.isExecutable(version.resolve("bin/pg_ctl")));
        } catch (IOException absent) {
            return false;
        }
    }

    static Postgres start() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        sweepDeadRuns();
        Path directory = Path.of("/tmp", "berth-faults-pg-" + Long.toHexString(System.nanoTime()));
        java.nio.channels.FileChannel lock = java.nio.channels.FileChannel.open(Path.of(directory + ".lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        if (lock.tryLock() == null) {
            throw new IOException("cannot lock " + directory + ".lock");
        }
        String output = StackProcess.run(List.of(SCRIPT.toString(), "start", directory.toString(), Integer.toString(port))).strip();
        String url = output.lines().filter(line -> line.startsWith("jdbc:postgresql:")).findFirst()
                .orElseThrow(() -> new IOException("scripts/pg.sh did not start PostgreSQL: " + output));
        return new Postgres(directory, port, url, lock);
    }

    /** Stops and removes clusters of runs that died before their tear-down (their lock is free). */
    private static void sweepDeadRuns() throws IOException {
        try (var entries = Files.newDirectoryStream(Path.of("/tmp"), "berth-faults-pg-*.lock")) {
            for (Path lockFile : entries) {
                try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lockFile,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    if (channel.tryLock() == null) {
                        continue; // a live run
                    }
                    String cluster = lockFile.toString().substring(0, lockFile.toString().length() - ".lock".length());
                    System.err.println("stopping the PostgreSQL of a killed fault-suite run: " + cluster);
                    StackProcess.run(List.of(SCRIPT.toString(), "stop", cluster));
                }
                Files.deleteIfExists(lockFile);
            }
        }
    }

    /** Stops it at once, as a crash would ({@code pg_ctl -m immediate}); the data stays. */
    void crash() throws IOException {
        script("crash");
    }

    /** Starts the crashed cluster again (crash recovery) on the same port. */
    void resume() throws IOException {
        script("resume");
    }

    private void script(String action) throws IOException {
        int exit = StackProcess.exitCode(List.of(SCRIPT.toString(), action, directory.toString(), Integer.toString(port)));
        if (exit != 0) {
            throw new IOException("scripts/pg.sh " + action + " failed with " + exit);
        }
    }

    void stop() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is doing it
        }
    }

    private void stopQuietly() {
        try {
            StackProcess.run(List.of(SCRIPT.toString(), "stop", directory.toString()));
            lock.close();
            Files.deleteIfExists(Path.of(directory + ".lock"));
        } catch (IOException failure) {
            System.err.println("could not stop the fault suite's PostgreSQL in " + directory + ": " + failure);
        }
    }
}
