package dev.berth.hostd.reconcile;

import dev.berth.hostd.cgroups.Cgroups;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.SiteObservation;
import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges one site at a time on the calling thread: asks {@link SitePlan} for the steps, runs them
 * on the {@link StepRunner} (a proxy step on {@code overlap} and the DNS records step on
 * {@code records}, each alongside the steps after it; the proxy step follows the container start,
 * which returns once the server listens), and
 * keeps what {@link SitePlan#settle} makes of the outcomes. Also removes what is left of a site that
 * has no spec, and reports each site's observed state.
 *
 * <p>Thread-safe: each site is converged under its own lock; different sites converge in parallel.
 * Observers read the outcome of the last finished convergence without waiting for one in progress.
 */
public final class Converger {
    private static final Logger LOG = LoggerFactory.getLogger(Converger.class);
    private static final long SLOW_STEP_MILLIS = 500;

    private final SpecStore specs;
    private final Ports ports;
    private final StepRunner runner;
    private final SitePlan plan;
    private final Clock clock;
    private final Executor overlap;
    private final Executor records;
    /** The sites being converged or removed, or waiting to be: an entry lives only while a thread holds or waits for it. */
    private final Map<UUID, SiteLock> locks = new ConcurrentHashMap<>();
    private final Map<UUID, SiteState> states = new ConcurrentHashMap<>();

    /**
     * @param ports   read for what a plan needs (container status, usage)
     * @param runner  runs the steps: {@code ports} itself, or a decorator around them
     * @param overlap runs a proxy step while the next steps go on
     * @param records runs a DNS records step while the next steps go on
     */
    public Converger(SpecStore specs, Ports ports, StepRunner runner, SitePlan plan, Clock clock, Executor overlap,
                     Executor records) {
        this.specs = specs;
        this.ports = ports;
        this.runner = runner;
        this.plan = plan;
        this.clock = clock;
        this.overlap = overlap;
        this.records = records;
    }

    /** One site's lock and how many threads hold or wait for it ({@code users} changes only inside the map's compute). */
    private static final class SiteLock {
        private final ReentrantLock lock = new ReentrantLock();
        private int users;
    }

    /**
     * Locks a site; {@link #unlock} forgets the lock once no thread holds or waits for it, so the
     * map does not keep an entry for every site id ever seen (a DELETE of any id makes one).
     */
    private SiteLock lock(UUID siteId) {
        SiteLock site = locks.compute(siteId, (id, existing) -> {
            SiteLock lock = existing == null ? new SiteLock() : existing;
            lock.users++;
            return lock;
        });
        site.lock.lock();
        return site;
    }

    private void unlock(UUID siteId, SiteLock site) {
        site.lock.unlock();
        locks.computeIfPresent(siteId, (id, lock) -> --lock.users == 0 ? null : lock);
    }

    /** How many sites have a lock entry now (for tests: none once no convergence runs). */
    int lockEntries() {
        return locks.size();
    }

    /** Converges one site now; a site without a spec is removed. */
    public void converge(UUID siteId) {
        SiteLock lock = lock(siteId);
        Pending records = null;
        try {
            Optional<SiteSpec> wanted = specs.get(siteId);
            if (wanted.isEmpty()) {
                cleanUp(siteId);
                states.remove(siteId);
                return;
            }
            SiteSpec spec = wanted.get();
            SiteState before = states.computeIfAbsent(siteId, id -> SiteState.NEW);
            // The records go out first, alongside everything else, also alongside a claim: a new
            // name resolves as soon as the name server has it, not after the container is decided.
            records = plan.records(spec, before).map(this::startRecords).orElse(null);
            if (spec.running() && !before.container().seenRunning() && before.container().consecutiveFailures() == 0
                    && ports.runtime().claim(spec)) {
                // A container that was already running became the site's (a warm pool): the plan
                // then finds it running with the spec's hash and keeps it. Not for a container that
                // died on its own or failed to start, whose restart waits for its backoff.
                before = before.claimed(clock.instant());
            }
            SitePlan.ContainerSeen container = spec.running() ? look(spec) : null;
            List<SitePlan.Outcome> outcomes = run(plan.converge(spec, before, container, clock.instant()), records);
            states.put(siteId, plan.settle(spec, before, outcomes, clock.instant()));
        } catch (RuntimeException e) {
            LOG.error("unexpected failure converging site {}", siteId, e);
        } finally {
            if (records != null) {
                // Done already unless the pass failed: no records step of this site outlives its lock.
                await(records);
            }
            unlock(siteId, lock);
        }
    }

    private SitePlan.ContainerSeen look(SiteSpec spec) {
        try {
            return SitePlan.ContainerSeen.of(ports.runtime().status(spec.siteId()), ports.runtime().specHash(spec));
        } catch (HostOperationException e) {
            return SitePlan.ContainerSeen.unreadable(e.getMessage());
        }
    }

    /**
     * Runs the steps in order, the proxy and DNS records steps each alongside the ones after it.
     *
     * @param records the plan's records step, already started (the plan's own is not run again)
     */
    private List<SitePlan.Outcome> run(List<Step> steps, Pending records) {
        List<SitePlan.Outcome> outcomes = new ArrayList<>();
        List<Pending> overlapping = new ArrayList<>();
        if (records != null) {
            overlapping.add(records);
        }
        Set<SitePart> failed = EnumSet.noneOf(SitePart.class);
        for (Step step : steps) {
            if (step.requires().stream().anyMatch(failed::contains)) {
                outcomes.add(SitePlan.Outcome.skipped(step));
            } else if (step instanceof Step.Route) {
                overlapping.add(new Pending(step, CompletableFuture.supplyAsync(() -> execute(step), overlap)));
            } else if (step instanceof Step.PublishRecords) {
                if (records == null || !records.step().equals(step)) {
                    throw new IllegalStateException("the plan's records step is not the one started first: " + step);
                }
            } else {
                SitePlan.Outcome outcome = execute(step);
                if (!outcome.succeeded()) {
                    failed.add(step.part());
                }
                outcomes.add(outcome);
            }
        }
        for (Pending pending : overlapping) {
            outcomes.add(await(pending));
        }
        return outcomes;
    }

    /**
     * Starts a DNS records step: its A/AAAA do not hold up the steps after it (a new site's go out
     * while its container is claimed or started). On its own executor, so a slow name server never
     * holds up another site's proxy step.
     */
    private Pending startRecords(Step step) {
        return new Pending(step, CompletableFuture.supplyAsync(() -> execute(step), records));
    }

    /** A step running alongside the next ones. */
    private record Pending(Step step, CompletableFuture<SitePlan.Outcome> outcome) {
    }

    private SitePlan.Outcome await(Pending pending) {
        Step step = pending.step();
        try {
            return pending.outcome().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return SitePlan.Outcome.failed(step, step.part().wireName() + " update did not finish: " + e.getMessage(),
                    clock.instant());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SitePlan.Outcome.failed(step, "interrupted while updating the " + step.part().wireName(), clock.instant());
        }
    }

    private SitePlan.Outcome execute(Step step) {
        long start = System.nanoTime();
        try {
            runner.run(step);
            return SitePlan.Outcome.succeeded(step, clock.instant());
        } catch (HostOperationException e) {
            LOG.warn("site part {} failed: {}", step.part().wireName(), e.getMessage());
            return SitePlan.Outcome.failed(step, e.getMessage(), clock.instant());
        } finally {
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > SLOW_STEP_MILLIS) {
                LOG.warn("site part {} took {} ms", step.part().wireName(), millis);
            }
        }
    }

    /**
     * Removes everything of a site that has no spec.
     *
     * @return true if everything is gone; false if the site has a spec (nothing is removed) or a part remains
     */
    public boolean remove(UUID siteId) {
        SiteLock lock = lock(siteId);
        try {
            if (specs.get(siteId).isPresent()) {
                return false;
            }
            boolean clean = cleanUp(siteId);
            states.remove(siteId);
            return clean;
        } finally {
            unlock(siteId, lock);
        }
    }

    /**
     * Runs a removal's steps in order, the DNS records' alongside the others on their own executor
     * (a name server that is down retries for seconds; the container, network and files need not
     * wait for it), and waits for all, whatever the others did, before it answers: a removal
     * reported complete has no records step of the site still running.
     */
    private boolean cleanUp(UUID siteId) {
        Set<UUID> tenantsInUse = new HashSet<>();
        specs.all().forEach(spec -> tenantsInUse.add(spec.tenantId()));
        boolean clean = true;
        List<Pending> alongside = new ArrayList<>();
        try {
            for (Step step : plan.remove(siteId, tenantsInUse)) {
                if (step.part() == SitePart.DNS) {
                    alongside.add(startRecords(step));
                } else {
                    clean &= attempt(step);
                }
            }
        } finally {
            for (Pending pending : alongside) {
                SitePlan.Outcome outcome = await(pending);
                if (!outcome.succeeded()) {
                    LOG.warn("cleaning up {} of site {} failed: {}", outcome.step().part().wireName(), siteId, outcome.error());
                    clean = false;
                }
            }
        }
        return clean;
    }

    /** Runs a step of a removal; false if it failed (logged: the sweep tries again). */
    boolean attempt(Step step) {
        try {
            runner.run(step);
            return true;
        } catch (HostOperationException e) {
            LOG.warn("cleaning up {} of site {} failed: {}", step.part().wireName(), step.siteId(), e.getMessage());
            return false;
        }
    }

    /** What hostd knows of a site, if nothing newer has come since; for the watch. */
    Optional<SiteState> state(UUID siteId) {
        return Optional.ofNullable(states.get(siteId));
    }

    /** The observed state of one site, if hostd holds its spec. */
    public Optional<SiteObservation> observe(UUID siteId) {
        return specs.get(siteId).map(this::observe);
    }

    public List<SiteObservation> observeAll() {
        return specs.all().stream().map(this::observe).toList();
    }

    private SiteObservation observe(SiteSpec spec) {
        SiteState state = states.get(spec.siteId());
        Cgroups.Usage usage = spec.running() ? ports.cgroups().siteUsage(spec.tenantId(), spec.siteId()) : Cgroups.Usage.UNKNOWN;
        if (state == null) {
            return new SiteObservation(spec.siteId(), spec.name(), SiteObservation.State.PROVISIONING, spec.generation(), 0, null,
                    Map.of(), usage.memoryBytes(), usage.cpuUsageNanos(), usage.pids(), spec.ipv4(), spec.ipv6(), spec.release(),
                    0, null, null, -1);
        }
        // The observation keeps its errors in the parts' name order; lastError joins them in it.
        Map<SitePart, String> errors = new TreeMap<>(java.util.Comparator.comparing(SitePart::wireName));
        errors.putAll(state.errors());
        String lastError = errors.isEmpty() ? null
                : String.join("; ", errors.entrySet().stream().map(entry -> entry.getKey().wireName() + ": " + entry.getValue()).toList());
        SiteState.Container container = state.container();
        return new SiteObservation(spec.siteId(), spec.name(), SiteObservation.State.valueOf(state.state().name()), spec.generation(),
                state.appliedGeneration(), lastError, errors, usage.memoryBytes(), usage.cpuUsageNanos(), usage.pids(),
                spec.ipv4(), spec.ipv6(), spec.release(), container.restarts(), container.lastExit(), state.updatedAt(), -1);
    }
}
