package dev.berth.hostd.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.dns.DnsException;
import dev.berth.hostd.dns.FakeDns;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteObservation;
import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One site's convergence on fakes for every part, an injected clock and proxy steps run in line. */
class ConvergerTest {
    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock();
    private final Fakes.FakeNetwork network = new Fakes.FakeNetwork();
    private final Fakes.FakeRuntime runtime = new Fakes.FakeRuntime();
    private final Fakes.FakeCgroups cgroups = new Fakes.FakeCgroups();
    private final Fakes.FakeProxy proxy = new Fakes.FakeProxy();
    private final Fakes.FakeContent content = new Fakes.FakeContent();
    private final Ports ports = new Ports(content, cgroups, network, runtime, proxy, SiteRecords.none());
    private SpecStore specs;
    private Converger converger;
    private final UUID tenant = UUID.randomUUID();

    @BeforeEach
    void setUp() throws Exception {
        specs = new SpecStore(directory, new ObjectMapper().findAndRegisterModules());
        converger = converger(ports);
    }

    private Converger converger(Ports on) {
        return new Converger(specs, on, on, Fakes.plan(on.records()), clock, Runnable::run, Runnable::run);
    }

    private SiteSpec spec(UUID siteId, boolean running, long generation) {
        return new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), running, null, generation);
    }

    /** A new site wanted running at generation 1, converged once. */
    private UUID convergedRunning() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        converger.converge(siteId);
        return siteId;
    }

    private SiteObservation observed(UUID siteId) {
        return converger.observe(siteId).orElseThrow();
    }

    @Test
    void aSpecdSiteGetsEveryPartAndIsReportedRunningAtItsGeneration() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 3));
        converger.converge(siteId);
        assertThat(network.attached).contains(siteId);
        assertThat(cgroups.tenants).containsKey(tenant);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);
        assertThat(proxy.serving).containsEntry(siteId, true);
        assertThat(content.current).containsEntry(siteId, "_welcome");
        SiteObservation observed = observed(siteId);
        assertThat(observed.state().wireName()).isEqualTo("running");
        assertThat(observed.appliedGeneration()).isEqualTo(3);
        assertThat(observed.lastError()).isNull();
        assertThat(observed.memoryBytes()).isEqualTo(1024);
    }

    @Test
    void aNewReleaseReachesTheProxyAndAMissingOneKeepsThePreviousEntry() throws Exception {
        UUID siteId = convergedRunning();
        SiteSpec installed = new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, "r1", 2);
        specs.put(installed);
        converger.converge(siteId);
        assertThat(proxy.release).containsEntry(siteId, "r1");
        assertThat(observed(siteId).appliedGeneration()).isEqualTo(2);

        content.missingReleases.add("r2");
        specs.put(new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, "r2", 3));
        converger.converge(siteId);
        // nginx names the release directory: it must not point at one that is not there.
        assertThat(proxy.release).containsEntry(siteId, "r1");
        assertThat(content.current).containsEntry(siteId, "r1");
        assertThat(observed(siteId).state().wireName()).isEqualTo("failed");
        assertThat(observed(siteId).appliedGeneration()).isEqualTo(2);
    }

    @Test
    void convergingTwiceChangesNothing() throws Exception {
        UUID siteId = convergedRunning();
        converger.converge(siteId);
        assertThat(runtime.starts).isEqualTo(1);
    }

    @Test
    void aStoppedSiteLosesItsContainerAndRoutesToThe503Page() throws Exception {
        UUID siteId = convergedRunning();
        specs.put(spec(siteId, false, 2));
        converger.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.ABSENT);
        assertThat(proxy.serving).containsEntry(siteId, false);
        assertThat(observed(siteId).state().wireName()).isEqualTo("stopped");
        assertThat(observed(siteId).appliedGeneration()).isEqualTo(2);
    }

    @Test
    void aSiteCreatedWithASlotReadyClaimsItAndIsNotStarted() throws Exception {
        runtime.poolSlots = 1;
        UUID siteId = convergedRunning();
        assertThat(runtime.claims).isEqualTo(1);
        assertThat(runtime.starts).isZero();
        assertThat(proxy.serving).containsEntry(siteId, true);
        assertThat(content.current).containsEntry(siteId, "_welcome");
        assertThat(observed(siteId).state().wireName()).isEqualTo("running");
        assertThat(observed(siteId).appliedGeneration()).isEqualTo(1);
        // Once claimed, the container is the site's: later passes keep it.
        converger.converge(siteId);
        assertThat(runtime.claims).isEqualTo(1);
        assertThat(runtime.starts).isZero();
    }

    @Test
    void aStoppedSiteClaimsASlotAgainWhenItStarts() throws Exception {
        runtime.poolSlots = 2;
        UUID siteId = convergedRunning();
        specs.put(spec(siteId, false, 2));
        converger.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.ABSENT);
        specs.put(spec(siteId, true, 3));
        converger.converge(siteId);
        assertThat(runtime.claims).isEqualTo(2);
        assertThat(runtime.starts).isZero();
        assertThat(observed(siteId).state().wireName()).isEqualTo("running");
    }

    @Test
    void aContainerThatVanishedAfterRunningIsStartedTheUsualWayNotClaimed() throws Exception {
        runtime.poolSlots = 5;
        UUID siteId = convergedRunning();
        runtime.containers.remove(siteId);
        converger.converge(siteId);
        assertThat(runtime.claims).isEqualTo(1);
        assertThat(runtime.starts).isEqualTo(1);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);
    }

    @Test
    void aContainerThatDiesIsRestartedAtOnceThenWithGrowingDelays() throws Exception {
        UUID siteId = convergedRunning();

        runtime.die(siteId);
        converger.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);
        assertThat(observed(siteId).restarts()).isEqualTo(1);
        assertThat(observed(siteId).lastExit()).contains("exited unexpectedly");

        runtime.die(siteId);
        converger.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.STOPPED);
        assertThat(observed(siteId).state().wireName()).isEqualTo("failed");
        assertThat(observed(siteId).errors()).containsKey(SitePart.RUNTIME);

        clock.advance(Duration.ofSeconds(1));
        converger.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);
        assertThat(observed(siteId).state().wireName()).isEqualTo("running");
        assertThat(observed(siteId).restarts()).isEqualTo(2);
    }

    @Test
    void aContainerThatRanStablyStartsItsBackoffAfresh() throws Exception {
        UUID siteId = convergedRunning();
        runtime.die(siteId);
        converger.converge(siteId);
        clock.advance(Duration.ofSeconds(30));
        runtime.die(siteId);
        converger.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);
    }

    @Test
    void aFailedStartIsReportedAndRetriedOnlyAfterTheBackoff() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        runtime.failWith = "runc run failed: no rootfs";
        converger.converge(siteId);
        assertThat(observed(siteId).state().wireName()).isEqualTo("failed");
        assertThat(observed(siteId).lastError()).contains("runtime: runc run failed: no rootfs");
        assertThat(observed(siteId).appliedGeneration()).isZero();
        int starts = runtime.starts;
        converger.converge(siteId);
        assertThat(runtime.starts).isEqualTo(starts);
        runtime.failWith = null;
        clock.advance(Duration.ofSeconds(2));
        converger.converge(siteId);
        assertThat(observed(siteId).state().wireName()).isEqualTo("running");
        assertThat(observed(siteId).lastError()).isNull();
    }

    @Test
    void aNetworkFailureKeepsTheContainerFromStartingAndIsReportedForThatPart() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        network.failWith = "CNI bridge ADD failed";
        converger.converge(siteId);
        assertThat(runtime.starts).isZero();
        assertThat(observed(siteId).errors()).containsOnlyKeys(SitePart.NETWORK);
    }

    @Test
    void aProxyRejectionFailsOnlyThatSite() throws Exception {
        UUID bad = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        specs.put(spec(bad, true, 1));
        specs.put(new SiteSpec(good, "beta", tenant, List.of("beta.localhost"), "10.1.1.6", "fd00::6",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1));
        proxy.rejecting.add(bad);
        converger.converge(bad);
        converger.converge(good);
        assertThat(observed(bad).state().wireName()).isEqualTo("failed");
        assertThat(observed(bad).errors()).containsOnlyKeys(SitePart.PROXY);
        assertThat(observed(good).state().wireName()).isEqualTo("running");
    }

    @Test
    void changedLimitsRestartTheContainer() throws Exception {
        UUID siteId = convergedRunning();
        specs.put(new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(250, 32, 32), new ResourceLimits(1000, 256, 256), true, null, 2));
        converger.converge(siteId);
        assertThat(runtime.starts).isEqualTo(2);
    }

    @Test
    void removingASiteThatIsGoneSucceeds() {
        assertThat(converger.remove(UUID.randomUUID())).isTrue();
    }

    @Test
    void aSiteIdKeepsNoLockOnceNothingConvergesOrRemovesIt() throws Exception {
        UUID siteId = convergedRunning();
        for (int index = 0; index < 100; index++) {
            converger.remove(UUID.randomUUID());
        }
        assertThat(converger.lockEntries()).as("an entry for every id ever asked about would grow without end").isZero();
    }

    @Test
    void oneSiteIsConvergedByOneThreadAtATimeWhileItsLockComesAndGoes() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        StepRunner counting = step -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                Thread.sleep(0, 200_000);
                ports.run(step);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inside.decrementAndGet();
            }
        };
        Converger contended = new Converger(specs, ports, counting, Fakes.plan(ports.records()), clock, Runnable::run, Runnable::run);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int index = 0; index < 300; index++) {
                int round = index;
                done.add(threads.submit(() -> {
                    if (round % 3 == 0) {
                        contended.remove(siteId);
                    } else {
                        // A new generation each time, so every convergence runs steps.
                        specs.put(spec(siteId, round % 2 == 0, round));
                        contended.converge(siteId);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> future : done) {
                future.get();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(most.get()).as("steps of one site running at once").isEqualTo(1);
        assertThat(contended.lockEntries()).isZero();
    }

    @Test
    void removeRefusesASiteThatStillHasASpec() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        assertThat(converger.remove(siteId)).isFalse();
    }

    @Test
    void aSitesRecordsArePublishedReassertedWhenTheyDriftAndRemovedWithTheSite() throws Exception {
        FakeDns dns = new FakeDns();
        java.net.InetAddress publicV4 = java.net.InetAddress.getByName("192.0.2.10");
        Converger withDns = converger(new Ports(content, cgroups, network, runtime, proxy,
                new SiteRecords(dns, List.of(publicV4), directory.resolve("dns"))));
        UUID siteId = UUID.randomUUID();
        specs.put(new SiteSpec(siteId, "alpha", tenant, List.of("alpha.example.test", "alpha.localhost"), "10.1.1.5",
                "fd00::5", new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1));
        withDns.converge(siteId);
        assertThat(dns.addresses).containsOnlyKeys("alpha.example.test");
        assertThat(dns.addresses.get("alpha.example.test")).containsExactly(publicV4);

        withDns.converge(siteId);
        assertThat(dns.updates).isEqualTo(1);

        dns.addresses.put("alpha.example.test", List.of(java.net.InetAddress.getByName("198.51.100.1")));
        withDns.converge(siteId);
        assertThat(dns.addresses.get("alpha.example.test")).containsExactly(publicV4);

        dns.failure = new DnsException(DnsException.Kind.UNREACHABLE, "named is down");
        dns.addresses.clear();
        withDns.converge(siteId);
        assertThat(withDns.observe(siteId).orElseThrow().errors()).containsKey(SitePart.DNS);
        assertThat(withDns.observe(siteId).orElseThrow().state().wireName()).isEqualTo("failed");

        dns.failure = null;
        withDns.converge(siteId);
        assertThat(withDns.observe(siteId).orElseThrow().errors()).isEmpty();
        assertThat(dns.addresses).containsKey("alpha.example.test");

        specs.remove(siteId);
        withDns.converge(siteId);
        assertThat(dns.addresses).isEmpty();
    }

    @Test
    void aSitesRecordsGoOutAlongsideItsContainerStartRatherThanBeforeIt() throws Exception {
        FakeDns dns = new FakeDns();
        dns.gate = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService overlap = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            Converger overlapping = publishingTo(dns, overlap);
            UUID siteId = runningSiteNamedAlpha();
            java.util.concurrent.CompletableFuture<Void> converging =
                    java.util.concurrent.CompletableFuture.runAsync(() -> overlapping.converge(siteId));
            awaitUpTo10Seconds(() -> runtime.status(siteId).state() == ContainerRuntime.State.RUNNING);
            // The container started while the record update is still held.
            assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);
            assertThat(dns.addresses).isEmpty();
            assertThat(converging).isNotDone();

            dns.gate.countDown();
            converging.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(dns.addresses).containsOnlyKeys("alpha.example.test");
            SiteObservation observed = overlapping.observe(siteId).orElseThrow();
            assertThat(observed.state().wireName()).isEqualTo("running");
            assertThat(observed.appliedGeneration()).isEqualTo(1);
        } finally {
            dns.gate.countDown();
            overlap.shutdownNow();
        }
    }

    @Test
    void aNewSitesRecordsAreAnsweredWhileItsWarmContainerIsStillBeingClaimed() throws Exception {
        FakeDns dns = new FakeDns();
        java.util.concurrent.ExecutorService overlap = java.util.concurrent.Executors.newSingleThreadExecutor();
        runtime.poolSlots = 1;
        runtime.claimGate = new java.util.concurrent.CountDownLatch(1);
        try {
            Converger claiming = publishingTo(dns, overlap);
            UUID siteId = runningSiteNamedAlpha();
            java.util.concurrent.CompletableFuture<Void> converging =
                    java.util.concurrent.CompletableFuture.runAsync(() -> claiming.converge(siteId));
            awaitUpTo10Seconds(() -> !dns.addresses.isEmpty());
            // The name answers while the claim has not returned: the records did not wait for the container.
            assertThat(dns.addresses).containsOnlyKeys("alpha.example.test");
            assertThat(runtime.claims).isZero();
            assertThat(converging).isNotDone();

            runtime.claimGate.countDown();
            converging.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(runtime.claims).isEqualTo(1);
            SiteObservation observed = claiming.observe(siteId).orElseThrow();
            assertThat(observed.state().wireName()).isEqualTo("running");
            assertThat(observed.appliedGeneration()).isEqualTo(1);
        } finally {
            runtime.claimGate.countDown();
            overlap.shutdownNow();
        }
    }
    @Test
    void aRemovalTakesTheContainerDownWithoutWaitingForTheNameServerAndAnswersOnceTheRecordsAreGone() throws Exception {
        FakeDns dns = new FakeDns();
        java.util.concurrent.ExecutorService records = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            Converger removing = publishingTo(dns, records);
            UUID siteId = runningSiteNamedAlpha();
            removing.converge(siteId);
            assertThat(dns.addresses).containsOnlyKeys("alpha.example.test");
            assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);

            dns.gate = new java.util.concurrent.CountDownLatch(1);
            specs.remove(siteId);
            java.util.concurrent.CompletableFuture<Boolean> removal =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> removing.remove(siteId));
            awaitUpTo10Seconds(() -> runtime.status(siteId).state() == ContainerRuntime.State.ABSENT);
            // The container went while the name server holds the records' update.
            assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.ABSENT);
            assertThat(dns.addresses).containsOnlyKeys("alpha.example.test");
            assertThat(removal).as("a removal answers only once its records are gone too").isNotDone();

            dns.gate.countDown();
            assertThat(removal.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(dns.addresses).isEmpty();
        } finally {
            if (dns.gate != null) {
                dns.gate.countDown();
            }
            records.shutdownNow();
        }
    }

    /** A converger whose sites' records go to {@code dns}, its records steps on {@code records}. */
    private Converger publishingTo(FakeDns dns, java.util.concurrent.Executor records) throws Exception {
        Ports withDns = new Ports(content, cgroups, network, runtime, proxy,
                new SiteRecords(dns, List.of(java.net.InetAddress.getByName("192.0.2.10")), directory.resolve("dns")));
        return new Converger(specs, withDns, withDns, Fakes.plan(withDns.records()), clock, Runnable::run, records);
    }

    /** Puts the spec of a new running site {@code alpha.example.test}; returns its id. */
    private UUID runningSiteNamedAlpha() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(new SiteSpec(siteId, "alpha", tenant, List.of("alpha.example.test"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1));
        return siteId;
    }
    /** Waits until {@code condition} holds, at most 10 s (the test's assertions then say what did not happen). */
    private static void awaitUpTo10Seconds(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }
}
