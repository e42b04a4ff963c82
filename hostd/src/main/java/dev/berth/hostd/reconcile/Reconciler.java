package dev.berth.hostd.reconcile;

import dev.berth.hostd.cgroups.Cgroups;
import dev.berth.hostd.content.Content;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.network.Network;
import dev.berth.hostd.proxy.Proxy;
import dev.berth.hostd.runtime.Runtime;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.ObservedSite;
import dev.berth.hostd.site.SiteSpec;
import dev.berth.hostd.site.SpecStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges the host on the specs hostd holds. For every spec'd site it makes content, tenant
 * cgroup, network, container and proxy entry match; every host object of this hostd that no spec
 * claims is removed. It runs on start ({@link #recover()}), after every spec change
 * ({@link #nudge}), when a watched container dies (restart with {@link Backoff}) and periodically.
 *
 * <p>Thread-safe: each site is converged under its own lock; different sites converge in parallel.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final long SLOW_STEP_MILLIS = 500;

    private final SpecStore specs;
    private final Content content;
    private final Cgroups cgroups;
    private final Network network;
    private final Runtime runtime;
    private final Proxy proxy;
    private final SiteRecords records;
    private final Clock clock;
    private final Backoff backoff;
    private final Duration stableAfter;
    private final Map<UUID, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<UUID, SiteStatus> statuses = new ConcurrentHashMap<>();
    private final Set<UUID> queued = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final ExecutorService proxyWorker;
    private final ScheduledExecutorService background;
    private final Failpoint failpoint;

    public Reconciler(SpecStore specs, Content content, Cgroups cgroups, Network network, Runtime runtime, Proxy proxy,
                      Clock clock, Backoff backoff, Duration stableAfter, int workerThreads) {
        this(specs, content, cgroups, network, runtime, proxy, SiteRecords.none(), clock, backoff, stableAfter, workerThreads);
    }

    /** As above, plus the site's DNS records (part {@code dns}), re-asserted on every convergence when they drift. */
    public Reconciler(SpecStore specs, Content content, Cgroups cgroups, Network network, Runtime runtime, Proxy proxy,
                      SiteRecords records, Clock clock, Backoff backoff, Duration stableAfter, int workerThreads) {
        this(specs, content, cgroups, network, runtime, proxy, records, clock, backoff, stableAfter, workerThreads, Failpoint.NONE);
    }

    /** As above, with a test-only {@link Failpoint} that can park one step of one site. */
    public Reconciler(SpecStore specs, Content content, Cgroups cgroups, Network network, Runtime runtime, Proxy proxy,
                      SiteRecords records, Clock clock, Backoff backoff, Duration stableAfter, int workerThreads,
                      Failpoint failpoint) {
        this.failpoint = failpoint;
        this.specs = specs;
        this.records = records;
        this.content = content;
        this.cgroups = cgroups;
        this.network = network;
        this.runtime = runtime;
        this.proxy = proxy;
        this.clock = clock;
        this.backoff = backoff;
        this.stableAfter = stableAfter;
        this.workers = Executors.newFixedThreadPool(workerThreads, named("reconcile"));
        this.timer = Executors.newSingleThreadScheduledExecutor(named("reconcile-timer"));
        this.proxyWorker = Executors.newFixedThreadPool(workerThreads, named("reconcile-proxy"));
        this.background = Executors.newSingleThreadScheduledExecutor(named("reconcile-full"));
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Re-attaches to what survived a restart of hostd (running containers whose configuration still
     * matches are kept, not restarted), converges every site and removes orphans. Blocks until done.
     */
    public void recover() {
        try {
            // A release half-extracted when hostd died would otherwise stay forever: no spec names it.
            content.removeIncomplete();
        } catch (HostOperationException e) {
            LOG.error("incomplete content could not be removed: {}", e.getMessage());
        }
        try {
            network.ensureBridge();
        } catch (HostOperationException e) {
            LOG.error("bridge setup failed; sites will report it", e);
        }
        for (SiteSpec spec : specs.all()) {
            converge(spec.siteId());
        }
        sweepOrphans();
    }

    /** Starts the watch of running containers and the periodic full reconcile. */
    public void startLoops(Duration monitorInterval, Duration fullInterval) {
        timer.scheduleWithFixedDelay(this::watch, monitorInterval.toMillis(), monitorInterval.toMillis(), TimeUnit.MILLISECONDS);
        // The full pass runs on its own thread, one site after the other: a change pushed by the API
        // (nudge) never queues behind a periodic pass over hundreds of unchanged sites.
        background.scheduleWithFixedDelay(() -> {
            try {
                ensureHost();
                for (SiteSpec spec : specs.all()) {
                    converge(spec.siteId());
                }
                sweepOrphans();
            } catch (RuntimeException e) {
                LOG.error("periodic reconcile failed", e);
            }
        }, fullInterval.toMillis(), fullInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Repairs what all sites share: the bridge (and its guard) and a proxy that died. */
    void ensureHost() {
        try {
            network.ensureBridge();
        } catch (HostOperationException e) {
            LOG.error("bridge repair failed: {}", e.getMessage());
        }
        try {
            proxy.ensureRunning();
        } catch (HostOperationException e) {
            LOG.error("proxy restart failed: {}", e.getMessage());
        }
    }

    /** Queues a convergence of one site (at most one queued per site). */
    public void nudge(UUID siteId) {
        if (queued.add(siteId)) {
            workers.submit(() -> {
                queued.remove(siteId);
                converge(siteId);
            });
        }
    }

    /** Cheap check of every site that should run: a dead container or a due retry queues a convergence. */
    void watch() {
        Instant now = clock.instant();
        for (SiteSpec spec : specs.all()) {
            SiteStatus status = statuses.get(spec.siteId());
            if (status == null || !spec.running()) {
                continue;
            }
            boolean due = !status.errors.isEmpty() && !now.isBefore(status.nextRetry)
                    && !now.isBefore(status.nextStartAttempt);
            boolean dead = false;
            if (status.containerSeenRunning) {
                try {
                    dead = runtime.status(spec.siteId()).state() != Runtime.State.RUNNING;
                } catch (HostOperationException e) {
                    dead = true;
                }
            }
            if (due || dead) {
                nudge(spec.siteId());
            }
        }
    }

    private ReentrantLock lock(UUID siteId) {
        return locks.computeIfAbsent(siteId, id -> new ReentrantLock());
    }

    /** Converges one site now on the calling thread. */
    public void converge(UUID siteId) {
        ReentrantLock lock = lock(siteId);
        lock.lock();
        try {
            Optional<SiteSpec> wanted = specs.get(siteId);
            if (wanted.isEmpty()) {
                cleanUp(siteId, null);
                statuses.remove(siteId);
                return;
            }
            SiteSpec spec = wanted.get();
            SiteStatus status = statuses.computeIfAbsent(siteId, id -> new SiteStatus());
            if (records.publishes()) {
                // First, so a new name resolves as early as possible. Stopped sites keep their
                // records: their name answers with the 503 page.
                step(spec, status, "dns", () -> records.ensure(spec));
            }
            step(spec, status, "content", () -> content.ensure(spec));
            // nginx names the release directory itself: while the spec's release cannot be made
            // current (not installed), the previous proxy entry keeps serving the previous release.
            boolean contentFailed = status.errors.containsKey("content");
            Runnable applyProxy = () -> {
                if (!(spec.running() && contentFailed)) {
                    step(spec, status, "proxy", () -> proxy.apply(spec, spec.running()));
                }
            };
            java.util.concurrent.Future<?> proxied;
            boolean containerRunning = false;
            if (spec.running()) {
                step(spec, status, "cgroups", () -> cgroups.ensureTenant(spec.tenantId(), spec.tenantLimits()));
                step(spec, status, "network", () -> network.attach(spec));
                // The proxy entry is written and reloaded while the container starts (until it
                // answers, nginx shows the 503 page), but only once the site's address exists:
                // nginx connecting to an address with no port behind it yet waits for the ARP
                // retry, a one-second stall.
                proxied = proxyWorker.submit(applyProxy);
                if (!status.errors.containsKey("network") && !status.errors.containsKey("cgroups")) {
                    containerRunning = ensureContainer(spec, status);
                }
            } else {
                proxied = proxyWorker.submit(applyProxy);
                status.containerSeenRunning = false;
                step(spec, status, "runtime", () -> runtime.remove(siteId));
                status.consecutiveFailures = 0;
            }
            awaitProxy(proxied, status);
            if (status.errors.isEmpty()) {
                status.state = spec.running() ? SiteStatus.State.RUNNING : SiteStatus.State.STOPPED;
                status.appliedGeneration = spec.generation();
                status.failedConvergences = 0;
            } else {
                status.state = SiteStatus.State.FAILED;
                status.failedConvergences++;
                // At least the initial delay between retries of any failing part, growing like restarts.
                status.nextRetry = clock.instant().plus(backoff.delayAfter(status.failedConvergences + 1));
            }
            if (spec.running() && !containerRunning && status.errors.isEmpty()) {
                status.state = SiteStatus.State.PROVISIONING;
            }
            status.updatedAt = clock.instant();
        } catch (RuntimeException e) {
            LOG.error("unexpected failure converging site {}", siteId, e);
        } finally {
            lock.unlock();
        }
    }

    private static void awaitProxy(java.util.concurrent.Future<?> proxied, SiteStatus status) {
        try {
            proxied.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            status.errors.put("proxy", "proxy update did not finish: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status.errors.put("proxy", "interrupted while updating the proxy");
        }
    }

    private interface Step {
        void run() throws HostOperationException;
    }

    private void step(SiteSpec spec, SiteStatus status, String part, Step action) {
        if (status.appliedGeneration < spec.generation()) {
            failpoint.reach("converge", part, spec.siteId(), spec.name());
        }
        long start = System.nanoTime();
        try {
            action.run();
            status.errors.remove(part);
        } catch (HostOperationException e) {
            LOG.warn("site part {} failed: {}", part, e.getMessage());
            status.errors.put(part, e.getMessage());
        } finally {
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > SLOW_STEP_MILLIS) {
                LOG.warn("site part {} took {} ms", part, millis);
            }
        }
    }

    /** Returns true if the site's container runs with the wanted configuration afterwards. */
    private boolean ensureContainer(SiteSpec spec, SiteStatus status) {
        if (status.appliedGeneration < spec.generation()) {
            failpoint.reach("converge", "runtime", spec.siteId(), spec.name());
        }
        Instant now = clock.instant();
        Runtime.Status current;
        try {
            current = runtime.status(spec.siteId());
        } catch (HostOperationException e) {
            status.errors.put("runtime", e.getMessage());
            return false;
        }
        String wantedHash = runtime.specHash(spec);
        if (current.state() == Runtime.State.RUNNING && wantedHash.equals(current.specHash())) {
            status.containerSeenRunning = true;
            status.errors.remove("runtime");
            if (status.lastStart != null && Duration.between(status.lastStart, now).compareTo(stableAfter) >= 0) {
                status.consecutiveFailures = 0;
            }
            return true;
        }
        if (current.state() != Runtime.State.ABSENT && status.containerSeenRunning
                && current.state() != Runtime.State.RUNNING) {
            // It ran and died on its own: count it, so a crash loop backs off.
            status.restarts++;
            status.lastExit = "container exited unexpectedly at " + now;
            if (status.lastStart != null && Duration.between(status.lastStart, now).compareTo(stableAfter) >= 0) {
                status.consecutiveFailures = 0;
            }
            status.consecutiveFailures++;
            status.nextStartAttempt = now.plus(backoff.delayAfter(status.consecutiveFailures));
        }
        status.containerSeenRunning = false;
        if (now.isBefore(status.nextStartAttempt)) {
            status.errors.putIfAbsent("runtime", "waiting to restart after " + status.consecutiveFailures + " failure(s)");
            return false;
        }
        long startedAt = System.nanoTime();
        try {
            runtime.start(spec);
            long millis = (System.nanoTime() - startedAt) / 1_000_000;
            if (millis > SLOW_STEP_MILLIS) {
                LOG.warn("site part runtime took {} ms", millis);
            }
            status.lastStart = clock.instant();
            status.containerSeenRunning = true;
            status.errors.remove("runtime");
            return true;
        } catch (HostOperationException e) {
            status.consecutiveFailures++;
            status.nextStartAttempt = clock.instant().plus(backoff.delayAfter(status.consecutiveFailures + 1));
            status.errors.put("runtime", e.getMessage());
            return false;
        }
    }

    /**
     * Removes everything of a site that has no spec. {@code tenantId} may be null when unknown; the
     * tenant is then looked up in the cgroup tree.
     *
     * @return true if everything is gone
     */
    public boolean remove(UUID siteId) {
        ReentrantLock lock = lock(siteId);
        lock.lock();
        try {
            if (specs.get(siteId).isPresent()) {
                return false;
            }
            boolean clean = cleanUp(siteId, null);
            statuses.remove(siteId);
            return clean;
        } finally {
            lock.unlock();
        }
    }

    private boolean cleanUp(UUID siteId, UUID tenantId) {
        boolean clean = true;
        clean &= attempt("proxy", siteId, () -> proxy.remove(siteId));
        clean &= attempt("runtime", siteId, () -> runtime.remove(siteId));
        clean &= attempt("network", siteId, () -> network.detach(siteId));
        clean &= attempt("cgroups", siteId, () -> {
            Set<UUID> tenantsInUse = new HashSet<>();
            specs.all().forEach(spec -> tenantsInUse.add(spec.tenantId()));
            for (Map.Entry<UUID, Set<UUID>> tenant : cgroups.existing().entrySet()) {
                if (tenant.getValue().contains(siteId) || tenant.getKey().equals(tenantId)) {
                    cgroups.removeSite(tenant.getKey(), siteId);
                }
                if (!tenantsInUse.contains(tenant.getKey())) {
                    cgroups.removeTenantIfEmpty(tenant.getKey());
                }
            }
        });
        clean &= attempt("content", siteId, () -> content.remove(siteId));
        clean &= attempt("dns", siteId, () -> records.remove(siteId));
        return clean;
    }

    private boolean attempt(String part, UUID siteId, Step action) {
        failpoint.reach("remove", part, siteId, null);
        try {
            action.run();
            return true;
        } catch (HostOperationException e) {
            LOG.warn("cleaning up {} of site {} failed: {}", part, siteId, e.getMessage());
            return false;
        }
    }

    /** Removes host objects of this hostd that no spec claims. */
    public void sweepOrphans() {
        Set<UUID> found = new HashSet<>();
        Set<UUID> tenantsInUse = new HashSet<>();
        for (SiteSpec spec : specs.all()) {
            tenantsInUse.add(spec.tenantId());
        }
        Map<UUID, Set<UUID>> cgroupTree = Map.of();
        try {
            found.addAll(runtime.containers());
            found.addAll(network.attachedSites());
            found.addAll(proxy.configuredSites());
            found.addAll(content.sites());
            found.addAll(records.sites());
            cgroupTree = cgroups.existing();
            cgroupTree.values().forEach(found::addAll);
        } catch (HostOperationException e) {
            LOG.warn("orphan sweep could not list host objects: {}", e.getMessage());
        }
        for (UUID siteId : found) {
            if (specs.get(siteId).isEmpty()) {
                LOG.info("removing orphaned objects of site {}", siteId);
                remove(siteId);
            }
        }
        for (UUID tenantId : cgroupTree.keySet()) {
            if (!tenantsInUse.contains(tenantId)) {
                attempt("cgroups", tenantId, () -> cgroups.removeTenantIfEmpty(tenantId));
            }
        }
    }

    /** The observed state of one site, if hostd holds its spec. */
    public Optional<ObservedSite> observe(UUID siteId) {
        return specs.get(siteId).map(this::observe);
    }

    public List<ObservedSite> observeAll() {
        return specs.all().stream().map(this::observe).toList();
    }

    private ObservedSite observe(SiteSpec spec) {
        SiteStatus status = statuses.get(spec.siteId());
        Cgroups.Usage usage = spec.running() ? cgroups.siteUsage(spec.tenantId(), spec.siteId()) : Cgroups.Usage.UNKNOWN;
        if (status == null) {
            return new ObservedSite(spec.siteId(), spec.name(), "provisioning", spec.generation(), 0, null, Map.of(),
                    usage.memoryBytes(), usage.cpuUsageNanos(), usage.pids(), spec.ipv4(), spec.ipv6(), spec.release(),
                    0, null, null);
        }
        // Reported from the last finished convergence, without waiting for a site being converged.
        Map<String, String> errors = new LinkedHashMap<>(status.errors);
        String state = status.state.name().toLowerCase(java.util.Locale.ROOT);
        long applied = status.appliedGeneration;
        int restarts = status.restarts;
        String lastExit = status.lastExit;
        Instant updatedAt = status.updatedAt;
        String lastError = errors.isEmpty() ? null
                : String.join("; ", errors.entrySet().stream().map(entry -> entry.getKey() + ": " + entry.getValue()).toList());
        return new ObservedSite(spec.siteId(), spec.name(), state, spec.generation(), applied, lastError, errors,
                usage.memoryBytes(), usage.cpuUsageNanos(), usage.pids(), spec.ipv4(), spec.ipv6(), spec.release(),
                restarts, lastExit, updatedAt);
    }

    /** The test-only hook this reconciler was built with ({@link Failpoint#NONE} in production). */
    public Failpoint failpoint() {
        return failpoint;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        background.shutdownNow();
        workers.shutdownNow();
        proxyWorker.shutdownNow();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
