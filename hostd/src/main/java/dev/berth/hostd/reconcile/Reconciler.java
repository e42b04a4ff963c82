package dev.berth.hostd.reconcile;

import static dev.berth.observability.DaemonThreads.named;

import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.SiteSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the host converged on the specs hostd holds: the loops around {@link Converger}. It
 * converges every site on start ({@link #recover()}), a site after each spec change ({@link #nudge}),
 * when the watch finds its container dead or its retry due, and every site in a periodic pass that
 * also repairs what all sites share and sweeps orphans ({@link OrphanSweeper}). Thread-safe.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final SpecStore specs;
    private final Ports ports;
    private final SitePlan plan;
    private final Clock clock;
    private final Converger converger;
    private final OrphanSweeper sweeper;
    private final Set<UUID> queued = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final ExecutorService proxyWorker;
    private final ExecutorService recordsWorker;
    private final ScheduledExecutorService background;

    /**
     * @param runner        runs the steps: {@code ports} itself, or a decorator around them
     * @param workerThreads sites converged in parallel after nudges (and proxy steps, and DNS steps, alongside them)
     */
    public Reconciler(SpecStore specs, Ports ports, StepRunner runner, SitePlan plan, Clock clock, int workerThreads) {
        this.specs = specs;
        this.ports = ports;
        this.plan = plan;
        this.clock = clock;
        this.workers = Executors.newFixedThreadPool(workerThreads, named("reconcile"));
        this.timer = Executors.newSingleThreadScheduledExecutor(named("reconcile-timer"));
        this.proxyWorker = Executors.newFixedThreadPool(workerThreads, named("reconcile-proxy"));
        this.background = Executors.newSingleThreadScheduledExecutor(named("reconcile-full"));
        this.recordsWorker = Executors.newFixedThreadPool(workerThreads, named("reconcile-dns"));
        this.converger = new Converger(specs, ports, runner, plan, clock, proxyWorker, recordsWorker);
        this.sweeper = new OrphanSweeper(specs, ports, converger);
    }

    /** Converges and removes sites, and reports their observed state. */
    public Converger converger() {
        return converger;
    }

    /**
     * Re-attaches to what survived a restart of hostd (running containers whose configuration still
     * matches are kept, not restarted), converges every site and removes orphans. Blocks until done.
     */
    public void recover() {
        try {
            // A release half-extracted when hostd died would otherwise stay forever: no spec names it.
            ports.content().removeIncomplete();
        } catch (HostOperationException e) {
            LOG.error("incomplete content could not be removed: {}", e.getMessage());
        }
        try {
            ports.network().ensureBridge();
        } catch (HostOperationException e) {
            LOG.error("bridge setup failed; sites will report it", e);
        }
        for (SiteSpec spec : specs.all()) {
            converger.converge(spec.siteId());
        }
        sweeper.sweep();
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
                    converger.converge(spec.siteId());
                }
                sweeper.sweep();
            } catch (RuntimeException e) {
                LOG.error("periodic reconcile failed", e);
            }
        }, fullInterval.toMillis(), fullInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Repairs what all sites share: the bridge (and its guard) and a proxy that died. */
    void ensureHost() {
        try {
            ports.network().ensureBridge();
        } catch (HostOperationException e) {
            LOG.error("bridge repair failed: {}", e.getMessage());
        }
        try {
            ports.proxy().ensureRunning();
        } catch (HostOperationException e) {
            LOG.error("proxy restart failed: {}", e.getMessage());
        }
    }

    /** Queues a convergence of one site (at most one queued per site). */
    public void nudge(UUID siteId) {
        if (queued.add(siteId)) {
            workers.submit(() -> {
                queued.remove(siteId);
                converger.converge(siteId);
            });
        }
    }

    /**
     * Cheap check of every site that should run: a dead container or a due retry queues a convergence.
     *
     * @return the sites it nudged
     */
    Set<UUID> watch() {
        Set<UUID> nudged = new HashSet<>();
        Instant now = clock.instant();
        for (SiteSpec spec : specs.all()) {
            Optional<SiteState> state = converger.state(spec.siteId());
            if (state.isEmpty() || !spec.running()) {
                continue;
            }
            boolean dead = false;
            if (state.get().container().seenRunning()) {
                try {
                    dead = ports.runtime().status(spec.siteId()).state() != ContainerRuntime.State.RUNNING;
                } catch (HostOperationException e) {
                    dead = true;
                }
            }
            if (plan.retryDue(state.get(), now) || dead) {
                nudge(spec.siteId());
                nudged.add(spec.siteId());
            }
        }
        return nudged;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        background.shutdownNow();
        workers.shutdownNow();
        proxyWorker.shutdownNow();
        recordsWorker.shutdownNow();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
