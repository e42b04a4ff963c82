package dev.berth.hostd.cgroups;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.ResourceLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * cgroups through the cgroup file system, v1 (one hierarchy per controller, as on hybrid hosts) or
 * v2 (unified). The tree is {@code ROOT/tenant-ID/site-ID}; the runtime creates the site leaf.
 */
public final class FileCgroups implements Cgroups {
    private static final List<String> V1_LIMITED = List.of("cpu", "memory", "pids");

    private final Path mount;
    private final String root;
    private final boolean unified;
    private volatile Boolean limitsSwap;

    /**
     * @param mount the cgroup mount, normally {@code /sys/fs/cgroup}
     * @param root  the directory under each hierarchy that holds this hostd's tenants, e.g. {@code berth}
     */
    public FileCgroups(Path mount, String root) {
        if (!root.matches("[a-z][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("cgroup root must be a simple lower-case directory name");
        }
        this.mount = mount;
        this.root = root;
        this.unified = Files.exists(mount.resolve("cgroup.controllers"));
    }

    /**
     * Whether the kernel accounts swap per cgroup, so that memory limits can cover it: v1 with
     * {@code memory.memsw.*} (swap accounting on), v2 with {@code memory.swap.max} in its cgroups.
     */
    @Override
    public boolean limitsSwap() {
        Boolean known = limitsSwap;
        if (known == null) {
            known = unified ? unifiedAccountsSwap() : Files.exists(mount.resolve("memory").resolve("memory.memsw.limit_in_bytes"));
            limitsSwap = known;
        }
        return known;
    }

    /** v2 has no memory.swap.max at its root: any cgroup with the memory controller tells. */
    private boolean unifiedAccountsSwap() {
        try (Stream<Path> children = Files.list(mount)) {
            return children.filter(Files::isDirectory).anyMatch(child -> Files.exists(child.resolve("memory.max"))
                    && Files.exists(child.resolve("memory.swap.max")));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String mode() {
        return unified ? "v2" : "v1";
    }

    @Override
    public String sitePath(UUID tenantId, UUID siteId) {
        return "/" + root + "/tenant-" + tenantId + "/site-" + siteId;
    }

    /** A build's cgroup: under the tenant's, so that the tenant's limits hold for its builds too. */
    public String buildPath(UUID tenantId, String buildId) {
        return "/" + root + "/tenant-" + tenantId + "/build-" + buildId;
    }

    /** A pool slot's cgroup, outside every tenant's ({@code WarmPool}). */
    public String poolPath(String slot) {
        return "/" + root + "/pool/" + slot;
    }

    /** Controllers whose limits and accounting follow a site's process when a pool slot is claimed. */
    private static final List<String> V1_ADOPTED = List.of("cpu", "cpuacct", "memory", "pids");

    /**
     * Whether process {@code pid} is in pool slot {@code slot}'s cgroup in every hierarchy that
     * {@link #adopt} moves a process in (so no claim began to move it), from {@code /proc/PID/cgroup}.
     */
    public boolean inPool(int pid, String slot) {
        String path = poolPath(slot);
        Set<String> seen = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup"), StandardCharsets.US_ASCII)) {
                String[] fields = line.split(":", 3);
                if (fields.length < 3) {
                    continue;
                }
                for (String controller : fields[1].split(",")) {
                    if (V1_ADOPTED.contains(controller)) {
                        if (!fields[2].equals(path)) {
                            return false;
                        }
                        seen.add(controller);
                    }
                }
            }
        } catch (IOException gone) {
            return false;
        }
        return seen.containsAll(V1_ADOPTED);
    }

    /**
     * Gives a running pool slot's process to a site (cgroup v1 only): the site's cgroup under its
     * tenant's gets the site's limits, as runc would have written them, then the process moves into
     * it in the cpu, cpuacct, memory and pids hierarchies, with the memory it has charged where the
     * kernel still moves charges ({@code memory.move_charge_at_immigrate}; newer kernels keep what
     * the idle server charged, a few hundred KiB, with the slot). It stays in the slot's cgroup of the other
     * hierarchies, where runc set its device rules and freezer; runc removes those with the container.
     *
     * @throws HostOperationException also on cgroup v2, where moving would leave the device program runc attached behind
     */
    public void adopt(UUID tenantId, UUID siteId, ResourceLimits limits, int pid) throws HostOperationException {
        if (unified) {
            throw new HostOperationException("a pool slot cannot be adopted on cgroup v2");
        }
        String path = sitePath(tenantId, siteId).substring(1);
        CpuQuota cpuQuota = CpuQuota.of(limits.cpuMillicores());
        try {
            for (String controller : V1_ADOPTED) {
                Files.createDirectories(mount.resolve(controller).resolve(path));
            }
            Path memory = mount.resolve("memory").resolve(path);
            writeMemoryLimit(memory, limits.memoryBytes());
            try {
                write(memory.resolve("memory.move_charge_at_immigrate"), "3");
            } catch (IOException deprecated) {
                // Recent kernels refuse it (deprecated in v1): what the idle server charged stays with the slot.
            }
            Path cpu = mount.resolve("cpu").resolve(path);
            write(cpu.resolve("cpu.cfs_period_us"), Long.toString(cpuQuota.periodMicros()));
            write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(cpuQuota.quotaMicros()));
            write(mount.resolve("pids").resolve(path).resolve("pids.max"), Integer.toString(limits.pids()));
            for (String controller : V1_ADOPTED) {
                write(mount.resolve(controller).resolve(path).resolve("cgroup.procs"), Integer.toString(pid));
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot move a pool slot into the site's cgroup: " + e.getMessage(), e);
        }
    }

    private String tenantPath(UUID tenantId) {
        return root + "/tenant-" + tenantId;
    }

    @Override
    public void ensureTenant(UUID tenantId, ResourceLimits limits) throws HostOperationException {
        CpuQuota cpuQuota = CpuQuota.of(limits.cpuMillicores());
        try {
            if (unified) {
                Path rootDir = mount.resolve(root);
                Files.createDirectories(rootDir);
                enableControllers(mount);
                enableControllers(rootDir);
                Path tenant = mount.resolve(tenantPath(tenantId));
                Files.createDirectories(tenant);
                enableControllers(tenant);
                write(tenant.resolve("memory.max"), Long.toString(limits.memoryBytes()));
                if (limitsSwap()) {
                    write(tenant.resolve("memory.swap.max"), "0");
                }
                write(tenant.resolve("cpu.max"), cpuQuota.quotaMicros() + " " + cpuQuota.periodMicros());
                write(tenant.resolve("pids.max"), Integer.toString(limits.pids()));
            } else {
                for (String controller : V1_LIMITED) {
                    Files.createDirectories(mount.resolve(controller).resolve(tenantPath(tenantId)));
                }
                writeMemoryLimit(mount.resolve("memory").resolve(tenantPath(tenantId)), limits.memoryBytes());
                Path cpu = mount.resolve("cpu").resolve(tenantPath(tenantId));
                if (readLong(cpu.resolve("cpu.cfs_period_us")) != cpuQuota.periodMicros()) {
                    // A new period under the old quota could ask less than the sites' own limits
                    // (the kernel refuses that): lift the quota for the moment of the change.
                    write(cpu.resolve("cpu.cfs_quota_us"), "-1");
                    write(cpu.resolve("cpu.cfs_period_us"), Long.toString(cpuQuota.periodMicros()));
                }
                write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(cpuQuota.quotaMicros()));
                write(mount.resolve("pids").resolve(tenantPath(tenantId)).resolve("pids.max"), Integer.toString(limits.pids()));
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot set tenant cgroup limits: " + e.getMessage(), e);
        }
    }

    /**
     * v1: the memory limit and, where swap is accounted, the same limit for memory + swap (so the
     * tenant gets no swap). The kernel wants memsw >= memory at every moment: memsw is raised
     * before the memory limit and lowered after it.
     */
    private void writeMemoryLimit(Path memory, long bytes) throws IOException {
        Path limit = memory.resolve("memory.limit_in_bytes");
        Path withSwap = memory.resolve("memory.memsw.limit_in_bytes");
        if (!limitsSwap()) {
            write(limit, Long.toString(bytes));
            return;
        }
        long current = readLong(limit);
        if (current < 0 || bytes > current) {
            write(withSwap, Long.toString(bytes));
            write(limit, Long.toString(bytes));
        } else {
            write(limit, Long.toString(bytes));
            write(withSwap, Long.toString(bytes));
        }
    }

    private static void enableControllers(Path directory) throws IOException {
        write(directory.resolve("cgroup.subtree_control"), "+cpu +memory +pids");
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }

    @Override
    public Usage siteUsage(UUID tenantId, UUID siteId) {
        String path = sitePath(tenantId, siteId).substring(1);
        if (unified) {
            Path dir = mount.resolve(path);
            long cpuNanos = read(dir.resolve("cpu.stat"))
                    .flatMap(text -> text.lines().filter(line -> line.startsWith("usage_usec ")).findFirst())
                    .map(line -> Long.parseLong(line.substring("usage_usec ".length()).trim()) * 1000)
                    .orElse(-1L);
            return new Usage(readLong(dir.resolve("memory.current")), cpuNanos, (int) readLong(dir.resolve("pids.current")));
        }
        return new Usage(
                readLong(mount.resolve("memory").resolve(path).resolve("memory.usage_in_bytes")),
                readLong(mount.resolve("cpuacct").resolve(path).resolve("cpuacct.usage")),
                (int) readLong(mount.resolve("pids").resolve(path).resolve("pids.current")));
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long readLong(Path file) {
        return read(file).map(String::trim).map(text -> {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
    }

    private List<Path> hierarchies() throws IOException {
        if (unified) {
            return List.of(mount);
        }
        try (Stream<Path> entries = Files.list(mount)) {
            // Named hierarchies without controllers (name=systemd) and the unified mount of a hybrid
            // host also get a directory from the runtime; clean them up too.
            return entries.filter(Files::isDirectory).filter(dir -> !Files.isSymbolicLink(dir)).toList();
        }
    }

    @Override
    public void removeSite(UUID tenantId, UUID siteId) throws HostOperationException {
        String path = sitePath(tenantId, siteId).substring(1);
        try {
            for (Path hierarchy : hierarchies()) {
                removeDirectory(hierarchy.resolve(path));
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot remove site cgroup: " + e.getMessage(), e);
        }
    }

    @Override
    public void removeTenantIfEmpty(UUID tenantId) throws HostOperationException {
        try {
            for (Path hierarchy : hierarchies()) {
                Path tenant = hierarchy.resolve(tenantPath(tenantId));
                if (Files.isDirectory(tenant) && childDirectories(tenant).isEmpty()) {
                    removeDirectory(tenant);
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot remove tenant cgroup: " + e.getMessage(), e);
        }
    }

    /** Removes the pool slots' cgroups that hold no process (left by slots that died), and their parent once empty. */
    public void removeEmptyPoolCgroups() throws HostOperationException {
        try {
            for (Path hierarchy : hierarchies()) {
                Path pool = hierarchy.resolve(root).resolve("pool");
                if (Files.isDirectory(pool)) {
                    for (Path slot : childDirectories(pool)) {
                        removeIfEmpty(slot);
                    }
                    removeIfEmpty(pool);
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot list the pool's cgroups: " + e.getMessage(), e);
        }
    }

    private static void removeIfEmpty(Path directory) {
        try {
            removeDirectory(directory);
        } catch (IOException busy) {
            // a process is still inside: a slot that runs
        }
    }

    /** Removes the root directory itself when nothing is left under it (used by tests and uninstall). */
    public void removeRootIfEmpty() throws IOException {
        for (Path hierarchy : hierarchies()) {
            Path rootDir = hierarchy.resolve(root);
            if (Files.isDirectory(rootDir) && childDirectories(rootDir).isEmpty()) {
                removeDirectory(rootDir);
            }
        }
    }

    private static void removeDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        // cgroup directories are removed with rmdir(2), never recursively: the kernel refuses while a
        // process is inside or a child cgroup exists, which is the safety we want.
        for (Path child : childDirectories(directory)) {
            removeDirectory(child);
        }
        try {
            Files.delete(directory);
        } catch (java.nio.file.NoSuchFileException ignored) {
            // removed concurrently: the goal is reached
        }
    }

    private static List<Path> childDirectories(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isDirectory).toList();
        }
    }

    @Override
    public Map<UUID, Set<UUID>> existing() throws HostOperationException {
        Map<UUID, Set<UUID>> result = new HashMap<>();
        try {
            for (Path hierarchy : hierarchies()) {
                Path rootDir = hierarchy.resolve(root);
                if (!Files.isDirectory(rootDir)) {
                    continue;
                }
                for (Path tenant : childDirectories(rootDir)) {
                    Optional<UUID> tenantId = parse(tenant, "tenant-");
                    if (tenantId.isEmpty()) {
                        continue;
                    }
                    Set<UUID> sites = result.computeIfAbsent(tenantId.get(), id -> new HashSet<>());
                    for (Path site : childDirectories(tenant)) {
                        parse(site, "site-").ifPresent(sites::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot list cgroups: " + e.getMessage(), e);
        }
        return result;
    }

    private static Optional<UUID> parse(Path directory, String prefix) {
        String name = directory.getFileName().toString();
        if (!name.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(name.substring(prefix.length())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
