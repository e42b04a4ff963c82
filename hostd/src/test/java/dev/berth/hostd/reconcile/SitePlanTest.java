package dev.berth.hostd.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.site.Backoff;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link SitePlan} as a pure function. Properties are checked on generated cases (spec, what hostd
 * knows, what the container looks like, the clock), from fixed seeds so a failure names its case
 * and replays; examples pin the rules that need a particular history.
 */
class SitePlanTest {
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    private static final Duration STABLE_AFTER = Duration.ofSeconds(10);
    private static final Instant T = Instant.parse("2026-12-01T00:00:00Z");
    private static final int CASES = 1000;

    /** One generated situation a convergence can start from. */
    record Case(long seed, boolean publishes, SitePlan plan, SiteSpec spec, SiteState state, SitePlan.ContainerSeen container, Instant now) {
        @Override
        public String toString() {
            return "seed " + seed;
        }
    }

    /** Checks a property on every generated case; a failure names the case's seed. */
    private static void forAll(Consumer<Case> property) {
        for (long seed = 1; seed <= CASES; seed++) {
            Case c = generate(seed);
            try {
                property.accept(c);
            } catch (AssertionError e) {
                throw new AssertionError("property fails for " + c + ": " + e.getMessage(), e);
            }
        }
    }

    private static Case generate(long seed) {
        Random random = new Random(seed);
        boolean publishes = random.nextBoolean();
        SitePlan plan = new SitePlan(BACKOFF, STABLE_AFTER, publishes);
        long generation = 1 + random.nextInt(5);
        SiteSpec spec = spec(random.nextBoolean(), generation);
        Map<SitePart, String> errors = new EnumMap<>(SitePart.class);
        for (SitePart part : SitePart.values()) {
            if (random.nextInt(4) == 0) {
                errors.put(part, part.wireName() + " failed before");
            }
        }
        Instant now = T.plusSeconds(random.nextInt(3600));
        SiteState.Container container = new SiteState.Container(random.nextInt(4), random.nextInt(6),
                now.plusSeconds(random.nextInt(121) - 60), random.nextBoolean() ? null : now.minusSeconds(random.nextInt(60)),
                null, random.nextBoolean());
        SiteState state = new SiteState(SiteState.State.values()[random.nextInt(4)], random.nextInt((int) generation + 1), errors,
                random.nextInt(4), now.plusSeconds(random.nextInt(21) - 10), now.minusSeconds(5), container);
        String wanted = "hash-" + random.nextInt(2);
        SitePlan.ContainerSeen seen = switch (random.nextInt(5)) {
            case 0 -> SitePlan.ContainerSeen.unreadable("runc state failed");
            case 1 -> SitePlan.ContainerSeen.of(ContainerRuntime.Status.ABSENT, wanted);
            case 2 -> SitePlan.ContainerSeen.of(new ContainerRuntime.Status(ContainerRuntime.State.STOPPED, 0, "hash-0"), wanted);
            default -> SitePlan.ContainerSeen.of(new ContainerRuntime.Status(ContainerRuntime.State.RUNNING, 42, "hash-" + random.nextInt(2)), wanted);
        };
        return new Case(seed, publishes, plan, spec, state, seen, now);
    }

    private static SiteSpec spec(boolean running, long generation) {
        return new SiteSpec(UUID.fromString("00000000-0000-4000-8000-000000000001"), "alpha", UUID.randomUUID(),
                List.of("alpha.localhost"), "10.1.1.5", "fd00::5", new ResourceLimits(500, 64, 64),
                new ResourceLimits(1000, 256, 256), running, null, generation);
    }

    private static List<Step> plan(Case c) {
        return c.plan().converge(c.spec(), c.state(), c.container(), c.now());
    }

    private static Step.Container containerStep(List<Step> steps) {
        return steps.stream().filter(Step.Container.class::isInstance).map(Step.Container.class::cast).findFirst().orElseThrow();
    }

    /** Every step succeeds, at the plan's instant. */
    private static List<SitePlan.Outcome> allSucceed(List<Step> steps, Instant at) {
        return steps.stream().map(step -> SitePlan.Outcome.succeeded(step, at)).toList();
    }

    @Test
    void stepsFollowThePartsOrderEachPartOnce() {
        forAll(c -> {
            List<SitePart> parts = plan(c).stream().map(Step::part).toList();
            List<SitePart> expected = new ArrayList<>();
            if (c.publishes()) {
                expected.add(SitePart.DNS);
            }
            expected.add(SitePart.CONTENT);
            if (c.spec().running()) {
                expected.addAll(List.of(SitePart.CGROUPS, SitePart.NETWORK, SitePart.RUNTIME, SitePart.PROXY));
            } else {
                expected.addAll(List.of(SitePart.PROXY, SitePart.RUNTIME));
            }
            assertThat(parts).isEqualTo(expected);
        });
    }

    @Test
    void everyStepIsAChangeExactlyWhenTheGenerationIsNew() {
        forAll(c -> {
            boolean newGeneration = c.state().appliedGeneration() < c.spec().generation();
            assertThat(plan(c)).allSatisfy(step -> {
                assertThat(step.changing()).isEqualTo(newGeneration);
                assertThat(step.siteId()).isEqualTo(c.spec().siteId());
            });
        });
    }

    @Test
    void theContainerNeedsCgroupsAndNetworkAndARunningSitesProxyNeedsItsContent() {
        forAll(c -> {
            for (Step step : plan(c)) {
                Set<SitePart> expected = step instanceof Step.Container ? Set.of(SitePart.CGROUPS, SitePart.NETWORK)
                        : step instanceof Step.Route && c.spec().running() ? Set.of(SitePart.CONTENT) : Set.of();
                assertThat(step.requires()).as(step.toString()).isEqualTo(expected);
            }
        });
    }

    @Test
    void aContainerIsNeverStartedBeforeItsBackoffIsOver() {
        forAll(c -> {
            if (!c.spec().running()) {
                return;
            }
            Step.Container step = containerStep(plan(c));
            boolean matches = c.container().failure() == null && c.container().status().state() == ContainerRuntime.State.RUNNING
                    && c.container().wantedHash().equals(c.container().status().specHash());
            if (c.container().failure() != null) {
                assertThat(step.decision()).isEqualTo(Step.Container.Decision.UNKNOWN);
            } else if (matches) {
                assertThat(step.decision()).isEqualTo(Step.Container.Decision.KEEP);
            } else {
                assertThat(step.decision()).isEqualTo(c.now().isBefore(step.bookkeeping().nextStartAttempt())
                        ? Step.Container.Decision.WAIT : Step.Container.Decision.START);
                assertThat(step.bookkeeping().seenRunning()).isFalse();
            }
            Duration delay = Duration.between(c.now(), step.bookkeeping().nextStartAttempt());
            if (step.bookkeeping().nextStartAttempt() != c.state().container().nextStartAttempt()) {
                assertThat(delay).isBetween(Duration.ZERO, BACKOFF.maximum());
            }
        });
    }

    @Test
    void aContainerThatDiedOnItsOwnIsCountedOnce() {
        forAll(c -> {
            if (!c.spec().running() || c.container().failure() != null) {
                return;
            }
            boolean died = c.state().container().seenRunning() && c.container().status().state() == ContainerRuntime.State.STOPPED;
            SiteState.Container after = containerStep(plan(c)).bookkeeping();
            assertThat(after.restarts()).isEqualTo(c.state().container().restarts() + (died ? 1 : 0));
            if (died) {
                assertThat(after.lastExit()).contains("exited unexpectedly");
                assertThat(after.consecutiveFailures()).isBetween(1, c.state().container().consecutiveFailures() + 1);
            }
        });
    }

    @Test
    void theGenerationIsAppliedExactlyWhenNoPartHasAnError() {
        forAll(c -> {
            List<Step> steps = plan(c);
            SiteState after = c.plan().settle(c.spec(), c.state(), allSucceed(steps, c.now()), c.now());
            boolean waiting = c.spec().running() && containerStep(steps).decision() != Step.Container.Decision.KEEP
                    && containerStep(steps).decision() != Step.Container.Decision.START;
            boolean keptError = !steps.stream().map(Step::part).toList().containsAll(c.state().errors().keySet());
            if (after.errors().isEmpty()) {
                assertThat(after.appliedGeneration()).isEqualTo(c.spec().generation());
                assertThat(after.state()).isEqualTo(c.spec().running() ? SiteState.State.RUNNING : SiteState.State.STOPPED);
                assertThat(after.failedConvergences()).isZero();
            } else {
                assertThat(waiting || keptError).as("an error after every step succeeded").isTrue();
                assertThat(after.appliedGeneration()).isEqualTo(c.state().appliedGeneration());
                assertThat(after.state()).isEqualTo(SiteState.State.FAILED);
                assertThat(after.failedConvergences()).isEqualTo(c.state().failedConvergences() + 1);
                assertThat(after.nextRetry()).isAfterOrEqualTo(c.now().plus(BACKOFF.initial()));
            }
            assertThat(after.updatedAt()).isEqualTo(c.now());
        });
    }

    @Test
    void aSkippedStepKeepsItsPartsErrorAndARunStepReplacesIt() {
        forAll(c -> {
            List<Step> steps = plan(c);
            List<SitePlan.Outcome> outcomes = new ArrayList<>();
            for (Step step : steps) {
                outcomes.add(step.part() == SitePart.PROXY ? SitePlan.Outcome.skipped(step)
                        : step.part() == SitePart.CONTENT ? SitePlan.Outcome.failed(step, "no such release", c.now())
                        : SitePlan.Outcome.succeeded(step, c.now()));
            }
            SiteState after = c.plan().settle(c.spec(), c.state(), outcomes, c.now());
            assertThat(after.errors().get(SitePart.PROXY)).isEqualTo(c.state().errors().get(SitePart.PROXY));
            assertThat(after.errors()).containsEntry(SitePart.CONTENT, "no such release");
            assertThat(after.state()).isEqualTo(SiteState.State.FAILED);
        });
    }

    @Test
    void aWatchRetryIsDueOnlyOnceEveryDelayIsOver() {
        forAll(c -> {
            boolean due = c.plan().retryDue(c.state(), c.now());
            assertThat(due).isEqualTo(!c.state().errors().isEmpty() && !c.now().isBefore(c.state().nextRetry())
                    && !c.now().isBefore(c.state().container().nextStartAttempt()));
        });
    }

    @Test
    void aCrashLoopIsRestartedAtOnceThenAfterDoublingDelaysUpToTheMaximum() {
        SitePlan plan = new SitePlan(BACKOFF, STABLE_AFTER, false);
        SiteSpec spec = spec(true, 1);
        SitePlan.ContainerSeen dead = SitePlan.ContainerSeen.of(new ContainerRuntime.Status(ContainerRuntime.State.STOPPED, 0, "h"), "h");
        SitePlan.ContainerSeen absent = SitePlan.ContainerSeen.of(ContainerRuntime.Status.ABSENT, "h");
        SiteState state = SiteState.NEW;
        Instant now = T;
        List<Steps> delays = new ArrayList<>();
        state = plan.settle(spec, state, allSucceed(plan.converge(spec, state, absent, now), now), now);
        assertThat(state.state()).isEqualTo(SiteState.State.RUNNING);
        for (int crash = 1; crash <= 10; crash++) {
            List<Step> steps = plan.converge(spec, state, dead, now);
            Step.Container container = containerStep(steps);
            Duration delay = Duration.between(now, container.bookkeeping().nextStartAttempt());
            delays.add(new Steps(container.decision(), delay));
            state = plan.settle(spec, state, allSucceed(steps, now), now);
            if (container.decision() == Step.Container.Decision.WAIT) {
                assertThat(state.errors()).containsEntry(SitePart.RUNTIME, "waiting to restart after " + crash + " failure(s)");
                now = container.bookkeeping().nextStartAttempt();
                steps = plan.converge(spec, state, dead, now);
                assertThat(containerStep(steps).decision()).isEqualTo(Step.Container.Decision.START);
                state = plan.settle(spec, state, allSucceed(steps, now), now);
            }
            assertThat(state.container().restarts()).isEqualTo(crash);
            assertThat(state.state()).isEqualTo(SiteState.State.RUNNING);
        }
        assertThat(delays).extracting(Steps::delay).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(32),
                Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60));
        assertThat(delays.get(0).decision()).isEqualTo(Step.Container.Decision.START);
    }

    private record Steps(Step.Container.Decision decision, Duration delay) {
    }

    @Test
    void aContainerThatRanStablyIsForgivenItsFailures() {
        SitePlan plan = new SitePlan(BACKOFF, STABLE_AFTER, false);
        SiteState state = new SiteState(SiteState.State.RUNNING, 1, Map.of(), 0, T, T,
                new SiteState.Container(3, 5, T, T.minus(STABLE_AFTER), null, true));
        Step.Container step = containerStep(plan.converge(spec(true, 1), state,
                SitePlan.ContainerSeen.of(new ContainerRuntime.Status(ContainerRuntime.State.STOPPED, 0, "h"), "h"), T));
        assertThat(step.decision()).isEqualTo(Step.Container.Decision.START);
        assertThat(step.bookkeeping().consecutiveFailures()).isEqualTo(1);
    }

    @Test
    void aFailedStartWaitsLongerThanTheCrashBefore() {
        SitePlan plan = new SitePlan(BACKOFF, STABLE_AFTER, false);
        SiteSpec spec = spec(true, 1);
        List<Step> steps = plan.converge(spec, SiteState.NEW, SitePlan.ContainerSeen.of(ContainerRuntime.Status.ABSENT, "h"), T);
        List<SitePlan.Outcome> outcomes = steps.stream().map(step -> step instanceof Step.Container
                ? SitePlan.Outcome.failed(step, "runc run failed", T) : SitePlan.Outcome.succeeded(step, T)).toList();
        SiteState after = plan.settle(spec, SiteState.NEW, outcomes, T);
        assertThat(after.errors()).containsOnly(Map.entry(SitePart.RUNTIME, "runc run failed"));
        assertThat(after.container().consecutiveFailures()).isEqualTo(1);
        assertThat(after.container().nextStartAttempt()).isEqualTo(T.plusSeconds(1));
        assertThat(after.nextRetry()).isEqualTo(T.plusSeconds(1));
        assertThat(after.appliedGeneration()).isZero();
    }

    @Test
    void aRemovalTouchesEveryPartOnceProxyFirstThenTheRecords() {
        UUID siteId = UUID.randomUUID();
        List<Step> steps = new SitePlan(BACKOFF, STABLE_AFTER, true).remove(siteId, Set.of());
        assertThat(steps).extracting(Step::part).containsExactly(SitePart.PROXY, SitePart.DNS, SitePart.RUNTIME, SitePart.NETWORK,
                SitePart.CGROUPS, SitePart.CONTENT);
        assertThat(steps).allSatisfy(step -> {
            assertThat(step.changing()).isTrue();
            assertThat(step.siteId()).isEqualTo(siteId);
            assertThat(step.requires()).isEmpty();
        });
    }
}
