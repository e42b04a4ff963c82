package dev.berth.hostd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.cgroups.FileCgroups;
import dev.berth.hostd.content.Content;
import dev.berth.hostd.content.Precompressor;
import dev.berth.hostd.content.ReleaseStore;
import dev.berth.hostd.dns.Dns;
import dev.berth.hostd.dns.DnsFactory;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.network.CniNetwork;
import dev.berth.hostd.proxy.HttpsSettings;
import dev.berth.hostd.proxy.NginxProxy;
import dev.berth.hostd.reconcile.Failpoint;
import dev.berth.hostd.reconcile.Ports;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.reconcile.SitePlan;
import dev.berth.hostd.reconcile.StepRunner;
import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.runtime.OciConfig;
import dev.berth.hostd.runtime.RootFs;
import dev.berth.hostd.runtime.RuncRuntime;
import dev.berth.hostd.runtime.WarmPool;
import dev.berth.hostd.site.Backoff;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SiteNames;
import dev.berth.hostd.site.SiteValidator;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostd.tls.Certificates;
import dev.berth.hostd.tls.TlsFactory;
import dev.berth.hostd.tls.TlsInstaller;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Everything hostd is made of, built from its configuration with plain constructors. */
public final class Host {
    public final SiteNames names;
    public final Subnet4 subnet4;
    public final Subnet6 subnet6;
    /** The bridges sites go on, one per slice of the subnet (one bridge unless configured otherwise). */
    public final BridgePlan bridges;
    public final SpecStore specs;
    public final SiteValidator validator;
    public final Content content;
    public final FileCgroups cgroups;
    public final CniNetwork network;
    public final ContainerRuntime runtime;
    /** The warm pool in front of the runtime ({@link #runtime} is this pool). */
    public final WarmPool pool;
    public final NginxProxy proxy;
    public final Dns dns;
    public final Certificates certificates;
    /** ACME orders for the API, and other nodes' HTTP-01 answers served here; null when HTTPS is off. */
    public final dev.berth.hostd.tls.Orders orders;
    public final dev.berth.hostd.tls.AcmeChallenges challenges;
    public final dev.berth.hostd.build.Builds builds;
    public final Reconciler reconciler;
    public final dev.berth.hostd.accesslog.AccessLogReader accessLogs;
    private final HostdConfiguration configuration;

    public Host(HostdConfiguration configuration, ObjectMapper mapper, CommandRunner commands, Clock clock) throws IOException {
        this.configuration = configuration;
        this.names = new SiteNames(configuration.namePrefix);
        this.subnet4 = Subnet4.parse(configuration.network.bridgeIpv4);
        this.subnet6 = Subnet6.parse(configuration.network.bridgeIpv6);
        this.bridges = BridgePlan.of(configuration.network.bridge, subnet4, subnet6, configuration.network.bridgePrefixLength);
        int hostCount = (1 << (32 - subnet4.prefixLength())) - 1;
        if (configuration.runtime.hostIdBase + (long) hostCount * configuration.runtime.idsPerSite > 4_000_000_000L) {
            throw new IllegalArgumentException("hostIdBase + idsPerSite * addresses of the IPv4 subnet exceeds the uid space; lower idsPerSite");
        }
        Path data = Path.of(configuration.dataDirectory).toAbsolutePath();
        Path run = Path.of(configuration.runDirectory).toAbsolutePath();
        Files.createDirectories(data);
        Files.createDirectories(run);
        // Containers (as their unprivileged host uids) and nginx workers must traverse the data
        // directory to reach the rootfs, site content and pages, but need not list it.
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx--x--x"));
        requireTraversable(data);
        this.specs = new SpecStore(data.resolve("specs"), mapper);
        Files.setPosixFilePermissions(data.resolve("specs"), PosixFilePermissions.fromString("rwx------"));
        long memoryMib = Math.max(64, java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.OperatingSystemMXBean.class).getTotalMemorySize() / (1024 * 1024));
        this.validator = new SiteValidator(bridges,
                SiteValidator.Ranges.defaults(java.lang.Runtime.getRuntime().availableProcessors(), memoryMib));
        // The test-only failpoint exists only when its variable is set; it then decorates the ports.
        Optional<Failpoint> failpoint = Failpoint.fromEnvironment(System.getenv());
        Content releases = new ReleaseStore(data.resolve("sites"), new ReleaseStore.Limits(
                configuration.content.maxEntries, configuration.content.maxTotalBytes, configuration.content.keepReleases,
                configuration.content.maxSiteBytes), Precompressor.withInstalledTools());
        this.content = failpoint.map(hook -> hook.around(releases, specs)).orElse(releases);
        this.cgroups = new FileCgroups(Path.of(configuration.runtime.cgroupMount), configuration.runtime.cgroupRoot);
        this.network = new CniNetwork(commands, mapper, names, bridges,
                Path.of(configuration.network.cniPluginDirectory), configuration.network.ip, configuration.network.nft);
        Path rootfs = RootFs.prepare(data.resolve("rootfs"), Path.of(configuration.runtime.server), commands,
                configuration.runtime.ldd);
        RuncRuntime runc = new RuncRuntime(commands, mapper, names, configuration.runtime.runc, run.resolve("runc"),
                run.resolve("bundles"), spec -> new OciConfig.Inputs(rootfs, content.siteDirectory(spec.siteId()),
                network.namespacePath(spec.siteId()), cgroups.sitePath(spec.tenantId(), spec.siteId()),
                hostIdBase(spec), configuration.runtime.idsPerSite, cgroups.limitsSwap()));
        // The pool's id ranges lie past the sites': one per slot and per claimed container, as far as the uid space goes.
        long poolIdBase = configuration.runtime.hostIdBase + (long) hostCount * configuration.runtime.idsPerSite;
        int poolRanges = (int) Math.min(hostCount + (long) configuration.runtime.warmPoolSize,
                Math.max(0, (4_000_000_000L - poolIdBase) / configuration.runtime.idsPerSite));
        this.pool = new WarmPool(runc, network, cgroups, names, content::siteDirectory,
                new WarmPool.Settings(configuration.runtime.warmPoolSize, rootfs, data.resolve("pool"), poolIdBase,
                        configuration.runtime.idsPerSite, poolRanges, cgroups.limitsSwap(), WarmPool.SLOT_LIMITS), mapper);
        failpoint.ifPresent(hook -> pool.checkpoints(hook.claimStages()));
        this.runtime = pool;
        this.builds = new dev.berth.hostd.build.Builds(commands, mapper, configuration.runtime.runc, run.resolve("runc-builds"),
                run.resolve("build-bundles"), data.resolve("builds"), dev.berth.hostd.build.BuildRoot.prepare(data.resolve("build-root")),
                names.prefix(), configuration.runtime.idsPerSite, cgroups.limitsSwap(),
                (tenantId, buildId) -> cgroups.buildPath(tenantId, buildId), configuration.builds.concurrent);
        Path nginxPrefix = data.resolve("nginx");
        Path sitesDirectory = configuration.proxy.manageInstance || configuration.proxy.sitesDirectory == null
                ? nginxPrefix.resolve("conf/sites") : Path.of(configuration.proxy.sitesDirectory);
        this.dns = DnsFactory.create(configuration.dns);
        HttpsSettings https = configuration.tls.enabled
                ? new HttpsSettings(configuration.tls.listen, configuration.tls.hstsMaxAgeSeconds, data.resolve("acme-challenges"),
                        sitesDirectory.toAbsolutePath().getParent().resolve("berth-tls"))
                : HttpsSettings.NONE;
        this.proxy = new NginxProxy(commands, configuration.proxy.nginx, nginxPrefix, configuration.proxy.manageInstance,
                sitesDirectory, configuration.proxy.listen, configuration.proxy.workerUser, https, nginxPrefix.resolve("admin"),
                this::onSiteBridge, dev.berth.hostd.proxy.ReleaseRules.files(siteId -> content.siteDirectory(siteId).resolve("releases")));
        // The files the proxy's configuration names (NginxProxy keeps its logs under its prefix, logs/sites).
        this.accessLogs = new dev.berth.hostd.accesslog.AccessLogReader(
                siteId -> dev.berth.hostd.proxy.NginxConfig.accessLog(nginxPrefix.resolve("logs/sites"), siteId));
        TlsFactory.Built tls = configuration.tls.enabled
                ? TlsFactory.create(configuration.tls, configuration.dns, dns, data.resolve("tls"), tlsInstaller(proxy),
                        mapper, clock, () -> specs.all())
                : null;
        this.certificates = tls == null ? Certificates.none() : tls.certificates();
        this.orders = tls == null ? null : tls.orders();
        this.challenges = tls == null ? null : new dev.berth.hostd.tls.AcmeChallenges(data.resolve("acme-challenges"));
        SiteRecords records = new SiteRecords(dns, DnsFactory.publicAddresses(configuration.dns), data.resolve("dns"));
        Ports ports = new Ports(content, cgroups, network, runtime, proxy, records);
        StepRunner steps = failpoint.map(hook -> hook.around((StepRunner) ports)).orElse(ports);
        this.reconciler = new Reconciler(specs, ports, steps,
                new SitePlan(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofSeconds(10), records.publishes()),
                clock, configuration.reconcileThreads);
    }

    /** The proxy as the certificates see it: one file per certificate, written and removed with a validated reload. */
    public static TlsInstaller tlsInstaller(NginxProxy proxy) {
        return new TlsInstaller() {
            @Override
            public void install(String name, List<String> domains, Path chainFile, Path keyFile) throws HostOperationException {
                proxy.installCertificate(name, domains, chainFile, keyFile);
            }

            @Override
            public void remove(String name) throws HostOperationException {
                proxy.removeCertificate(name);
            }
        };
    }

    /** A host address of one of the site bridges: the only addresses the proxy's route table may send requests to. */
    private boolean onSiteBridge(InetAddress address) {
        if (address instanceof Inet4Address ipv4) {
            return bridges.bridgeFor(ipv4).map(bridge -> bridge.subnet4().isHostAddress(ipv4)).orElse(false);
        }
        return address instanceof java.net.Inet6Address ipv6 && bridges.bridges().stream()
                .anyMatch(bridge -> bridge.subnet6().isHostAddress(ipv6));
    }

    /** Every parent of the data directory must let other uids pass (x for others), or no container can start. */
    private static void requireTraversable(Path data) throws IOException {
        for (Path parent = data.getParent(); parent != null; parent = parent.getParent()) {
            if (!Files.getPosixFilePermissions(parent).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalArgumentException("dataDirectory " + data + " is below " + parent
                        + ", which other users cannot traverse; site containers run as unprivileged uids and could not"
                        + " reach their root file system. Choose another dataDirectory (e.g. /var/lib/berth-hostd).");
            }
        }
    }

    /** Each site's user namespace maps to its own host id range, chosen by its (unique) IPv4 offset. */
    public long hostIdBase(SiteSpec spec) {
        try {
            int offset = subnet4.offsetOf((Inet4Address) InetAddress.getByName(spec.ipv4()));
            return configuration.runtime.hostIdBase + (long) offset * configuration.runtime.idsPerSite;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("invalid ipv4 in a validated spec", e);
        }
    }

    /** The warm pool as the host report and the metrics give it. */
    public dev.berth.hostprotocol.WarmPoolState warmPoolState() {
        return new dev.berth.hostprotocol.WarmPoolState(pool.size(), pool.ready(), pool.lastFailure());
    }

    /** Starts the proxy, recovers and converges every site, and starts the loops. */
    public void start() throws Exception {
        try {
            proxy.start();
        } catch (HostOperationException e) {
            // hostd still serves its socket: the health check and every site's proxy part report
            // the problem, and the periodic pass retries (e.g. once port 80 is free).
            org.slf4j.LoggerFactory.getLogger(Host.class).error("the proxy did not start: {}", e.getMessage());
        }
        // Each active certificate's file (unchanged ones reload nothing), then none of another:
        // this also moves a host from the layout with a 443 block per site to this one.
        certificates.installActive();
        try {
            proxy.retainCertificates(certificates.names());
        } catch (HostOperationException e) {
            org.slf4j.LoggerFactory.getLogger(Host.class).error("stale certificate files stay in the proxy: {}", e.getMessage());
        }
        try {
            pool.recover();
        } catch (HostOperationException e) {
            org.slf4j.LoggerFactory.getLogger(Host.class).error("the warm pool's leftovers could not be removed: {}", e.getMessage());
        }
        reconciler.recover();
        pool.startFilling();
        builds.removeLeftovers();
        certificates.start(Duration.ofSeconds(configuration.tls.checkIntervalSeconds), Duration.ofSeconds(5));
        reconciler.startLoops(Duration.ofMillis(configuration.monitorIntervalMillis),
                Duration.ofSeconds(configuration.reconcileIntervalSeconds));
    }

    /** Stops the loops; containers and the proxy keep running so a restarted hostd re-attaches. */
    public void stop() {
        certificates.close();
        reconciler.close();
        pool.close();
    }
}
