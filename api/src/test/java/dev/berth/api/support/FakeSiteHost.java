package dev.berth.api.support;

import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.hosts.SiteHost;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.NetworkPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory host for unit and resource tests: it converges at once on every spec it is given,
 * and can be told to fail. Never used outside tests.
 */
public final class FakeSiteHost implements SiteHost, HostInsights, dev.berth.api.hosts.HostCertificates {
    private final Map<UUID, SiteSpec> specs = new ConcurrentHashMap<>();
    private final Map<UUID, ObservedSite> observed = new ConcurrentHashMap<>();
    private final Map<String, byte[]> releases = new ConcurrentHashMap<>();
    private final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile HostException failNext;
    private volatile HostException failNextApply;
    private volatile boolean unreachable;
    private volatile RuntimeException crashNext;
    private final Map<UUID, dev.berth.hostprotocol.CertificateState> certificates = new ConcurrentHashMap<>();

    /** Makes the host report {@code state} as the certificate of a site. */
    public void certificate(UUID siteId, dev.berth.hostprotocol.CertificateState state) {
        certificates.put(siteId, state);
    }

    @Override
    public java.util.Optional<dev.berth.hostprotocol.CertificateState> certificate(UUID siteId) throws HostException {
        failIfAsked();
        return java.util.Optional.ofNullable(certificates.get(siteId));
    }

    private final Map<UUID, Long> requestCounters = new ConcurrentHashMap<>();
    private final Map<UUID, List<dev.berth.hostprotocol.AccessLogEntry>> accessLogs = new ConcurrentHashMap<>();

    /** Makes the host report these live figures for a site (a running container's cgroup). */
    public void usage(UUID siteId, long memoryBytes, long cpuUsageNanos, int pids) {
        ObservedSite current = observed.get(siteId);
        observed.put(siteId, new ObservedSite(siteId, current.state(), current.appliedGeneration(), current.lastError(),
                memoryBytes, cpuUsageNanos, pids));
    }

    /** Sets a site's request counter, as the proxy's access log would have grown it. */
    public void requests(UUID siteId, long counter) {
        requestCounters.put(siteId, counter);
    }

    /** What the site's access log holds, newest first. */
    public void accessLog(UUID siteId, List<dev.berth.hostprotocol.AccessLogEntry> newestFirst) {
        accessLogs.put(siteId, List.copyOf(newestFirst));
    }

    @Override
    public Map<UUID, Long> requestCounters() throws HostException {
        if (unreachable) {
            throw new HostException("fake host unreachable", true);
        }
        return Map.copyOf(requestCounters);
    }

    @Override
    public List<dev.berth.hostprotocol.AccessLogEntry> accessLog(UUID siteId, int lines) throws HostException {
        calls.add("access-log " + siteId + " " + lines);
        RuntimeException bug = crashNext;
        if (bug != null) {
            crashNext = null;
            throw bug;
        }
        failIfAsked();
        List<dev.berth.hostprotocol.AccessLogEntry> entries = accessLogs.getOrDefault(siteId, List.of());
        return entries.subList(0, Math.min(lines, entries.size()));
    }

    @Override
    public dev.berth.api.hosts.AccessLogStream accessLogRange(UUID siteId, java.time.Instant from, java.time.Instant to, int limit)
            throws HostException {
        calls.add("access-log-range " + siteId + " " + from + " " + to + " " + limit);
        failIfAsked();
        List<dev.berth.hostprotocol.AccessLogEntry> logged = new java.util.ArrayList<>(accessLogs.getOrDefault(siteId, List.of()));
        java.util.Collections.reverse(logged);
        java.util.Iterator<dev.berth.hostprotocol.AccessLogEntry> oldestFirst = logged.stream()
                .filter(entry -> {
                    java.time.Instant time = java.time.OffsetDateTime.parse(entry.time()).toInstant();
                    return !time.isBefore(from) && time.isBefore(to);
                })
                .limit(limit).iterator();
        return new dev.berth.api.hosts.AccessLogStream() {
            @Override
            public dev.berth.hostprotocol.AccessLogEntry next() {
                return oldestFirst.hasNext() ? oldestFirst.next() : null;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public dev.berth.hostprotocol.HostReport report() throws HostException {
        failIfAsked();
        if (unreachable) {
            throw new HostException("fake host unreachable", true);
        }
        long running = observed.values().stream().filter(site -> site.state() == ObservedSite.State.RUNNING).count();
        return new dev.berth.hostprotocol.HostReport(2, 4L << 30, 3L << 30, observed.size(), (int) running, 0, "runc version 1.1.5",
                "nginx version: nginx/1.22.1", "v1", String.join(" ", networkPlan.bridges().stream().map(NetworkPlan.Bridge::name).toList()),
                "0", "0", true, true, List.of(), networkPlan, new dev.berth.hostprotocol.WarmPoolState(4, 3, null));
    }

    private volatile NetworkPlan networkPlan = BridgePlan.defaultPlan().toNetworkPlan();

    /** Reports this address plan from now on (the default: a hostd with default network settings). */
    public void reportNetworkPlan(NetworkPlan plan) {
        this.networkPlan = plan;
    }

    /** Sites whose release store was wiped: they fail, reporting the release they lack, until it is installed again. */
    private final java.util.Set<UUID> lost = ConcurrentHashMap.newKeySet();

    @Override
    public void apply(SiteSpec spec) throws HostException {
        java.util.concurrent.CountDownLatch gate = applyGate;
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new HostException("interrupted while held", true);
            }
        }
        calls.add("apply " + spec.name() + " " + spec.generation());
        failIfAsked();
        HostException applyFailure = failNextApply;
        if (applyFailure != null) {
            failNextApply = null;
            throw applyFailure;
        }
        specs.put(spec.siteId(), spec);
        ObservedSite reached = lost.contains(spec.siteId()) ? lostRelease(spec) : new ObservedSite(spec.siteId(),
                spec.running() ? ObservedSite.State.RUNNING : ObservedSite.State.STOPPED, spec.generation(), null, 1024, 1, 1);
        java.time.Duration delay = convergeAfter;
        if (delay == null) {
            observed.put(spec.siteId(), reached);
            return;
        }
        ObservedSite before = observed.get(spec.siteId());
        observed.put(spec.siteId(), new ObservedSite(spec.siteId(), ObservedSite.State.PROVISIONING,
                before == null ? 0 : before.appliedGeneration(), null, -1, -1, -1));
        java.util.concurrent.CompletableFuture.delayedExecutor(delay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(() -> observed.put(spec.siteId(), reached));
    }

    private volatile java.time.Duration convergeAfter;

    /** Makes the host reach each spec applied from now on only after {@code delay} (null: at once, the default), as a real node does. */
    public void convergeAfter(java.time.Duration delay) {
        convergeAfter = delay;
    }

    /** Wipes the site's releases, as a host whose disk was replaced: it reports the one its spec serves as missing. */
    public void loseReleases(UUID siteId) {
        releases.keySet().removeIf(key -> key.startsWith(siteId + "/"));
        lost.add(siteId);
        observed.put(siteId, lostRelease(specs.get(siteId)));
    }

    private static ObservedSite lostRelease(SiteSpec spec) {
        String error = "release " + spec.release() + " is not installed";
        return new ObservedSite(spec.siteId(), ObservedSite.State.FAILED, spec.generation(), "content: " + error, -1, -1, -1,
                dev.berth.api.hosts.HostFault.CONTENT, spec.release());
    }

    @Override
    public void remove(UUID siteId) throws HostException {
        calls.add("remove " + siteId);
        failIfAsked();
        specs.remove(siteId);
        observed.remove(siteId);
    }

    @Override
    public void installRelease(UUID siteId, String releaseId, java.io.InputStream tar) throws HostException {
        calls.add("install " + siteId + " " + releaseId);
        failIfAsked();
        if (!specs.containsKey(siteId)) {
            throw new HostException("hostd does not hold site " + siteId + " yet", true);
        }
        try {
            releases.put(siteId + "/" + releaseId, tar.readAllBytes());
            SiteSpec spec = specs.get(siteId);
            if (releaseId.equals(spec.release())) {
                lost.remove(siteId);
            }
        } catch (java.io.IOException e) {
            throw new HostException("reading the release failed", true, e);
        }
    }

    private final Map<String, byte[]> buildOutputs = new ConcurrentHashMap<>();

    /**
     * A stand-in build: it "runs" nothing, logs the command, fails when the command is
     * {@code false}, and otherwise hands back the sources' files under the output folder.
     */
    @Override
    public dev.berth.api.hosts.BuildRun.Outcome build(UUID siteId, dev.berth.api.hosts.BuildRun run, java.io.InputStream sources,
                                                     java.util.function.Consumer<String> log) throws HostException {
        calls.add("build " + siteId + " " + run.command());
        failIfAsked();
        if (!specs.containsKey(siteId)) {
            throw new HostException("hostd does not hold site " + siteId + " yet", true);
        }
        log.accept("fake build of `" + run.command() + "`");
        if (run.command().equals("false")) {
            return new dev.berth.api.hosts.BuildRun.Outcome(false, "f" + UUID.randomUUID().toString().replace("-", ""),
                    "the build command exited with 1");
        }
        String prefix = run.outputDirectory() + "/";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        boolean found = false;
        try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(sources);
             org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out)) {
            tar.setLongFileMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_POSIX);
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (entry.isFile() && name.startsWith(prefix)) {
                    found = true;
                    var copy = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name.substring(prefix.length()));
                    copy.setSize(entry.getSize());
                    tar.putArchiveEntry(copy);
                    in.transferTo(tar);
                    tar.closeArchiveEntry();
                }
            }
        } catch (java.io.IOException e) {
            throw new HostException("reading the sources failed", true, e);
        }
        String buildId = UUID.randomUUID().toString().replace("-", "");
        if (!found) {
            return new dev.berth.api.hosts.BuildRun.Outcome(false, buildId, "the build made no folder " + run.outputDirectory());
        }
        buildOutputs.put(buildId, out.toByteArray());
        return new dev.berth.api.hosts.BuildRun.Outcome(true, buildId, null);
    }

    @Override
    public void readBuildOutput(UUID siteId, String buildId, String outputDirectory, OutputReader reader) throws HostException, java.io.IOException {
        byte[] output = buildOutputs.get(buildId);
        if (output == null) {
            throw new HostException("no such build output", true);
        }
        reader.read(new java.io.ByteArrayInputStream(output));
    }

    @Override
    public void dropBuild(UUID siteId, String buildId) {
        buildOutputs.remove(buildId);
    }

    /** Build outputs not dropped yet. */
    public int keptBuildOutputs() {
        return buildOutputs.size();
    }

    /** The tar bytes of an installed release. */
    public byte[] release(UUID siteId, String releaseId) {
        return releases.get(siteId + "/" + releaseId);
    }

    @Override
    public List<ObservedSite> observe() throws HostException {
        if (unreachable) {
            throw new HostException("fake host unreachable", true);
        }
        Runnable meanwhile = beforeObserve.getAndSet(null);
        if (meanwhile != null) {
            meanwhile.run();
        }
        return List.copyOf(observed.values());
    }

    /** One site's observation; the {@link #beforeObserve} hook belongs to the passes' whole observation only. */
    @Override
    public java.util.Optional<ObservedSite> observe(UUID siteId) throws HostException {
        if (unreachable) {
            throw new HostException("fake host unreachable", true);
        }
        return java.util.Optional.ofNullable(observed.get(siteId));
    }

    private final java.util.concurrent.atomic.AtomicReference<Runnable> beforeObserve = new java.util.concurrent.atomic.AtomicReference<>();

    /** Runs {@code meanwhile} inside the next observation, before the host answers: what happens while a pass observes. */
    public void beforeNextObserve(Runnable meanwhile) {
        beforeObserve.set(meanwhile);
    }

    /** Makes the next access-log read throw this, as a bug would (the API answers 500). */
    public void crashNext(RuntimeException bug) {
        this.crashNext = bug;
    }

    private volatile java.util.concurrent.CountDownLatch applyGate;

    /** Holds every apply (a slow node) until {@link #releaseApplies}. */
    public void holdApplies() {
        applyGate = new java.util.concurrent.CountDownLatch(1);
    }

    public void releaseApplies() {
        java.util.concurrent.CountDownLatch gate = applyGate;
        applyGate = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    /** Makes the next apply or remove fail with this exception. */
    public void failNext(HostException failure) {
        this.failNext = failure;
    }

    /** Fails the next {@link #apply} only: a background call (a report, an observation) in between does not take it. */
    public void failNextApply(HostException failure) {
        this.failNextApply = failure;
    }

    public void setUnreachable(boolean unreachable) {
        this.unreachable = unreachable;
    }

    /** Puts a site on the host that no spec asked for, as a crash could leave behind. */
    public void plantOrphan(UUID siteId) {
        observed.put(siteId, new ObservedSite(siteId, ObservedSite.State.RUNNING, 1, null, -1, -1, -1));
    }

    /** Reports a site as failed at its current generation, as a crashing container would. */
    public void reportFailed(UUID siteId, String error) {
        ObservedSite current = observed.get(siteId);
        observed.put(siteId, new ObservedSite(siteId, ObservedSite.State.FAILED, current.appliedGeneration(), error, -1, -1, -1));
    }

    public Map<UUID, SiteSpec> specs() {
        return specs;
    }

    public boolean holds(UUID siteId) {
        return observed.containsKey(siteId);
    }

    public List<String> calls() {
        return List.copyOf(calls);
    }

    // Certificates: what this host wants and serves, the orders it "obtains" (the test certificates
    // fake-N of src/test/resources/certificates, in turn), other hosts' HTTP-01 answers it serves.
    private final Map<String, dev.berth.hostprotocol.CertificateState> wantedCertificates = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final Map<String, dev.berth.hostprotocol.CertificateBundle> installedCertificates = new ConcurrentHashMap<>();
    private final Map<String, List<String>> openOrders = new ConcurrentHashMap<>();
    /** The domains of every order this host finished, in order. */
    public final List<List<String>> finishedOrders = java.util.Collections.synchronizedList(new ArrayList<>());
    /** HTTP-01 answers this host serves now, by token. */
    public final Map<String, String> servedChallenges = new ConcurrentHashMap<>();
    /** Every HTTP-01 answer this host was ever asked to serve, by token. */
    public final Map<String, String> challengesEverServed = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger issued = new java.util.concurrent.atomic.AtomicInteger();
    private volatile java.time.Instant renewAt = java.time.Instant.parse("2100-01-01T00:00:00Z");
    private volatile String failOrders;

    /** Makes the host want certificate {@code name} for {@code domains} (as a hostd with HTTPS does). */
    public void wantsCertificate(String name, List<String> domains) {
        wantedCertificates.put(name, dev.berth.hostprotocol.CertificateState.pending(name, domains));
    }

    /** The renewal time of the certificates this host obtains from now on. */
    public void renewAt(java.time.Instant at) {
        renewAt = at;
    }

    /** Makes every order fail at the CA with {@code error} (null: succeed again). */
    public void failOrders(String error) {
        failOrders = error;
    }

    /** What this host installed for {@code name}, if anything. */
    public java.util.Optional<dev.berth.hostprotocol.CertificateBundle> installedCertificate(String name) {
        return java.util.Optional.ofNullable(installedCertificates.get(name));
    }

    @Override
    public List<dev.berth.hostprotocol.CertificateState> certificates() throws HostException {
        if (unreachable) {
            throw new HostException("fake host unreachable", true);
        }
        return List.copyOf(wantedCertificates.values());
    }

    @Override
    public dev.berth.hostprotocol.PendingOrder openOrder(List<String> domains) throws HostException {
        calls.add("acme-order " + domains);
        String orderId = "o-" + UUID.randomUUID();
        openOrders.put(orderId, domains);
        String token = "t" + UUID.randomUUID().toString().replace("-", "");
        return new dev.berth.hostprotocol.PendingOrder(orderId,
                List.of(new dev.berth.hostprotocol.AcmeChallenge(token, token + ".fakeThumbprintOfTheAccountKey")));
    }

    @Override
    public dev.berth.hostprotocol.CertificateBundle finishOrder(String orderId) throws HostException {
        List<String> domains = openOrders.remove(orderId);
        if (domains == null) {
            throw new HostException("no open order " + orderId, false);
        }
        if (failOrders != null) {
            throw new HostException("hostd refused to finish ACME order (HTTP 500): " + failOrders, true);
        }
        finishedOrders.add(domains);
        int which = issued.getAndIncrement() % 2 + 1;
        return new dev.berth.hostprotocol.CertificateBundle(domains, resource("fake-" + which + "-chain.pem"),
                resource("fake-" + which + "-key.pem"), renewAt);
    }

    private static String resource(String name) {
        try (java.io.InputStream in = FakeSiteHost.class.getResourceAsStream("/certificates/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The certificates this host was asked to revoke, in order. */
    public final List<dev.berth.hostprotocol.CertificateBundle> revoked = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Makes the host stop wanting certificate {@code name} (its last site with the name went away). */
    public void dropsCertificate(String name) {
        wantedCertificates.remove(name);
        installedCertificates.remove(name);
    }

    @Override
    public void revoke(dev.berth.hostprotocol.CertificateBundle certificate) throws HostException {
        if (unreachable) {
            throw new HostException("fake host unreachable", true);
        }
        revoked.add(certificate);
    }

    @Override
    public void serveChallenge(dev.berth.hostprotocol.AcmeChallenge challenge) throws HostException {
        if (unreachable) {
            throw new HostException("fake host unreachable", true);
        }
        servedChallenges.put(challenge.token(), challenge.keyAuthorization());
        challengesEverServed.put(challenge.token(), challenge.keyAuthorization());
    }

    @Override
    public void dropChallenge(String token) {
        servedChallenges.remove(token);
    }

    @Override
    public dev.berth.hostprotocol.CertificateState install(String name, dev.berth.hostprotocol.CertificateBundle bundle)
            throws HostException {
        dev.berth.hostprotocol.CertificateState wanted = wantedCertificates.get(name);
        if (wanted == null) {
            throw new HostException("hostd refused to install certificate " + name + " (HTTP 404)", false);
        }
        String serial;
        try {
            serial = ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(bundle.chainPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
                    .getSerialNumber().toString(16);
        } catch (java.security.cert.CertificateException e) {
            throw new HostException("unreadable chain", false, e);
        }
        calls.add("install-certificate " + name + " " + serial);
        installedCertificates.put(name, bundle);
        dev.berth.hostprotocol.CertificateState active = new dev.berth.hostprotocol.CertificateState(name, wanted.domains(), "active",
                "CN=fake", serial, null, null, bundle.renewAt(), null, null, null, 0, "v1");
        wantedCertificates.put(name, active);
        return active;
    }

    private void failIfAsked() throws HostException {
        HostException failure = failNext;
        if (failure != null) {
            failNext = null;
            throw failure;
        }
    }
}
