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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrphanSweeperTest {
    @TempDir
    Path directory;
    private final Fakes.FakeNetwork network = new Fakes.FakeNetwork();
    private final Fakes.FakeRuntime runtime = new Fakes.FakeRuntime();
    private final Fakes.FakeCgroups cgroups = new Fakes.FakeCgroups();
    private final Fakes.FakeProxy proxy = new Fakes.FakeProxy();
    private final Fakes.FakeContent content = new Fakes.FakeContent();
    private final Ports ports = new Ports(content, cgroups, network, runtime, proxy, SiteRecords.none());

    @Test
    void theSweepRemovesEveryObjectNoSpecClaims() throws Exception {
        SpecStore specs = new SpecStore(directory, new ObjectMapper().findAndRegisterModules());
        Converger converger = new Converger(specs, ports, ports, Fakes.plan(ports.records()), new MutableClock(), Runnable::run, Runnable::run);
        UUID tenant = UUID.randomUUID();
        UUID kept = UUID.randomUUID();
        specs.put(new SiteSpec(kept, "alpha", tenant, List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1));
        converger.converge(kept);
        UUID orphan = UUID.randomUUID();
        UUID orphanTenant = UUID.randomUUID();
        UUID emptyTenant = UUID.randomUUID();
        network.attached.add(orphan);
        runtime.containers.put(orphan, new ContainerRuntime.Status(ContainerRuntime.State.RUNNING, 7, "x"));
        proxy.serving.put(orphan, true);
        content.current.put(orphan, "r1");
        cgroups.tree.computeIfAbsent(orphanTenant, id -> ConcurrentHashMap.newKeySet()).add(orphan);
        cgroups.tree.computeIfAbsent(emptyTenant, id -> ConcurrentHashMap.newKeySet());

        new OrphanSweeper(specs, ports, converger).sweep();

        assertThat(network.attached).containsExactly(kept);
        assertThat(runtime.containers).containsOnlyKeys(kept);
        assertThat(proxy.serving).containsOnlyKeys(kept);
        assertThat(content.current).containsOnlyKeys(kept);
        assertThat(cgroups.tree).containsOnlyKeys(tenant);
    }
}
