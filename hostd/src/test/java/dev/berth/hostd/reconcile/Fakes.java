package dev.berth.hostd.reconcile;

import dev.berth.hostd.cgroups.Cgroups;
import dev.berth.hostd.content.Content;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.network.Network;
import dev.berth.hostd.proxy.Proxy;
import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.site.Backoff;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.MutableClock;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** In-memory stand-ins for the host parts, with switches to make them fail. */
public final class Fakes {
    private Fakes() {
    }

    /** hostd's plan: restarts after 1 s, 2 s ... up to 60 s, failures forgiven after 10 s of running. */
    static SitePlan plan(SiteRecords records) {
        return new SitePlan(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofSeconds(10), records.publishes());
    }

    /**
     * A reconciler on fakes for every host part and a standing clock, for tests of what sits in
     * front of it (hostd's socket API). The caller closes it.
     */
    public static Reconciler reconciler(SpecStore specs, Content content) {
        Ports ports = new Ports(content, new FakeCgroups(), new FakeNetwork(), new FakeRuntime(), new FakeProxy(), SiteRecords.none());
        return new Reconciler(specs, ports, ports, plan(ports.records()), new MutableClock(), 1);
    }

    public static final class FakeNetwork implements Network {
        final Set<UUID> attached = ConcurrentHashMap.newKeySet();
        String failWith;

        @Override
        public void ensureBridge() {
        }

        @Override
        public void attach(SiteSpec spec) throws HostOperationException {
            if (failWith != null) {
                throw new HostOperationException(failWith);
            }
            attached.add(spec.siteId());
        }

        @Override
        public void detach(UUID siteId) {
            attached.remove(siteId);
        }

        @Override
        public Set<UUID> attachedSites() {
            return new HashSet<>(attached);
        }

        @Override
        public Path namespacePath(UUID siteId) {
            return Path.of("/var/run/netns/test-" + siteId);
        }
    }

    public static final class FakeRuntime implements ContainerRuntime {
        final Map<UUID, Status> containers = new ConcurrentHashMap<>();
        int starts;
        String failWith;
        /** Ready slots of a warm pool: each claim takes one. */
        int poolSlots;
        int claims;
        /** When set, a claim waits for it (a claim in progress, for tests of what runs alongside one). */
        volatile java.util.concurrent.CountDownLatch claimGate;
        private int nextPid = 100;

        @Override
        public boolean claim(SiteSpec spec) {
            if (poolSlots == 0 || containers.containsKey(spec.siteId())) {
                return false;
            }
            if (claimGate != null) {
                try {
                    claimGate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            poolSlots--;
            claims++;
            containers.put(spec.siteId(), new Status(State.RUNNING, nextPid++, specHash(spec)));
            return true;
        }

        @Override
        public Status status(UUID siteId) {
            return containers.getOrDefault(siteId, Status.ABSENT);
        }

        @Override
        public void start(SiteSpec spec) throws HostOperationException {
            starts++;
            if (failWith != null) {
                containers.remove(spec.siteId());
                throw new HostOperationException(failWith);
            }
            containers.put(spec.siteId(), new Status(State.RUNNING, nextPid++, specHash(spec)));
        }

        /** The container's process died on its own. */
        void die(UUID siteId) {
            Status status = containers.get(siteId);
            containers.put(siteId, new Status(State.STOPPED, 0, status.specHash()));
        }

        @Override
        public void remove(UUID siteId) {
            containers.remove(siteId);
        }

        @Override
        public Set<UUID> containers() {
            return new HashSet<>(containers.keySet());
        }

        @Override
        public String specHash(SiteSpec spec) {
            return Integer.toHexString(spec.siteLimits().hashCode());
        }

        @Override
        public String version() {
            return "fake";
        }
    }

    public static final class FakeCgroups implements Cgroups {
        final Map<UUID, ResourceLimits> tenants = new ConcurrentHashMap<>();
        final Map<UUID, Set<UUID>> tree = new ConcurrentHashMap<>();

        @Override
        public String sitePath(UUID tenantId, UUID siteId) {
            return "/test/tenant-" + tenantId + "/site-" + siteId;
        }

        @Override
        public void ensureTenant(UUID tenantId, ResourceLimits limits) {
            tenants.put(tenantId, limits);
            tree.computeIfAbsent(tenantId, id -> ConcurrentHashMap.newKeySet());
        }

        @Override
        public Usage siteUsage(UUID tenantId, UUID siteId) {
            return new Usage(1024, 5, 1);
        }

        @Override
        public void removeSite(UUID tenantId, UUID siteId) {
            tree.getOrDefault(tenantId, new HashSet<>()).remove(siteId);
        }

        @Override
        public void removeTenantIfEmpty(UUID tenantId) {
            if (tree.getOrDefault(tenantId, Set.of()).isEmpty()) {
                tree.remove(tenantId);
                tenants.remove(tenantId);
            }
        }

        @Override
        public Map<UUID, Set<UUID>> existing() {
            Map<UUID, Set<UUID>> copy = new HashMap<>();
            tree.forEach((tenant, sites) -> copy.put(tenant, new HashSet<>(sites)));
            return copy;
        }

        @Override
        public String mode() {
            return "fake";
        }
    }

    public static final class FakeProxy implements Proxy {
        final Map<UUID, Boolean> serving = new ConcurrentHashMap<>();
        final Map<UUID, String> release = new ConcurrentHashMap<>();
        final Set<UUID> rejecting = ConcurrentHashMap.newKeySet();

        @Override
        public void start() {
        }

        @Override
        public void ensureRunning() {
        }

        @Override
        public void apply(SiteSpec spec, boolean serve) throws HostOperationException {
            if (rejecting.contains(spec.siteId())) {
                throw new HostOperationException("nginx -t rejected the configuration");
            }
            serving.put(spec.siteId(), serve);
            release.put(spec.siteId(), spec.release() == null ? "_welcome" : spec.release());
        }

        @Override
        public void remove(UUID siteId) {
            serving.remove(siteId);
        }

        @Override
        public Set<UUID> configuredSites() {
            return new HashSet<>(serving.keySet());
        }

        /** Each lease set, in order (null: none). */
        public final java.util.List<java.util.Optional<java.time.Instant>> leases = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void lease(java.time.Instant expiresAt) {
            leases.add(java.util.Optional.ofNullable(expiresAt));
        }

        @Override
        public void stop() {
        }

        @Override
        public String version() {
            return "fake";
        }
    }

    public static final class FakeContent implements Content {
        final Map<UUID, String> current = new ConcurrentHashMap<>();
        final Set<String> missingReleases = ConcurrentHashMap.newKeySet();

        @Override
        public Path siteDirectory(UUID siteId) {
            return Path.of("/srv/test", siteId.toString());
        }

        @Override
        public void ensure(SiteSpec spec) throws HostOperationException {
            if (spec.release() != null && missingReleases.contains(spec.release())) {
                throw new HostOperationException("release " + spec.release() + " is not installed");
            }
            current.put(spec.siteId(), spec.release() == null ? "_welcome" : spec.release());
        }

        @Override
        public boolean install(UUID siteId, String releaseId, InputStream archive) {
            return true;
        }

        @Override
        public void remove(UUID siteId) {
            current.remove(siteId);
        }

        @Override
        public Set<UUID> sites() {
            return new HashSet<>(current.keySet());
        }
    }
}
