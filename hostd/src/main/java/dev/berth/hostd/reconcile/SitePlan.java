package dev.berth.hostd.reconcile;

import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.site.Backoff;
import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The pure heart of hostd's convergence: given a site's spec, what hostd knows of it and the clock,
 * the ordered steps that make the host match, including whether and when its container is
 * (re)started; and, given the steps' outcomes, what hostd knows afterwards. No effect, no clock of
 * its own: {@link Converger} runs the steps on the ports. Thread-safe (immutable).
 *
 * <p>Rules: DNS first (a new name resolves early; {@link Converger} runs it alongside the next steps), then content; a running site then gets its tenant
 * cgroup, its network, its proxy entry (only once its release is current: nginx names the release
 * directory) and its container (only once cgroup and network are there). A container that died on
 * its own is restarted at once the first time, then after growing delays ({@link Backoff}); once it
 * ran for {@code stableAfter} its failures are forgiven. A stopped site gets the 503 entry and no
 * container. A failing site is retried after a delay that grows with each failed convergence.
 */
public final class SitePlan {
    private final Backoff backoff;
    private final Duration stableAfter;
    private final boolean publishesRecords;

    /**
     * @param backoff          restart and retry delays
     * @param stableAfter      how long a container must run before its failures are forgiven
     * @param publishesRecords whether sites have DNS records (a step of their own)
     */
    public SitePlan(Backoff backoff, Duration stableAfter, boolean publishesRecords) {
        this.backoff = backoff;
        this.stableAfter = stableAfter;
        this.publishesRecords = publishesRecords;
    }

    /** What a convergence saw of a running site's container before planning. */
    public record ContainerSeen(ContainerRuntime.Status status, String wantedHash, String failure) {
        public static ContainerSeen of(ContainerRuntime.Status status, String wantedHash) {
            return new ContainerSeen(status, wantedHash, null);
        }

        public static ContainerSeen unreadable(String failure) {
            return new ContainerSeen(null, null, failure);
        }
    }

    /** How one step went: skipped (a part it requires failed in the same pass), succeeded, or failed with a message. */
    public record Outcome(Step step, boolean ran, String error, Instant finishedAt) {
        public static Outcome skipped(Step step) {
            return new Outcome(step, false, null, null);
        }

        public static Outcome succeeded(Step step, Instant finishedAt) {
            return new Outcome(step, true, null, finishedAt);
        }

        public static Outcome failed(Step step, String error, Instant finishedAt) {
            return new Outcome(step, true, error, finishedAt);
        }

        public boolean succeeded() {
            return ran && error == null;
        }
    }

    /**
     * The steps converging {@code spec}, in order.
     *
     * @param container what was seen of the container; required when the spec wants the site running
     */
    public List<Step> converge(SiteSpec spec, SiteState state, ContainerSeen container, Instant now) {
        boolean changing = state.appliedGeneration() < spec.generation();
        List<Step> steps = new ArrayList<>();
        records(spec, state).ifPresent(steps::add);
        steps.add(new Step.EnsureContent(spec, changing));
        if (spec.running()) {
            steps.add(new Step.EnsureTenant(spec, changing));
            steps.add(new Step.Attach(spec, changing));
            // The route goes live after the container listens (RuncRuntime.start returns then): the
            // first request after "running" is answered, and nginx never connects to an address
            // with nothing behind it (an ARP retry, a one-second stall). While the spec's release
            // cannot be made current, the previous record keeps serving the previous release.
            steps.add(container(spec, changing, state.container(), container, now));
            steps.add(new Step.Route(spec, changing, EnumSet.of(SitePart.CONTENT)));
        } else {
            steps.add(new Step.Route(spec, changing, Set.of()));
            steps.add(new Step.StopContainer(spec, changing));
        }
        return steps;
    }

    private Step.Container container(SiteSpec spec, boolean changing, SiteState.Container bookkeeping, ContainerSeen seen,
                                     Instant now) {
        if (seen.failure() != null) {
            return new Step.Container(spec, changing, Step.Container.Decision.UNKNOWN, bookkeeping, seen.failure());
        }
        ContainerRuntime.State current = seen.status().state();
        if (current == ContainerRuntime.State.RUNNING && seen.wantedHash().equals(seen.status().specHash())) {
            SiteState.Container kept = bookkeeping.seenRunning(true);
            if (kept.ranStably(now, stableAfter)) {
                kept = kept.failures(0, kept.nextStartAttempt());
            }
            return new Step.Container(spec, changing, Step.Container.Decision.KEEP, kept, null);
        }
        SiteState.Container next = bookkeeping;
        if (current != ContainerRuntime.State.ABSENT && current != ContainerRuntime.State.RUNNING && bookkeeping.seenRunning()) {
            // It ran and died on its own: count it, so a crash loop backs off.
            int failures = (bookkeeping.ranStably(now, stableAfter) ? 0 : bookkeeping.consecutiveFailures()) + 1;
            // The first restart is immediate: a single crash costs no waiting.
            next = bookkeeping.died(now, failures, now.plus(backoff.delay(failures - 1)));
        }
        next = next.seenRunning(false);
        if (now.isBefore(next.nextStartAttempt())) {
            return new Step.Container(spec, changing, Step.Container.Decision.WAIT, next,
                    "waiting to restart after " + next.consecutiveFailures() + " failure(s)");
        }
        return new Step.Container(spec, changing, Step.Container.Decision.START, next, null);
    }

    /**
     * The DNS records step that {@link #converge} puts first, if sites have records. It depends on
     * the spec and the applied generation only, never on the container, so it can start before
     * anything about the container is known (a warm pool's claim).
     */
    public Optional<Step> records(SiteSpec spec, SiteState state) {
        // Stopped sites keep their records: their name answers with the 503 page.
        return publishesRecords ? Optional.of(new Step.PublishRecords(spec, state.appliedGeneration() < spec.generation()))
                : Optional.empty();
    }

    /**
     * The steps removing every part of a site that has no spec, each attempted whatever the others
     * did: the proxy first (the name answers 404 at once), then the DNS records (the name stops
     * resolving without waiting for the container, namespace, cgroups and files to go).
     */
    public List<Step> remove(UUID siteId, Set<UUID> tenantsInUse) {
        List<Step> steps = new ArrayList<>();
        for (SitePart part : List.of(SitePart.PROXY, SitePart.DNS, SitePart.RUNTIME, SitePart.NETWORK, SitePart.CGROUPS, SitePart.CONTENT)) {
            steps.add(new Step.Remove(part, siteId, tenantsInUse));
        }
        return steps;
    }

    /**
     * What hostd knows after a convergence: each part that ran has its error set or cleared (a
     * skipped part keeps its previous one), the container's bookkeeping follows its step, and the
     * generation counts as applied only when no part has an error.
     */
    public SiteState settle(SiteSpec spec, SiteState before, List<Outcome> outcomes, Instant now) {
        Map<SitePart, String> errors = new EnumMap<>(SitePart.class);
        errors.putAll(before.errors());
        SiteState.Container container = before.container();
        boolean containerRunning = false;
        for (Outcome outcome : outcomes) {
            if (!outcome.ran()) {
                continue;
            }
            Step step = outcome.step();
            if (step instanceof Step.Container start) {
                container = start.bookkeeping();
                containerRunning = settleContainer(start, outcome, errors);
                if (start.decision() == Step.Container.Decision.START) {
                    container = outcome.succeeded() ? container.started(outcome.finishedAt())
                            : container.failures(container.consecutiveFailures() + 1,
                                    outcome.finishedAt().plus(backoff.delay(container.consecutiveFailures() + 1)));
                }
                continue;
            }
            if (step instanceof Step.StopContainer) {
                container = container.seenRunning(false).failures(0, container.nextStartAttempt());
            }
            if (outcome.succeeded()) {
                errors.remove(step.part());
            } else {
                errors.put(step.part(), outcome.error());
            }
        }
        SiteState.State state;
        long applied = before.appliedGeneration();
        int failedConvergences = before.failedConvergences();
        Instant nextRetry = before.nextRetry();
        if (errors.isEmpty()) {
            state = !spec.running() ? SiteState.State.STOPPED
                    : containerRunning ? SiteState.State.RUNNING : SiteState.State.PROVISIONING;
            applied = spec.generation();
            failedConvergences = 0;
        } else {
            state = SiteState.State.FAILED;
            failedConvergences++;
            // At least the initial delay between retries of any failing part, growing like restarts.
            nextRetry = now.plus(backoff.delay(failedConvergences));
        }
        return new SiteState(state, applied, errors, failedConvergences, nextRetry, now, container);
    }

    /** Records the container step's error; true if the container runs with the wanted configuration afterwards. */
    private static boolean settleContainer(Step.Container step, Outcome outcome, Map<SitePart, String> errors) {
        switch (step.decision()) {
            case KEEP -> {
                errors.remove(SitePart.RUNTIME);
                return true;
            }
            case WAIT -> {
                errors.putIfAbsent(SitePart.RUNTIME, step.detail());
                return false;
            }
            case UNKNOWN -> {
                errors.put(SitePart.RUNTIME, step.detail());
                return false;
            }
            default -> {
                if (outcome.succeeded()) {
                    errors.remove(SitePart.RUNTIME);
                    return true;
                }
                errors.put(SitePart.RUNTIME, outcome.error());
                return false;
            }
        }
    }

    /** Whether the watch should retry a failing site now: its retry delay and any restart delay are over. */
    public boolean retryDue(SiteState state, Instant now) {
        return !state.errors().isEmpty() && !now.isBefore(state.nextRetry())
                && !now.isBefore(state.container().nextStartAttempt());
    }
}
