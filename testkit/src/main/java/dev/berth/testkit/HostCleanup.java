package dev.berth.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removes what a hostd test run created on the host, found by the run's unique prefix: what hostd
 * names {@code PREFIX-*} (runc containers, network namespaces), the bridge {@code PREFIX} (and
 * {@code PREFIX-1}, {@code PREFIX-2} ... of a run with several bridges) with their ports, the nft table {@code inet PREFIX_guard}, the cgroup root {@code PREFIX} (and
 * {@code PREFIX-*} next to it) in every hierarchy, and hostd's own nginx. Whatever is already gone
 * is skipped, so it serves a run's own clean-up, a clean-up after a failed start and the sweep of a
 * killed run alike. Needs root. Stateless.
 */
public final class HostCleanup {
    private static final String PREFIX_RULE = "[a-z][a-z0-9]{3,14}";

    private HostCleanup() {
    }

    /**
     * {@link #removeHostObjects} for a test that is not in Java (the portal's browser tests):
     * {@code java -cp testkit/target/classes dev.berth.testkit.HostCleanup PREFIX RUNC_ROOT NGINX_PID_FILE}.
     * Exits 2 on bad arguments, 1 if the clean-up failed.
     */
    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: HostCleanup PREFIX RUNC_ROOT NGINX_PID_FILE");
            System.exit(2);
        }
        try {
            removeHostObjects(args[0], Path.of(args[1]), Path.of(args[2]));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (IOException | RuntimeException e) {
            System.err.println("host clean-up of " + args[0] + " failed: " + e);
            System.exit(1);
        }
    }

    /**
     * Removes the run's host objects (not its files: see {@link #deleteTree}). Problems with one
     * cgroup are reported on standard error and the rest goes on.
     *
     * @param prefix the run's prefix; 4 to 15 characters a-z 0-9, a letter first (it also names the bridge)
     * @param runcRoot hostd's runc state directory ({@code --root})
     * @param nginxPidFile the pid file of hostd's own nginx; its master is stopped only if it still runs nginx
     * @throws IllegalArgumentException if {@code prefix} does not follow that rule (an empty one would match everything)
     */
    public static void removeHostObjects(String prefix, Path runcRoot, Path nginxPidFile) throws IOException {
        if (prefix == null || !prefix.matches(PREFIX_RULE)) {
            throw new IllegalArgumentException("a run prefix is 4 to 15 characters a-z 0-9, a letter first: " + prefix);
        }
        // Site containers, and build containers in their own state directory beside it.
        for (Path root : List.of(runcRoot, runcRoot.resolveSibling("runc-builds"))) {
            if (Files.isDirectory(root)) {
                for (String id : Commands.stdout(List.of("runc", "--root", root.toString(), "list", "-q")).split("\\s+")) {
                    if (id.startsWith(prefix + "-")) {
                        Commands.run(List.of("runc", "--root", root.toString(), "delete", "--force", id));
                    }
                }
            }
        }
        Path netns = Path.of("/var/run/netns");
        if (Files.isDirectory(netns)) {
            try (Stream<Path> entries = Files.list(netns)) {
                for (Path entry : entries.toList()) {
                    if (entry.getFileName().toString().startsWith(prefix + "-")) {
                        // Deleting a netns deletes its end of the veth pair, and with it the host end.
                        Commands.run(List.of("ip", "netns", "delete", entry.getFileName().toString()));
                    }
                }
            }
        }
        for (String bridge : bridges(prefix)) {
            for (String line : Commands.run(List.of("ip", "-o", "link", "show", "master", bridge)).split("\n")) {
                String[] fields = line.split(":\\s+");
                if (fields.length > 1) {
                    Commands.run(List.of("ip", "link", "delete", "dev", fields[1].replaceFirst("@.*", "")));
                }
            }
            Commands.run(List.of("ip", "link", "delete", "dev", bridge));
        }
        if (Commands.exitCode(List.of("nft", "list", "table", "inet", prefix + "_guard")) == 0) {
            Commands.run(List.of("nft", "delete", "table", "inet", prefix + "_guard"));
        }
        if (Files.exists(nginxPidFile)) {
            long pid = Long.parseLong(Files.readString(nginxPidFile).trim());
            ProcessHandle.of(pid).ifPresent(handle -> {
                if (handle.info().command().map(command -> command.contains("nginx")).orElse(false)) {
                    stopNginx(handle);
                }
            });
        }
        removeCgroups(prefix);
    }

    /**
     * SIGTERM makes the nginx master stop its workers without respawning them; stragglers are
     * killed after 5 s. Killing a worker first would make the master respawn it; killing the master
     * first would orphan the workers.
     */
    /** Whether {@code name} is one of the run's bridges: {@code PREFIX} or {@code PREFIX-N}. */
    public static boolean isRunBridge(String prefix, String name) {
        return name.equals(prefix) || name.matches(java.util.regex.Pattern.quote(prefix) + "-[0-9]+");
    }

    /** The run's bridges: {@code PREFIX} and, with several, {@code PREFIX-1}, {@code PREFIX-2} ... */
    public static List<String> bridges(String prefix) throws IOException {
        List<String> bridges = new java.util.ArrayList<>();
        for (String line : Commands.run(List.of("ip", "-o", "link", "show", "type", "bridge")).split("\n")) {
            String[] fields = line.split(":\\s+", 3);
            if (fields.length > 1 && isRunBridge(prefix, fields[1])) {
                bridges.add(fields[1]);
            }
        }
        return bridges;
    }

    public static void stopNginx(ProcessHandle master) {
        List<ProcessHandle> workers = master.descendants().toList();
        master.destroy();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline && workers.stream().anyMatch(HostCleanup::running)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        workers.forEach(ProcessHandle::destroyForcibly);
        master.destroyForcibly();
    }

    /** Alive and not a zombie (this sandbox's pid 1 may never reap re-parented processes). */
    private static boolean running(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException gone) {
            return false;
        }
    }

    /** The run's cgroup root in every hierarchy, and PREFIX-* next to it (the stack benchmark's podman peer puts its own there). */
    private static void removeCgroups(String prefix) throws IOException {
        List<Path> roots = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.filter(Files::isDirectory).toList()) {
                try (Stream<Path> entries = Files.list(hierarchy)) {
                    entries.filter(entry -> entry.getFileName().toString().equals(prefix)
                            || entry.getFileName().toString().startsWith(prefix + "-")).filter(Files::isDirectory).forEach(roots::add);
                }
            }
        }
        for (Path root : roots) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path cgroup : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    try {
                        Files.delete(cgroup);
                    } catch (IOException busy) {
                        System.err.println("cannot remove cgroup " + cgroup + ": " + busy);
                    }
                }
            }
        }
    }

    /**
     * Deletes {@code root} and everything below it; nothing when it does not exist. File systems
     * mounted below it (build workspaces, a tmpfs data directory) are unmounted first.
     */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        String below = root.toAbsolutePath().normalize() + "/";
        List<String> mounted = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && (fields[1] + "/").startsWith(below)) {
                mounted.add(fields[1]);
            }
        }
        mounted.sort(Comparator.comparingInt(String::length).reversed());
        for (String mountPoint : mounted) {
            Commands.run(List.of("umount", "--lazy", mountPoint));
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
