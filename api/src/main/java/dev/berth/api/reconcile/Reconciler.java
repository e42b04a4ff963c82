package dev.berth.api.reconcile;

import dev.berth.api.deploys.ContentStore;
import dev.berth.api.events.EventType;
import dev.berth.api.events.Events;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostFault;
import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.hosts.SiteHost;
import dev.berth.api.operations.Operation;
import dev.berth.api.operations.OperationDao;
import dev.berth.api.platform.NudgeableLoop;
import dev.berth.api.queue.RetrySchedule;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.TenantDao;
import dev.berth.observability.DaemonThreads;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's level-triggered reconciler: it compares every site's desired state with what the host
 * reports, and applies the {@link Plan}'s changes one by one. A failing site is retried with
 * exponential backoff without holding up the others. It runs periodically and when nudged; all
 * passes run on one thread.
 *
 * <p>A change of one site (create, deploy, start, stop, delete) is also {@link #push pushed}: its
 * spec goes to its node at once on a thread of its own, without waiting for a pass in progress
 * (which observes every node) to finish. The passes stay the safety net: a push that fails or is
 * lost is repeated by the next pass, and pushing the same generation twice changes nothing.
 */
public final class Reconciler implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** A failing site is retried after 1 s, 2 s, 4 s ... up to five minutes. */
    private static final RetrySchedule BACKOFF = new RetrySchedule(Duration.ofSeconds(1), Duration.ofMinutes(5));
    /** A spec the host accepted is not pushed again for this long while the host converges. */
    private static final Duration REAPPLY_AFTER = Duration.ofSeconds(15);
    /** How long a push or a pass waits for the other's send of the same generation. */
    private static final Duration CLAIM_WAIT = Duration.ofSeconds(30);

    private final Jdbi jdbi;
    private final java.util.function.Supplier<List<HostTarget>> targets;
    private final NodeHealth health;
    private final SpecFactory specs;
    private final Clock clock;
    private final NudgeableLoop loop;
    private final Map<UUID, Backoff> backoffs = new ConcurrentHashMap<>();
    private final Map<UUID, Claim> pushed = new ConcurrentHashMap<>();
    /** Generations a host refused as invalid: retrying them cannot help, a new spec may. */
    private final Map<UUID, Refusal> refused = new ConcurrentHashMap<>();
    /** Releases sent again to the host, so that one is not streamed twice while the host converges. */
    private final Map<UUID, Pushed> refilled = new ConcurrentHashMap<>();
    private final ContentStore contents;
    private final Map<String, String> hostErrors = new ConcurrentHashMap<>();
    private final java.util.function.BiConsumer<List<ObservedSite>, Instant> onObserved;
    private final AppliedListener onApplied;
    /** Pushes of one site's change, in the order asked, off the request threads and the passes' thread. */
    private final java.util.concurrent.ExecutorService pushes =
            java.util.concurrent.Executors.newSingleThreadExecutor(DaemonThreads.named("reconciler-push"));
    private final java.util.Set<UUID> pushQueued = ConcurrentHashMap.newKeySet();
    /**
     * After a push, when the pushed site alone is looked at again, one delay after the other, until its
     * node reports the pushed generation; a pass then records it. 1.27 s in all, then a pass anyway.
     */
    private static final long[] FOLLOW_DELAYS_MILLIS = {10, 20, 40, 80, 160, 320, 640};
    /** Looks after pushed sites until their node reaches them (cheap: one site's observation each time). */
    private final java.util.concurrent.ScheduledExecutorService follows =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("reconciler-follow"));

    /**
     * @param contents   every deployed release, to send a host that lost one
     * @param onObserved gets every observation of the host (on the reconciler's thread, before the
     *                   pass applies anything), so usage can be sampled without asking the host twice
     * @param onApplied  told each site's applied generation in the transaction that records it
     */
    public Reconciler(Jdbi jdbi, java.util.function.Supplier<List<HostTarget>> targets, NodeHealth health, SpecFactory specs,
                      ContentStore contents, Clock clock, Duration interval,
                      java.util.function.BiConsumer<List<ObservedSite>, Instant> onObserved, AppliedListener onApplied) {
        this.onObserved = onObserved;
        this.onApplied = onApplied;
        this.contents = contents;
        this.jdbi = jdbi;
        this.targets = targets;
        this.health = health;
        this.specs = specs;
        this.clock = clock;
        this.loop = new NudgeableLoop("reconciler", interval, this::runOnce);
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() throws InterruptedException {
        pushes.shutdownNow();
        follows.shutdownNow();
        loop.stop();
    }

    /** Passes run only while this replica leads; nudges elsewhere go to the leader. Call before {@link #start}. */
    public Reconciler ledBy(dev.berth.api.platform.Leadership leadership) {
        loop.ledBy(leadership);
        return this;
    }

    /** Asks for a pass soon; several nudges before it runs make one pass. */
    public void nudge() {
        loop.nudge();
    }

    /**
     * Hands one changed site to its node now (its spec, or its removal while it is being deleted),
     * on the push thread, and then asks for a pass, which records what the node reports. Several pushes
     * of a site before its push runs make one. Call it after the change is committed.
     *
     * <p>A spec the node took is followed: that site alone is observed again after 10, 30, 70 ms ...
     * and the pass is asked for once the node reports the pushed generation (or after 1.27 s). A pass
     * asked for at once observed every site while the node was still converging (a container's
     * start takes hundreds of milliseconds), recorded nothing of the change and took CPU from that
     * start; the change was then recorded by the periodic pass, up to its interval later.
     */
    public void push(UUID siteId) {
        if (pushQueued.add(siteId)) {
            try {
                pushes.execute(() -> {
                    pushQueued.remove(siteId);
                    long sent = -1;
                    try {
                        sent = pushSite(siteId);
                    } catch (RuntimeException failure) {
                        // The next pass applies the change anyway.
                        LOG.warn("Pushing site {} failed", siteId, failure);
                    } finally {
                        // After the push, so that the pass does not send the same spec a second time.
                        if (sent < 0) {
                            loop.nudge();
                        } else {
                            follow(siteId, sent, 0);
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                pushQueued.remove(siteId);
            }
        }
    }

    /**
     * The push itself, on the caller's thread: the site's spec to the node it is placed on unless
     * that node has its generation already (or was handed it moments ago), its removal if it is
     * being deleted. A site that is gone, or whose node is not one of the targets, is left to the
     * passes. Visible for tests.
     */
    public void pushNow(UUID siteId) {
        pushSite(siteId);
    }

    /** {@link #pushNow}; returns the generation of a spec its node took, or -1 when no spec went out (nothing to follow). */
    private long pushSite(UUID siteId) {
        Optional<Placed> placed = placed(siteId);
        if (placed.isEmpty()) {
            return -1;
        }
        Site site = placed.get().site();
        Instant now = clock.instant();
        if (site.deleting()) {
            attempt(new Change.Remove(siteId, false), placed.get().node().host(), new HashMap<>(), now);
        } else if (site.observedGeneration() < site.generation()
                && attempt(new Change.Apply(site), placed.get().node().host(), new HashMap<>(), now)) {
            return site.generation();
        }
        return -1;
    }

    private void follow(UUID siteId, long generation, int step) {
        try {
            follows.schedule(() -> watch(siteId, generation, step), FOLLOW_DELAYS_MILLIS[step], java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // Shutting down: the passes of the next start converge it.
        }
    }

    /** One look at a pushed site: a pass once its node reached the generation (or failed at it), else another look later. */
    private void watch(UUID siteId, long generation, int step) {
        boolean reached;
        try {
            Optional<Placed> placed = placed(siteId);
            if (placed.isEmpty() || placed.get().site().generation() != generation || placed.get().site().deleting()) {
                // Gone, or changed again since: the later change's push looks after it.
                return;
            }
            reached = placed.get().node().host().observe(siteId)
                    .map(seen -> seen.appliedGeneration() >= generation || seen.state() == ObservedSite.State.FAILED)
                    .orElse(false);
        } catch (HostException | RuntimeException failure) {
            // The pass says what is wrong, and retries.
            reached = true;
        }
        if (reached || step + 1 == FOLLOW_DELAYS_MILLIS.length) {
            loop.nudge();
        } else {
            follow(siteId, generation, step + 1);
        }
    }

    /**
     * Makes sure the site's node holds its spec, on the caller's thread, before a release is sent to
     * it (a node refuses a release for a site it holds no spec of). A node that reported the site's
     * current generation holds it; otherwise the spec goes out now through the same claims as pushes
     * and passes, so a push or pass already sending this generation is waited for, not repeated. A
     * site being deleted, or placed on no target, is left alone (the release's install then says why).
     *
     * @throws HostException when the node could not take the spec
     */
    public void deliver(UUID siteId) throws HostException {
        Optional<Placed> placed = placed(siteId);
        if (placed.isEmpty() || placed.get().site().deleting() || placed.get().site().observedGeneration() >= placed.get().site().generation()) {
            return;
        }
        apply(new Change.Apply(placed.get().site()), placed.get().node().host(), new HashMap<>(), clock.instant());
    }

    /** The site and the target of the node it is placed on (the fallback target for a site placed nowhere yet). */
    private Optional<Placed> placed(UUID siteId) {
        Optional<Site> found = jdbi.withExtension(SiteDao.class, dao -> dao.findById(siteId));
        Optional<SiteDao.Placed> placement = jdbi.withExtension(SiteDao.class, dao -> dao.placement(siteId));
        if (found.isEmpty() || placement.isEmpty()) {
            return Optional.empty();
        }
        UUID nodeId = placement.get().nodeId();
        return targets.get().stream()
                .filter(target -> nodeId == null ? target.fallback() : nodeId.equals(target.nodeId())).findFirst()
                .map(target -> new Placed(found.get(), target));
    }

    private record Placed(Site site, HostTarget node) {
    }

    /** Why nodes could not be observed in the last pass ("NODE: reason; ..." with several nodes), or null while all answer. */
    public String hostError() {
        if (hostErrors.isEmpty()) {
            return null;
        }
        if (hostErrors.size() == 1) {
            return hostErrors.values().iterator().next();
        }
        return String.join("; ", new java.util.TreeMap<>(hostErrors).values());
    }


    /**
     * One full pass over every node: observe, plan, apply. Each node's desired state is the sites
     * placed on it; whatever else a node reports holding is removed from it (a site that moved away
     * is never served by its old node). Visible for tests, which drive passes by hand.
     */
    public synchronized void runOnce() {
        List<HostTarget> nodes = targets.get();
        hostErrors.keySet().retainAll(nodes.stream().map(HostTarget::nodeName).toList());
        Map<UUID, Quota> quotas = new HashMap<>();
        Instant now = clock.instant();
        // A generation the host has not reported and that this process has not pushed yet (a new
        // site, a start, a deploy...) goes out at once, before observing: the host answers for every
        // site, which would keep the change waiting for tens of milliseconds more.
        Desired before = desired(nodes);
        before.on().forEach((node, desired) -> {
            for (Site site : desired) {
                Claim last = pushed.get(site.id());
                if (!site.deleting() && site.observedGeneration() < site.generation()
                        && (last == null || last.generation() < site.generation())) {
                    attempt(new Change.Apply(site), node.host(), quotas, now);
                }
            }
        });
        Map<HostTarget, List<ObservedSite>> observedOn = new java.util.LinkedHashMap<>();
        for (HostTarget node : nodes) {
            try {
                observedOn.put(node, node.host().observe());
                hostErrors.remove(node.nodeName());
                health.answered(node.nodeId(), clock.instant());
            } catch (HostException unreachable) {
                String error = nodes.size() == 1 ? unreachable.getMessage() : node.nodeName() + ": " + unreachable.getMessage();
                if (!error.equals(hostErrors.get(node.nodeName()))) {
                    LOG.warn("Cannot observe node {}: {}", node.nodeName(), unreachable.getMessage());
                }
                hostErrors.put(node.nodeName(), error);
                health.unreachable(node.nodeId(), unreachable.getMessage(), clock.instant());
            }
        }
        if (observedOn.isEmpty()) {
            return;
        }
        try {
            onObserved.accept(observedOn.values().stream().flatMap(List::stream).toList(), clock.instant());
        } catch (RuntimeException listenerFailure) {
            // Usage sampling must never stop the host from converging.
            LOG.warn("Observation listener failed", listenerFailure);
        }
        // Read again after observing: a site created (and pushed to its node) while this pass was
        // observing is reported by the node, and planning against the earlier read would remove it as
        // an orphan right under the deploy that follows its create. Anything a node reports was sent
        // from a committed row, so this read sees every site a node may rightly hold.
        Desired after = desired(nodes);
        observedOn.forEach((node, observed) -> {
            // A site moving off this node stays as it is here (not applied, not recorded, not removed)
            // until its new node serves it.
            List<Site> handedOver = after.all().stream().filter(site -> node.nodeId().equals(after.leaving().get(site.id()))).toList();
            List<Site> desired = new java.util.ArrayList<>(after.on().get(node));
            desired.addAll(handedOver);
            java.util.Set<UUID> untouched = handedOver.stream().map(Site::id).collect(java.util.stream.Collectors.toSet());
            for (Change change : Plan.plan(desired, observed)) {
                if (!untouched.contains(change.siteId())) {
                    attempt(change, node.host(), quotas, now);
                }
            }
        });
    }

    /** Every site, the sites desired on each node, and the node each moving site is leaving, as the database has them now. */
    private Desired desired(List<HostTarget> nodes) {
        List<Site> all = jdbi.withExtension(SiteDao.class, SiteDao::all);
        Map<UUID, UUID> nodeOfSite = new HashMap<>();
        Map<UUID, UUID> leaving = new HashMap<>();
        for (SiteDao.Placed placed : jdbi.withExtension(SiteDao.class, SiteDao::placements)) {
            if (placed.nodeId() != null) {
                nodeOfSite.put(placed.id(), placed.nodeId());
            }
            if (placed.previousNodeId() != null) {
                leaving.put(placed.id(), placed.previousNodeId());
            }
        }
        Map<HostTarget, List<Site>> on = new java.util.LinkedHashMap<>();
        for (HostTarget node : nodes) {
            on.put(node, all.stream().filter(site -> {
                UUID placedOn = nodeOfSite.get(site.id());
                return placedOn == null ? node.fallback() : placedOn.equals(node.nodeId());
            }).toList());
        }
        return new Desired(all, on, leaving);
    }

    private record Desired(List<Site> all, Map<HostTarget, List<Site>> on, Map<UUID, UUID> leaving) {
    }

    /**
     * Applies one change unless its site is backing off; a failure backs the site off and is recorded.
     * Returns whether the change was applied without failing (false too while backing off).
     */
    private boolean attempt(Change change, SiteHost host, Map<UUID, Quota> quotas, Instant now) {
        Backoff backoff = backoffs.get(change.siteId());
        if (!(change instanceof Change.Record) && backoff != null && now.isBefore(backoff.nextAttempt())) {
            return false;
        }
        try {
            apply(change, host, quotas, now);
            if (!(change instanceof Change.Record)) {
                backoffs.remove(change.siteId());
            }
            return true;
        } catch (HostException failure) {
            Backoff next = Backoff.after(backoff, now);
            backoffs.put(change.siteId(), next);
            LOG.warn("Site {}: {} failed ({}); retry in {} s", change.siteId(), change.getClass().getSimpleName(),
                    failure.getMessage(), Duration.between(now, next.nextAttempt()).toSeconds());
            recordError(change, failure, now);
            return false;
        }
    }

    private void apply(Change change, SiteHost host, Map<UUID, Quota> quotas, Instant now) throws HostException {
        if (change instanceof Change.Apply apply) {
            Site site = apply.site();
            if (refusedAt(site)) {
                return;
            }
            // Claimed before it is sent: the push thread and a pass that read the site before the push
            // would otherwise both see nothing pushed and send the same generation twice. The one that
            // finds the other's claim in flight waits for it, so that a pass that returns has seen every
            // change it planned reach the node (or fail and be claimed again).
            Claim claim = new Claim(site.generation(), now, new java.util.concurrent.CompletableFuture<>());
            Claim current;
            while ((current = pushed.compute(site.id(), (id, last) -> last != null && last.generation() == site.generation()
                    && now.isBefore(last.at().plus(REAPPLY_AFTER)) ? last : claim)) != claim) {
                if (!current.awaitSent() || refusedAt(site)) {
                    return;
                }
            }
            try {
                Quota quota = quotas.computeIfAbsent(site.tenantId(),
                        tenantId -> jdbi.withExtension(TenantDao.class, dao -> dao.findQuota(tenantId)).orElseThrow().quota());
                host.apply(specs.specOf(site, quota, jdbi.withExtension(dev.berth.api.domains.DomainDao.class,
                        dao -> dao.servedHostnames(site.id()))));
            } catch (HostException | RuntimeException failed) {
                if (failed instanceof HostException refusal && !refusal.retryable()) {
                    // Known before the claim is given up: a caller waiting on it must not send the refused generation again.
                    refused.put(site.id(), new Refusal(site.generation(), Site.storedError(refusal.getMessage())));
                }
                pushed.remove(site.id(), claim);
                claim.sent().completeExceptionally(failed);
                throw failed;
            }
            claim.sent().complete(null);
            jdbi.useExtension(OperationDao.class, dao -> dao.markRunning(site.id(), now));
        } else if (change instanceof Change.Refill refill) {
            refill(refill.site(), host, now);
        } else if (change instanceof Change.Remove remove) {
            host.remove(remove.siteId());
            pushed.remove(remove.siteId());
            if (remove.orphan()) {
                LOG.info("Removed orphan site {} from the host", remove.siteId());
            }
        } else if (change instanceof Change.Forget forget) {
            jdbi.useTransaction(handle -> {
                handle.attach(TenantDao.class).lock(forget.site().tenantId());
                handle.attach(OperationDao.class).finishOpen(forget.site().id(), "site.delete", Operation.SUCCEEDED, null, null, now);
                if (handle.attach(SiteDao.class).deleteRow(forget.site().id()) > 0) {
                    Events.publish(handle, forget.site().tenantId(), EventType.SITE_DELETED, now, Map.of("site", forget.site().name()));
                }
            });
            backoffs.remove(forget.site().id());
            refused.remove(forget.site().id());
        } else if (change instanceof Change.Record record) {
            if (refusedAt(record.site())) {
                return; // the site stays failed with the host's refusal until a new spec is accepted
            }
            recordObserved(record.site(), record.observed(), now);
        }
    }

    /**
     * Sends the host the release the site serves from the content store, then its spec again, so
     * that the host converges at once rather than at its next periodic pass.
     */
    private void refill(Site site, SiteHost host, Instant now) throws HostException {
        Pushed last = refilled.get(site.id());
        if (last != null && last.generation() == site.generation() && now.isBefore(last.at().plus(REAPPLY_AFTER))) {
            return;
        }
        if (contents.manifest(site.releaseId()).isEmpty()) {
            LOG.warn("Site {}: the host lost release {}, which the content store does not hold; deploy the site again",
                    site.id(), site.releaseId());
            refilled.put(site.id(), new Pushed(site.generation(), now));
            return;
        }
        LOG.info("Site {}: the host lost release {}; sending it again from the content store", site.id(), site.releaseId());
        try (java.io.PipedInputStream tar = new java.io.PipedInputStream(64 * 1024)) {
            java.io.PipedOutputStream sink = new java.io.PipedOutputStream(tar);
            Thread writer = new Thread(() -> {
                try (sink) {
                    contents.writeTar(site.releaseId(), sink);
                } catch (java.io.IOException failure) {
                    // The host reads a truncated tar and refuses it; the next pass tries again.
                    LOG.warn("Site {}: reading release {} from the content store failed", site.id(), site.releaseId(), failure);
                }
            }, "refill-" + site.id());
            writer.start();
            host.installRelease(site.id(), site.releaseId(), tar);
        } catch (java.io.IOException failure) {
            throw new HostException("cannot stream release " + site.releaseId() + ": " + failure.getMessage(), true);
        }
        refilled.put(site.id(), new Pushed(site.generation(), now));
        pushed.remove(site.id());
        apply(new Change.Apply(site), host, new HashMap<>(), now);
    }

    private void recordObserved(Site site, ObservedSite observed, Instant now) {
        if (observed.lastError() != null && !Site.storedError(observed.lastError()).equals(site.lastError())) {
            // Tenants read only the fault's short reason: the host's own words are for the operator.
            LOG.warn("Site {} ({}): the host reports {}", site.id(), observed.fault().slug(), observed.lastError());
        }
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).lock(site.tenantId());
            String state = Plan.observedState(observed);
            handle.attach(SiteDao.class).recordObserved(site.id(), state, observed.appliedGeneration(),
                    Site.storedError(observed.lastError()), observed.fault() == null ? null : observed.fault().slug(), now);
            publishTransition(handle, site, state, observed.fault() == null ? null : observed.fault().reason(), now);
            onApplied.applied(handle, site, observed.appliedGeneration(), now);
            OperationDao operations = handle.attach(OperationDao.class);
            String kind = site.wantsRunning() ? "site.start" : "site.stop";
            if (Plan.converged(site, observed)) {
                operations.finishOpen(site.id(), kind, Operation.SUCCEEDED, null, null, now);
            } else if (observed.state() == ObservedSite.State.FAILED && observed.appliedGeneration() >= site.generation()) {
                HostFault fault = observed.fault() == null ? HostFault.OTHER : observed.fault();
                operations.finishOpen(site.id(), kind, Operation.FAILED, fault.reason(), fault.slug(), now);
            }
        });
    }

    /** Whether the node refused this generation of the site's spec (a new generation is sent again). */
    private boolean refusedAt(Site site) {
        Refusal refusal = refused.get(site.id());
        return refusal != null && refusal.generation() == site.generation();
    }

    private void recordError(Change change, HostException failure, Instant now) {
        if (change instanceof Change.Apply apply && !failure.retryable()) {
            Site site = apply.site();
            refused.put(site.id(), new Refusal(site.generation(), Site.storedError(failure.getMessage())));
            jdbi.useTransaction(handle -> {
                handle.attach(TenantDao.class).lock(site.tenantId());
                handle.attach(SiteDao.class).recordObserved(site.id(), Site.FAILED, site.observedGeneration(),
                        Site.storedError(failure.getMessage()), HostFault.SPEC_REFUSED.slug(), now);
                publishTransition(handle, site, Site.FAILED, HostFault.SPEC_REFUSED.reason(), now);
                String kind = site.wantsRunning() ? "site.start" : "site.stop";
                handle.attach(OperationDao.class).finishOpen(site.id(), kind, Operation.FAILED, HostFault.SPEC_REFUSED.reason(),
                        HostFault.SPEC_REFUSED.slug(), now);
            });
        }
    }

    /** site.started, site.stopped or site.failed when the observed state changes to running, stopped or failed. */
    private static void publishTransition(org.jdbi.v3.core.Handle handle, Site site, String state, String error, Instant now) {
        if (state.equals(site.observedState()) || site.deleting()) {
            return;
        }
        EventType type = switch (state) {
            case Site.RUNNING -> EventType.SITE_STARTED;
            case Site.STOPPED -> EventType.SITE_STOPPED;
            case Site.FAILED -> EventType.SITE_FAILED;
            default -> null;
        };
        if (type != null) {
            Map<String, Object> data = new HashMap<>();
            data.put("site", site.name());
            if (type == EventType.SITE_FAILED && error != null) {
                data.put("error", error);
            }
            Events.publish(handle, site.tenantId(), type, now, data);
        }
    }

    private record Pushed(long generation, Instant at) {
    }

    /** A generation being sent (or sent at {@code at}) to a site's node; {@code sent} completes when the node answered. */
    private record Claim(long generation, Instant at, java.util.concurrent.CompletableFuture<Void> sent) {
        /** Waits for the claim's send: false when it reached the node (nothing left to do), true when it failed (claim again). */
        boolean awaitSent() {
            try {
                sent.get(CLAIM_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                return false;
            } catch (java.util.concurrent.ExecutionException failed) {
                return true;
            } catch (java.util.concurrent.TimeoutException slow) {
                // The other send is still on its way; the next pass looks again.
                return false;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private record Refusal(long generation, String message) {
    }

    /** A failing site's failures in a row and when it is tried again ({@link #BACKOFF}). */
    private record Backoff(int failures, Instant nextAttempt) {
        static Backoff after(Backoff previous, Instant now) {
            int failures = previous == null ? 1 : previous.failures() + 1;
            return new Backoff(failures, BACKOFF.nextAttempt(now, failures));
        }
    }
}
