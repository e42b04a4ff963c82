package dev.berth.hostd.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/** nginx's worker processes as seen in {@code /proc}: who they are and whether they still accept connections. */
final class NginxWorkers {
    static final String SHUTTING_DOWN = "worker process is shutting down";

    private NginxWorkers() {
    }

    /** Pids of the live children of {@code master} (its workers), from {@code /proc/PID/stat}. */
    static Set<Long> children(Path proc, long master) {
        Set<Long> children = new HashSet<>();
        try (Stream<Path> entries = Files.list(proc)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(entry.resolve("stat"), StandardCharsets.US_ASCII);
                    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so split after the last ')'.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (!"Z".equals(fields[0]) && Long.parseLong(fields[1]) == master) {
                        children.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException ignored) {
                    // gone meanwhile, or not readable
                }
            }
        } catch (IOException ignored) {
            // no /proc: nothing to wait for
        }
        return children;
    }

    /** True once a process has stopped accepting: gone (or a zombie) or titled "worker process is shutting down". */
    static boolean stoppedAccepting(Path proc, long pid) {
        try {
            String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
            if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                return true;
            }
            byte[] cmdline = Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains(SHUTTING_DOWN);
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** After a reload: every old worker has stopped accepting and a new (accepting) worker exists. */
    static boolean reloaded(Path proc, long master, Set<Long> oldWorkers) {
        return retired(proc, oldWorkers) && newWorkerRunning(proc, master, oldWorkers);
    }

    /** Every one of these workers has stopped accepting. */
    static boolean retired(Path proc, Set<Long> oldWorkers) {
        for (long pid : oldWorkers) {
            if (!stoppedAccepting(proc, pid)) {
                return false;
            }
        }
        return true;
    }

    /** A worker of {@code master} that is not one of {@code oldWorkers} runs and accepts: the master has read its files. */
    static boolean newWorkerRunning(Path proc, long master, Set<Long> oldWorkers) {
        for (long pid : children(proc, master)) {
            if (!oldWorkers.contains(pid) && !stoppedAccepting(proc, pid)) {
                return true;
            }
        }
        return false;
    }
}
