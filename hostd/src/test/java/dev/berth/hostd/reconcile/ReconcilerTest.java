package dev.berth.hostd.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loops around the converger: recovery after a restart, the watch and nudges, on fakes. */
class ReconcilerTest {
    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock();
    private final Fakes.FakeNetwork network = new Fakes.FakeNetwork();
    private final Fakes.FakeRuntime runtime = new Fakes.FakeRuntime();
    private final Ports ports = new Ports(new Fakes.FakeContent(), new Fakes.FakeCgroups(), network, runtime,
            new Fakes.FakeProxy(), SiteRecords.none());
    private final UUID tenant = UUID.randomUUID();
    private SpecStore specs;
    private Reconciler reconciler;

    @BeforeEach
    void setUp() throws Exception {
        specs = new SpecStore(directory, new ObjectMapper().findAndRegisterModules());
        reconciler = new Reconciler(specs, ports, ports, Fakes.plan(ports.records()), clock, 1);
    }

    @AfterEach
    void tearDown() {
        reconciler.close();
    }

    private SiteSpec spec(UUID siteId) {
        return new SiteSpec(siteId, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1);
    }

    private String state(UUID siteId) {
        return reconciler.converger().observe(siteId).orElseThrow().state().wireName();
    }

    private void awaitState(UUID siteId, String wanted) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!state(siteId).equals(wanted) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(state(siteId)).isEqualTo(wanted);
    }

    @Test
    void theWatchRetriesAFailingSiteOnlyAfterABackoff() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId));
        network.failWith = "CNI bridge ADD failed";
        reconciler.converger().converge(siteId);
        network.failWith = null;
        assertThat(reconciler.watch()).as("nothing is due before the retry delay").isEmpty();
        assertThat(state(siteId)).isEqualTo("failed");

        clock.advance(Duration.ofSeconds(1));
        assertThat(reconciler.watch()).containsExactly(siteId);
        awaitState(siteId, "running");
    }

    @Test
    void theWatchRestartsAContainerThatDied() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId));
        reconciler.converger().converge(siteId);
        assertThat(reconciler.watch()).as("a running site needs nothing").isEmpty();

        runtime.die(siteId);
        assertThat(reconciler.watch()).containsExactly(siteId);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (reconciler.converger().observe(siteId).orElseThrow().restarts() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(reconciler.converger().observe(siteId).orElseThrow().restarts()).isEqualTo(1);
        assertThat(runtime.status(siteId).state()).isEqualTo(ContainerRuntime.State.RUNNING);
    }

    @Test
    void aNudgeConvergesTheSiteInTheBackground() throws Exception {
        UUID siteId = UUID.randomUUID();
        specs.put(spec(siteId));
        reconciler.nudge(siteId);
        awaitState(siteId, "running");
        assertThat(network.attached).contains(siteId);
    }

    @Test
    void recoverKeepsAContainerThatStillMatchesItsSpec() throws Exception {
        UUID siteId = UUID.randomUUID();
        SiteSpec spec = spec(siteId);
        specs.put(spec);
        runtime.containers.put(siteId, new ContainerRuntime.Status(ContainerRuntime.State.RUNNING, 42, runtime.specHash(spec)));
        reconciler.recover();
        assertThat(runtime.starts).isZero();
        assertThat(runtime.status(siteId).pid()).isEqualTo(42);
        assertThat(state(siteId)).isEqualTo("running");
    }

    @Test
    void recoverSweepsWhatNoSpecClaims() throws Exception {
        UUID orphan = UUID.randomUUID();
        network.attached.add(orphan);
        runtime.containers.put(orphan, new ContainerRuntime.Status(ContainerRuntime.State.RUNNING, 7, "x"));
        reconciler.recover();
        assertThat(network.attached).isEmpty();
        assertThat(runtime.containers).isEmpty();
    }
}
