package dev.berth.hostd.runtime;

import dev.berth.observability.DaemonThreads;
import dev.berth.hostd.cgroups.FileCgroups;
import dev.berth.hostd.network.CniNetwork;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SiteNames;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site containers of {@link RuncRuntime} with a warm pool in front: a few containers started
 * before any site asks, each in its own network namespace already plugged into the bridge (no
 * address yet), serving an empty directory of its own. A site that is created or started, and has
 * no container, claims one ({@link #claim}) instead of waiting for {@code runc run} and the CNI
 * plugin: its process moves into the site's cgroups with the site's limits, the namespace takes the
 * site's name and addresses, the slot's directory becomes the site's directory, and runc's state
 * takes the site's container id. A background thread starts the next slot.
 *
 * <p>What a claimed container shares with one started for the site: the same root file system,
 * mounts, seccomp filter, capabilities (none), limits, addresses and bridge port. What differs: its
 * user namespace maps a range of host ids of its own (the pool's ranges lie past the sites', one per
 * slot, not reused while the container lives), its cgroups of the device and freezer hierarchies
 * are the slot's (where runc set its device rules), and its host name (UTS) stays the slot's id,
 * which the server never reads (setting it would cost a process on the claim's path). A slot is claimed once: a claimed
 * container is destroyed with its site, never returned to the pool, and a slot never held another
 * site's bytes. cgroup v2 hosts get no pool ({@link FileCgroups#adopt}).
 *
 * <p>A claim commits by the spec hash written into the site's bundle, last: a hostd killed before
 * that finds the site's container without its hash and restarts it the usual way; {@link #recover}
 * destroys the slots no site claimed. Thread-safe.
 */
public final class WarmPool implements ContainerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(WarmPool.class);
    /** The file in a claimed container's bundle naming its pool range. */
    static final String RANGE_FILE = "pool-range";
    /** A slot's limits until its claim: enough for an idle server. */
    public static final ResourceLimits SLOT_LIMITS = new ResourceLimits(250, 32, 32);
    /** The pause before starting slots again after one could not be started. */
    static final java.time.Duration RETRY_AFTER = java.time.Duration.ofSeconds(30);

    /** Where a pool's slots come from. */
    public record Settings(int size, Path rootfs, Path slotDirectory, long idBase, int idsPerSite, int ranges,
                           boolean limitSwap, ResourceLimits slotLimits) {
    }

    /** A started, unclaimed slot. */
    record Slot(int range, String id, int pid, String hostVeth, Path content) {
    }

    private final RuncRuntime runc;
    private final CniNetwork network;
    private final FileCgroups cgroups;
    private final SiteNames names;
    private final Function<UUID, Path> siteDirectory;
    private final Settings settings;
    private final OciConfig ociConfig;
    private final ConcurrentLinkedQueue<Slot> ready = new ConcurrentLinkedQueue<>();
    /** Pool ranges held by a ready slot or a claimed container. */
    private final Set<Integer> rangesInUse = new HashSet<>();
    private final ScheduledExecutorService filler;
    private final AtomicBoolean fillQueued = new AtomicBoolean();
    private volatile boolean closed;
    /** Set by {@link #startFilling}: no slot is started before the host's bridge exists. */
    private volatile boolean filling;
    private volatile String lastFailure;
    /** Called at each stage of a claim with its name and the site's spec; a test-only failpoint may hold there. */
    private volatile java.util.function.BiConsumer<String, SiteSpec> checkpoint = (stage, spec) -> { };

    public WarmPool(RuncRuntime runc, CniNetwork network, FileCgroups cgroups, SiteNames names,
                    Function<UUID, Path> siteDirectory, Settings settings, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.runc = runc;
        this.network = network;
        this.cgroups = cgroups;
        this.names = names;
        this.siteDirectory = siteDirectory;
        this.settings = settings;
        this.ociConfig = new OciConfig(mapper);
        this.filler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("warm-pool"));
        if (settings.size() > 0 && !"v1".equals(cgroups.mode())) {
            lastFailure = "the pool needs cgroup v1; this host has " + cgroups.mode();
        }
    }

    /**
     * Sets what runs at each stage of a claim ({@code cgroups}, {@code network}, {@code directory}
     * with the site's files in the slot's directory, {@code commit} before runc's state is renamed):
     * the test-only failpoint that lets a fault test kill hostd there.
     */
    public void checkpoints(java.util.function.BiConsumer<String, SiteSpec> checkpoint) {
        this.checkpoint = checkpoint;
    }

    /** Whether slots are kept: a size above 0, cgroup v1, and pool ranges for at least the size. */
    public boolean enabled() {
        return settings.size() > 0 && "v1".equals(cgroups.mode()) && settings.ranges() >= settings.size();
    }

    /** The configured number of ready slots. */
    public int size() {
        return enabled() ? settings.size() : 0;
    }

    /** Slots started and unclaimed now. */
    public int ready() {
        return ready.size();
    }

    /** Why the last slot could not be started, or the pool is off; null if nothing went wrong. */
    public String lastFailure() {
        return lastFailure;
    }

    private String slotPrefix() {
        return names.prefix() + "-pool-";
    }

    /**
     * Keeps the slots a previous run left that are as {@link #startSlot} would make them now, and
     * destroys the others (their containers, namespaces, directories and cgroups); puts back what a
     * claim interrupted before its commit; notes the ranges that claimed containers hold. Called once, before any site converges; {@link #startFilling} follows
     * once the bridge is there.
     */
    public void recover() throws HostOperationException {
        runc.removeSetAside();
        Map<String, String> ports = network.sparePorts(slotPrefix());
        Set<String> kept = new HashSet<>();
        try {
            restoreInterruptedClaims();
        } catch (IOException e) {
            throw new HostOperationException("cannot put back the files of an interrupted claim: " + e.getMessage(), e);
        }
        for (String id : runc.idsStartingWith(slotPrefix())) {
            Optional<Slot> slot = enabled() ? untouched(id, ports.get(id)) : Optional.empty();
            if (slot.isPresent() && ready.size() < settings.size()) {
                ready.add(slot.get());
                synchronized (rangesInUse) {
                    rangesInUse.add(slot.get().range());
                }
                kept.add(id);
            } else {
                runc.delete(id);
            }
        }
        for (String netns : network.namespacesStartingWith(slotPrefix())) {
            if (!kept.contains(netns)) {
                network.removeSpare(netns);
            }
        }
        cgroups.removeEmptyPoolCgroups();
        try {
            if (Files.isDirectory(settings.slotDirectory())) {
                try (Stream<Path> entries = Files.list(settings.slotDirectory())) {
                    for (Path entry : entries.filter(entry -> !kept.contains(entry.getFileName().toString())).toList()) {
                        RuncRuntime.deleteTree(entry);
                    }
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot clear the pool's directory: " + e.getMessage(), e);
        }
        synchronized (rangesInUse) {
            for (UUID siteId : runc.containers()) {
                heldRange(siteId).ifPresent(rangesInUse::add);
            }
        }
        if (!enabled() && settings.size() > 0 && lastFailure == null) {
            lastFailure = "no host id ranges are left for the pool (lower idsPerSite or the subnet's size)";
        }
    }

    /**
     * A slot a previous run left that no claim touched and that this hostd would start the same
     * way: its server runs and listens in the slot's cgroups and namespace, its directory is empty,
     * its bundle holds the configuration {@link #startSlot} renders now. Anything else is destroyed.
     */
    private Optional<Slot> untouched(String id, String hostVeth) {
        try {
            int range = Integer.parseInt(id.substring(slotPrefix().length()));
            Path content = settings.slotDirectory().resolve(id);
            int pid = runc.runningPid(id);
            if (range < 0 || range >= settings.ranges() || hostVeth == null || pid <= 0
                    || !Files.exists(network.spareNamespacePath(id)) || !Files.isDirectory(content)
                    || Files.exists(settings.slotDirectory().resolve(id + ".claim"))
                    || !RuncRuntime.listensOn(pid)) {
                return Optional.empty();
            }
            try (Stream<Path> files = Files.list(content)) {
                if (files.findAny().isPresent()) {
                    return Optional.empty();
                }
            }
            if (!cgroups.inPool(pid, id) || !runc.bundleConfigEquals(id, slotConfig(id, range, content))) {
                return Optional.empty();
            }
            return Optional.of(new Slot(range, id, pid, hostVeth, content));
        } catch (NumberFormatException | IOException | HostOperationException e) {
            return Optional.empty();
        }
    }

    private com.fasterxml.jackson.databind.node.ObjectNode slotConfig(String id, int range, Path content) {
        OciConfig.Inputs inputs = new OciConfig.Inputs(settings.rootfs(), content, network.spareNamespacePath(id),
                cgroups.poolPath(id), settings.idBase() + (long) range * settings.idsPerSite(), settings.idsPerSite(),
                settings.limitSwap());
        return ociConfig.render(id, settings.slotLimits(), inputs);
    }

    /** Starts the slots, in the background. */
    public void startFilling() {
        filling = true;
        refill();
    }

    /**
     * A claim that was moving a site's files into a slot's directory when hostd stopped left a
     * marker {@code SLOT.claim} naming the site: the files go back to the site's directory.
     */
    private void restoreInterruptedClaims() throws IOException {
        if (!Files.isDirectory(settings.slotDirectory())) {
            return;
        }
        try (Stream<Path> entries = Files.list(settings.slotDirectory())) {
            for (Path marker : entries.filter(entry -> entry.getFileName().toString().endsWith(".claim")).toList()) {
                String slot = marker.getFileName().toString().replaceFirst("\\.claim$", "");
                Path content = settings.slotDirectory().resolve(slot);
                UUID siteId = UUID.fromString(Files.readString(marker, StandardCharsets.US_ASCII).trim());
                Path site = siteDirectory.apply(siteId);
                if (Files.isDirectory(content)) {
                    Files.createDirectories(site);
                    try (Stream<Path> moved = Files.list(content)) {
                        for (Path entry : moved.toList()) {
                            if (!Files.exists(site.resolve(entry.getFileName()), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                                Files.move(entry, site.resolve(entry.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                            }
                        }
                    }
                }
                Files.delete(marker);
            }
        }
    }

    private static Optional<Integer> parseRange(String text) {
        try {
            return Optional.of(Integer.parseInt(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Starts slots in the background until {@link #size} are ready; one fill runs at a time. */
    private void refill() {
        if (closed || !filling || !enabled() || !fillQueued.compareAndSet(false, true)) {
            return;
        }
        filler.execute(() -> {
            fillQueued.set(false);
            while (!closed && ready.size() < settings.size()) {
                try {
                    ready.add(startSlot());
                    lastFailure = null;
                } catch (HostOperationException | RuntimeException e) {
                    // Tried again after a pause (or at the next claim), not in a loop on a host that cannot start one.
                    lastFailure = e.getMessage();
                    LOG.warn("could not start a pool slot: {}", e.getMessage());
                    if (!closed) {
                        filler.schedule(this::refill, RETRY_AFTER.toSeconds(), TimeUnit.SECONDS);
                    }
                    return;
                }
            }
        });
    }

    private int takeRange() throws HostOperationException {
        synchronized (rangesInUse) {
            for (int range = 0; range < settings.ranges(); range++) {
                if (rangesInUse.add(range)) {
                    return range;
                }
            }
        }
        throw new HostOperationException("every pool range is held by a slot or a claimed container");
    }

    private void releaseRange(int range) {
        synchronized (rangesInUse) {
            rangesInUse.remove(range);
        }
    }

    private Slot startSlot() throws HostOperationException {
        int range = takeRange();
        String id = slotPrefix() + range;
        Path content = settings.slotDirectory().resolve(id);
        try {
            RuncRuntime.deleteTree(content);
            Files.createDirectories(content);
            Files.setPosixFilePermissions(settings.slotDirectory(), PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(content, PosixFilePermissions.fromString("rwxr-xr-x"));
            String hostVeth = network.attachSpare(id);
            int pid = runc.run(id, slotConfig(id, range, content), null);
            return new Slot(range, id, pid, hostVeth, content);
        } catch (HostOperationException | IOException | RuntimeException e) {
            discard(id, content);
            releaseRange(range);
            throw e instanceof HostOperationException known ? known
                    : new HostOperationException("cannot start pool slot " + id + ": " + e.getMessage(), e);
        }
    }

    private void discard(String id, Path content) {
        try {
            runc.delete(id);
            network.removeSpare(id);
            if (!Files.exists(settings.slotDirectory().resolve(id + ".claim"))) {
                RuncRuntime.deleteTree(content);
            }
        } catch (HostOperationException | IOException e) {
            LOG.warn("could not remove pool slot {}: {}", id, e.getMessage());
        }
    }

    @Override
    public boolean claim(SiteSpec spec) {
        if (closed || !enabled() || runc.hasContainer(spec.siteId())) {
            return false;
        }
        Slot slot = ready.poll();
        if (slot == null) {
            refill();
            return false;
        }
        boolean adopted = false;
        long started = System.nanoTime();
        try {
            UUID siteId = spec.siteId();
            checkpoint.accept("cgroups", spec);
            cgroups.ensureTenant(spec.tenantId(), spec.tenantLimits());
            cgroups.adopt(spec.tenantId(), siteId, spec.siteLimits(), slot.pid());
            long cgroupsDone = System.nanoTime();
            checkpoint.accept("network", spec);
            network.adopt(slot.id(), slot.pid(), slot.hostVeth(), spec);
            long networkDone = System.nanoTime();
            giveDirectory(slot, spec);
            long directoryDone = System.nanoTime();
            checkpoint.accept("commit", spec);
            runc.adopt(slot.id(), spec, slot.pid(), Map.of(RANGE_FILE, Integer.toString(slot.range())));
            adopted = true;
            long done = System.nanoTime();
            LOG.info("site {} claimed pool slot {} in {} ms (cgroups {}, network {}, directory {}, runc state {})",
                    spec.name(), slot.id(), millis(started, done), millis(started, cgroupsDone), millis(cgroupsDone, networkDone),
                    millis(networkDone, directoryDone), millis(directoryDone, done));
            return true;
        } catch (HostOperationException | IOException | RuntimeException e) {
            LOG.warn("claiming pool slot {} for site {} failed; it starts the usual way: {}", slot.id(), spec.name(), e.getMessage());
            return false;
        } finally {
            if (!adopted) {
                // The site's namespace, if it got the slot's, is repaired by its attach step. A
                // container already renamed to the site's keeps its range until its removal.
                discard(slot.id(), slot.content());
                if (!runc.hasContainer(spec.siteId())) {
                    releaseRange(slot.range());
                }
            }
            refill();
        }
    }

    private static long millis(long from, long to) {
        return (to - from) / 1_000_000;
    }

    /**
     * The slot's directory becomes the site's: what the site's directory holds (a stopped site's
     * releases, the content just installed) moves into the slot's, which then takes the site's
     * path. The container's {@code /srv} is a bind mount of the slot's directory, which follows it.
     */
    private void giveDirectory(Slot slot, SiteSpec spec) throws IOException {
        UUID siteId = spec.siteId();
        Path site = siteDirectory.apply(siteId);
        Files.createDirectories(site.getParent());
        Path marker = settings.slotDirectory().resolve(slot.id() + ".claim");
        Files.writeString(marker, siteId.toString(), StandardCharsets.US_ASCII);
        List<Path> moved = new java.util.ArrayList<>();
        try {
            if (Files.isDirectory(site)) {
                try (Stream<Path> entries = Files.list(site)) {
                    for (Path entry : entries.toList()) {
                        Files.move(entry, slot.content().resolve(entry.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                        moved.add(entry.getFileName());
                    }
                }
            }
            checkpoint.accept("directory", spec);
            // rename(2) replaces the site's directory, empty now.
            Files.move(slot.content(), site, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            for (Path name : moved) {
                Files.move(slot.content().resolve(name), site.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.delete(marker);
            throw e;
        }
        // Left in place if putting the files back failed: the next recover does it.
        Files.delete(marker);
    }

    @Override
    public Status status(UUID siteId) throws HostOperationException {
        return runc.status(siteId);
    }

    /** Starts the site's container the usual way; a claimed container it replaces gives its range back. */
    @Override
    public void start(SiteSpec spec) throws HostOperationException {
        remove(spec.siteId());
        runc.start(spec);
    }

    @Override
    public void remove(UUID siteId) throws HostOperationException {
        Optional<Integer> range = heldRange(siteId);
        runc.remove(siteId);
        range.ifPresent(this::releaseRange);
    }

    /** Sets the site's container aside to be deleted in the background; a claimed container gives its range back once gone. */
    @Override
    public void stop(UUID siteId) throws HostOperationException {
        Optional<Integer> range = heldRange(siteId);
        runc.stop(siteId, () -> range.ifPresent(this::releaseRange));
    }

    private Optional<Integer> heldRange(UUID siteId) {
        return runc.bundleFile(siteId, RANGE_FILE).flatMap(WarmPool::parseRange);
    }

    @Override
    public Set<UUID> containers() throws HostOperationException {
        return runc.containers();
    }

    @Override
    public String specHash(SiteSpec spec) {
        return runc.specHash(spec);
    }

    @Override
    public String version() {
        return runc.version();
    }

    /** Stops starting slots; the ready ones keep running until the next {@link #recover} (or {@link #destroy}). */
    public void close() {
        closed = true;
        filler.shutdownNow();
    }

    /** Closes the pool and destroys its ready slots (tests, uninstall). */
    public void destroy() {
        close();
        for (Slot slot = ready.poll(); slot != null; slot = ready.poll()) {
            discard(slot.id(), slot.content());
            releaseRange(slot.range());
        }
    }
}
