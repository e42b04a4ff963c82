package dev.berth.hostd.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.dns.DnsException;
import dev.berth.hostd.dns.FakeDns;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.runtime.Runtime;
import dev.berth.hostd.site.ObservedSite;
import dev.berth.hostd.site.SiteSpec;
import dev.berth.hostd.site.SpecStore;
import dev.berth.testkit.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {
    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock();
    private final Fakes.FakeNetwork network = new Fakes.FakeNetwork();
    private final Fakes.FakeRuntime runtime = new Fakes.FakeRuntime();
    private final Fakes.FakeCgroups cgroups = new Fakes.FakeCgroups();
    private final Fakes.FakeProxy proxy = new Fakes.FakeProxy();
    private final Fakes.FakeContent content = new Fakes.FakeContent();
    private SpecStore specs;
    private Reconciler reconciler;
    private final UUID tenant = UUID.randomUUID();

    @BeforeEach
    void setUp() throws Exception {
        specs = new SpecStore(directory, new ObjectMapper().findAndRegisterModules());
        reconciler = new Reconciler(specs, content, cgroups, network, runtime, proxy, clock,
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofSeconds(10), 1);
    }

    @AfterEach
    void tearDown() {
        reconciler.close();
    }

    private SiteSpec spec(UUID siteId, boolean running, long generation) {
        return new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), running, null, generation);
    }

    private ObservedSite observed(UUID siteId) {
        return reconciler.observe(siteId).orElseThrow();
    }

    @Test
    void aSpecdSiteGetsEveryPartAndIsReportedRunningAtItsGeneration() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 3));
        reconciler.converge(siteId);
        assertThat(network.attached).contains(siteId);
        assertThat(cgroups.tenants).containsKey(tenant);
        assertThat(runtime.status(siteId).state()).isEqualTo(Runtime.State.RUNNING);
        assertThat(proxy.serving).containsEntry(siteId, true);
        assertThat(content.current).containsEntry(siteId, "_welcome");
        ObservedSite observed = observed(siteId);
        assertThat(observed.state()).isEqualTo("running");
        assertThat(observed.appliedGeneration()).isEqualTo(3);
        assertThat(observed.lastError()).isNull();
        assertThat(observed.memoryBytes()).isEqualTo(1024);
    }

    @Test
    void aNewReleaseReachesTheProxyAndAMissingOneKeepsThePreviousEntry() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        reconciler.converge(siteId);
        SiteSpec installed = new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), true, "r1", 2);
        specs.put(installed);
        reconciler.converge(siteId);
        assertThat(proxy.release).containsEntry(siteId, "r1");
        assertThat(observed(siteId).appliedGeneration()).isEqualTo(2);

        content.missingReleases.add("r2");
        specs.put(new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), true, "r2", 3));
        reconciler.converge(siteId);
        // nginx names the release directory: it must not point at one that is not there.
        assertThat(proxy.release).containsEntry(siteId, "r1");
        assertThat(content.current).containsEntry(siteId, "r1");
        assertThat(observed(siteId).state()).isEqualTo("failed");
        assertThat(observed(siteId).appliedGeneration()).isEqualTo(2);
    }

    @Test
    void convergingTwiceChangesNothing() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        reconciler.converge(siteId);
        reconciler.converge(siteId);
        assertThat(runtime.starts).isEqualTo(1);
    }

    @Test
    void aStoppedSiteLosesItsContainerAndRoutesToThe503Page() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        reconciler.converge(siteId);
        specs.put(spec(siteId, false, 2));
        reconciler.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(Runtime.State.ABSENT);
        assertThat(proxy.serving).containsEntry(siteId, false);
        assertThat(observed(siteId).state()).isEqualTo("stopped");
        assertThat(observed(siteId).appliedGeneration()).isEqualTo(2);
    }

    @Test
    void aContainerThatDiesIsRestartedAtOnceThenWithGrowingDelays() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        reconciler.converge(siteId);

        runtime.die(siteId);
        reconciler.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(Runtime.State.RUNNING);
        assertThat(observed(siteId).restarts()).isEqualTo(1);
        assertThat(observed(siteId).lastExit()).contains("exited unexpectedly");

        runtime.die(siteId);
        reconciler.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(Runtime.State.STOPPED);
        assertThat(observed(siteId).state()).isEqualTo("failed");
        assertThat(observed(siteId).errors()).containsKey("runtime");

        clock.advance(Duration.ofSeconds(1));
        reconciler.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(Runtime.State.RUNNING);
        assertThat(observed(siteId).state()).isEqualTo("running");
        assertThat(observed(siteId).restarts()).isEqualTo(2);
    }

    @Test
    void aContainerThatRanStablyStartsItsBackoffAfresh() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        reconciler.converge(siteId);
        runtime.die(siteId);
        reconciler.converge(siteId);
        clock.advance(Duration.ofSeconds(30));
        runtime.die(siteId);
        reconciler.converge(siteId);
        assertThat(runtime.status(siteId).state()).isEqualTo(Runtime.State.RUNNING);
    }

    @Test
    void aFailedStartIsReportedAndRetriedOnlyAfterTheBackoff() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        runtime.failWith = "runc run failed: no rootfs";
        reconciler.converge(siteId);
        assertThat(observed(siteId).state()).isEqualTo("failed");
        assertThat(observed(siteId).lastError()).contains("runtime: runc run failed: no rootfs");
        assertThat(observed(siteId).appliedGeneration()).isZero();
        int starts = runtime.starts;
        reconciler.converge(siteId);
        assertThat(runtime.starts).isEqualTo(starts);
        runtime.failWith = null;
        clock.advance(Duration.ofSeconds(2));
        reconciler.converge(siteId);
        assertThat(observed(siteId).state()).isEqualTo("running");
        assertThat(observed(siteId).lastError()).isNull();
    }

    @Test
    void aNetworkFailureKeepsTheContainerFromStartingAndIsReportedForThatPart() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        network.failWith = "CNI bridge ADD failed";
        reconciler.converge(siteId);
        assertThat(runtime.starts).isZero();
        assertThat(observed(siteId).errors()).containsOnlyKeys("network");
    }

    @Test
    void theWatchRetriesAFailingSiteOnlyAfterABackoff() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        network.failWith = "CNI bridge ADD failed";
        reconciler.converge(siteId);
        network.failWith = null;
        reconciler.watch();
        Thread.sleep(200);
        assertThat(observed(siteId).state()).isEqualTo("failed");
        clock.advance(Duration.ofSeconds(1));
        reconciler.watch();
        long deadline = System.currentTimeMillis() + 5000;
        while (!observed(siteId).state().equals("running") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(observed(siteId).state()).isEqualTo("running");
    }

    @Test
    void aProxyRejectionFailsOnlyThatSite() throws Exception {
        UUID bad = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        specs.put(spec(bad, true, 1));
        specs.put(new SiteSpec(good, "beta", tenant, List.of("beta.localhost"), "10.1.1.6", "fd00::6",
                new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), true, null, 1));
        proxy.rejecting.add(bad);
        reconciler.converge(bad);
        reconciler.converge(good);
        assertThat(observed(bad).state()).isEqualTo("failed");
        assertThat(observed(bad).errors()).containsOnlyKeys("proxy");
        assertThat(observed(good).state()).isEqualTo("running");
    }

    @Test
    void recoverKeepsAContainerThatStillMatchesItsSpec() throws Exception {
        UUID siteId = UUID.randomUUID();
        SiteSpec spec = spec(siteId, true, 1);
        specs.put(spec);
        runtime.containers.put(siteId, new Runtime.Status(Runtime.State.RUNNING, 42, runtime.specHash(spec)));
        reconciler.recover();
        assertThat(runtime.starts).isZero();
        assertThat(runtime.status(siteId).pid()).isEqualTo(42);
        assertThat(observed(siteId).state()).isEqualTo("running");
    }

    @Test
    void changedLimitsRestartTheContainer() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        reconciler.converge(siteId);
        specs.put(new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new SiteSpec.Limits(250, 32, 32), new SiteSpec.Limits(1000, 256, 256), true, null, 2));
        reconciler.converge(siteId);
        assertThat(runtime.starts).isEqualTo(2);
    }

    @Test
    void theSweepRemovesEveryObjectNoSpecClaims() throws Exception {
        UUID orphan = UUID.randomUUID();
        UUID orphanTenant = UUID.randomUUID();
        UUID kept = UUID.randomUUID();
        specs.put(spec(kept, true, 1));
        reconciler.converge(kept);
        network.attached.add(orphan);
        runtime.containers.put(orphan, new Runtime.Status(Runtime.State.RUNNING, 7, "x"));
        proxy.serving.put(orphan, true);
        content.current.put(orphan, "r1");
        cgroups.tree.computeIfAbsent(orphanTenant, id -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(orphan);

        reconciler.sweepOrphans();

        assertThat(network.attached).containsExactly(kept);
        assertThat(runtime.containers).containsOnlyKeys(kept);
        assertThat(proxy.serving).containsOnlyKeys(kept);
        assertThat(content.current).containsOnlyKeys(kept);
        assertThat(cgroups.tree).containsOnlyKeys(tenant);
    }

    @Test
    void removingASiteThatIsGoneSucceeds() {
        assertThat(reconciler.remove(UUID.randomUUID())).isTrue();
    }

    @Test
    void removeRefusesASiteThatStillHasASpec() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId, true, 1));
        assertThat(reconciler.remove(siteId)).isFalse();
    }

    @Test
    void aSitesRecordsArePublishedReassertedWhenTheyDriftAndRemovedWithTheSite() throws Exception {
        FakeDns dns = new FakeDns();
        java.net.InetAddress publicV4 = java.net.InetAddress.getByName("192.0.2.10");
        Reconciler withDns = new Reconciler(specs, content, cgroups, network, runtime, proxy,
                new SiteRecords(dns, List.of(publicV4), directory.resolve("dns")), clock,
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofSeconds(10), 1);
        try {
            UUID siteId = UUID.randomUUID();
            specs.put(new SiteSpec(siteId, "alpha", tenant, List.of("alpha.example.test", "alpha.localhost"), "10.1.1.5",
                    "fd00::5", new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), true, null, 1));
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
            assertThat(withDns.observe(siteId).orElseThrow().errors()).containsKey("dns");
            assertThat(withDns.observe(siteId).orElseThrow().state()).isEqualTo("failed");

            dns.failure = null;
            withDns.converge(siteId);
            assertThat(withDns.observe(siteId).orElseThrow().errors()).isEmpty();
            assertThat(dns.addresses).containsKey("alpha.example.test");

            specs.remove(siteId);
            withDns.converge(siteId);
            assertThat(dns.addresses).isEmpty();
        } finally {
            withDns.close();
        }
    }
}
