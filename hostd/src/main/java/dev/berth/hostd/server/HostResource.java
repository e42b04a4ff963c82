package dev.berth.hostd.server;

import dev.berth.hostd.cgroups.Cgroups;
import dev.berth.hostd.proxy.Proxy;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.HostReport;
import dev.berth.hostprotocol.SiteObservation;
import dev.berth.hostprotocol.net.BridgePlan;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Supplier;

/** Host capacity, component versions, health and the sites' address plan, for placement and for admins. */
@Path("/v1/host")
@Produces(MediaType.APPLICATION_JSON)
public class HostResource {
    private final ContainerRuntime runtime;
    private final Proxy proxy;
    private final Cgroups cgroups;
    private final Reconciler reconciler;
    private final Supplier<Boolean> proxyRunning;
    private final BridgePlan bridges;
    private final Supplier<List<CertificateState>> certificates;
    private final Supplier<dev.berth.hostprotocol.WarmPoolState> warmPool;
    private volatile String runcVersion;
    private volatile String nginxVersion;

    public HostResource(ContainerRuntime runtime, Proxy proxy, Cgroups cgroups, Reconciler reconciler,
                        Supplier<Boolean> proxyRunning, BridgePlan bridges) {
        this(runtime, proxy, cgroups, reconciler, proxyRunning, bridges, List::of, () -> null);
    }

    /**
     * As above, also reporting the certificates hostd manages (issuer, validity, state, last error)
     * and the warm pool.
     */
    public HostResource(ContainerRuntime runtime, Proxy proxy, Cgroups cgroups, Reconciler reconciler,
                        Supplier<Boolean> proxyRunning, BridgePlan bridges, Supplier<List<CertificateState>> certificates,
                        Supplier<dev.berth.hostprotocol.WarmPoolState> warmPool) {
        this.certificates = certificates;
        this.warmPool = warmPool;
        this.runtime = runtime;
        this.proxy = proxy;
        this.cgroups = cgroups;
        this.reconciler = reconciler;
        this.proxyRunning = proxyRunning;
        this.bridges = bridges;
    }

    @GET
    public HostReport host() {
        if (runcVersion == null) {
            runcVersion = runtime.version();
            nginxVersion = proxy.version();
        }
        List<SiteObservation> observed = reconciler.converger().observeAll();
        boolean proxyUp = proxyRunning.get();
        return new HostReport(java.lang.Runtime.getRuntime().availableProcessors(), meminfo("MemTotal"), meminfo("MemAvailable"),
                observed.size(), count(observed, SiteObservation.State.RUNNING), count(observed, SiteObservation.State.FAILED),
                runcVersion, nginxVersion, cgroups.mode(), String.join(" ", bridges.names()),
                readTrimmed("/proc/sys/net/ipv4/ip_forward"), readTrimmed("/proc/sys/net/ipv6/conf/all/forwarding"),
                proxyUp, proxyUp, certificates.get(), bridges.toNetworkPlan(), warmPool.get());
    }

    private static int count(List<SiteObservation> observed, SiteObservation.State state) {
        return (int) observed.stream().filter(site -> site.state() == state).count();
    }

    private static long meminfo(String key) {
        try {
            for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith(key + ":")) {
                    String[] parts = line.split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // reported as unknown
        }
        return -1;
    }

    private static String readTrimmed(String file) {
        try {
            return Files.readString(java.nio.file.Path.of(file)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
