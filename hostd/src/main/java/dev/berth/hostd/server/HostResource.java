package dev.berth.hostd.server;

import dev.berth.hostd.cgroups.Cgroups;
import dev.berth.hostd.proxy.Proxy;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.runtime.ContainerRuntime;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Host capacity, component versions and health, for placement and for admins. */
@Path("/v1/host")
@Produces(MediaType.APPLICATION_JSON)
public class HostResource {
    private final ContainerRuntime runtime;
    private final Proxy proxy;
    private final Cgroups cgroups;
    private final Reconciler reconciler;
    private final Supplier<Boolean> proxyRunning;
    private final String bridge;
    private final Supplier<? extends java.util.List<?>> certificates;
    private volatile String runcVersion;
    private volatile String nginxVersion;

    public HostResource(ContainerRuntime runtime, Proxy proxy, Cgroups cgroups, Reconciler reconciler,
                        Supplier<Boolean> proxyRunning, String bridge) {
        this(runtime, proxy, cgroups, reconciler, proxyRunning, bridge, java.util.List::of);
    }

    /** As above, also reporting the certificates hostd manages (issuer, validity, state, last error). */
    public HostResource(ContainerRuntime runtime, Proxy proxy, Cgroups cgroups, Reconciler reconciler,
                        Supplier<Boolean> proxyRunning, String bridge, Supplier<? extends java.util.List<?>> certificates) {
        this.certificates = certificates;
        this.runtime = runtime;
        this.proxy = proxy;
        this.cgroups = cgroups;
        this.reconciler = reconciler;
        this.proxyRunning = proxyRunning;
        this.bridge = bridge;
    }

    @GET
    public Map<String, Object> host() {
        if (runcVersion == null) {
            runcVersion = runtime.version();
            nginxVersion = proxy.version();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cpus", java.lang.Runtime.getRuntime().availableProcessors());
        body.put("memTotalBytes", meminfo("MemTotal"));
        body.put("memAvailableBytes", meminfo("MemAvailable"));
        var observed = reconciler.converger().observeAll();
        body.put("sites", observed.size());
        body.put("runningSites", observed.stream().filter(site -> "running".equals(site.state())).count());
        body.put("failedSites", observed.stream().filter(site -> "failed".equals(site.state())).count());
        body.put("runcVersion", runcVersion);
        body.put("nginxVersion", nginxVersion);
        body.put("cgroupMode", cgroups.mode());
        body.put("bridge", bridge);
        body.put("ipv4Forwarding", readTrimmed("/proc/sys/net/ipv4/ip_forward"));
        body.put("ipv6Forwarding", readTrimmed("/proc/sys/net/ipv6/conf/all/forwarding"));
        boolean proxyUp = proxyRunning.get();
        body.put("proxyRunning", proxyUp);
        body.put("healthy", proxyUp);
        body.put("certificates", certificates.get());
        return body;
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
