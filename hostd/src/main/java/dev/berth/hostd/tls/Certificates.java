package dev.berth.hostd.tls;

import dev.berth.observability.DaemonThreads;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.SiteSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates hostd keeps current, checked on start and then periodically on one background
 * thread ({@link ManagedCertificate#check()} decides whether anything is due). The proxy serves
 * each active certificate for its own names (one file per certificate, written when it is
 * installed and again, unchanged, at hostd's start: {@link #installActive()}); sites come and go
 * under them without touching it.
 *
 * <p>Custom domains: every spec hostname that no fixed certificate (the platform wildcard) covers
 * gets its own certificate (HTTP-01), found every few seconds from the specs; a hostname no spec
 * holds any more has its certificate taken out of the proxy, revoked and deleted. Thread-safe.
 *
 * <p>Where the API keeps the certificates ({@code tls.issuance: api}) nothing here issues or
 * renews: the set of certificates is still found here and reported, the API has one node obtain
 * each and {@link #install installs} its stored copy on every node that wants it, and a dropped
 * custom hostname's certificate is deleted without revocation (other nodes may serve it).
 */
public final class Certificates implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Certificates.class);

    private final List<ManagedCertificate> managed;
    private final Map<String, ManagedCertificate> custom = new ConcurrentHashMap<>();
    /** Active certificates the proxy refused to serve again ({@link #installActive()}): tried at every custom-domain pass. */
    private final Set<ManagedCertificate> notServed = ConcurrentHashMap.newKeySet();
    private final CustomFactory customFactory;
    private final Supplier<List<SiteSpec>> specs;
    private final boolean issuesItself;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("certificates"));

    /** Creates (or loads from disk) the certificate of one custom hostname. */
    @FunctionalInterface
    public interface CustomFactory {
        ManagedCertificate create(String hostname) throws IOException;
    }

    public Certificates(List<ManagedCertificate> managed) {
        this(managed, null, List::of);
    }

    /** With custom domains: {@code customFactory} makes a certificate per uncovered hostname of {@code specs}. */
    public Certificates(List<ManagedCertificate> managed, CustomFactory customFactory, Supplier<List<SiteSpec>> specs) {
        this(managed, customFactory, specs, true);
    }

    /** @param issuesItself false: the API issues (through {@link Orders}) and {@link #install installs}; nothing is issued here */
    public Certificates(List<ManagedCertificate> managed, CustomFactory customFactory, Supplier<List<SiteSpec>> specs,
                        boolean issuesItself) {
        this.managed = List.copyOf(managed);
        this.customFactory = customFactory;
        this.specs = specs;
        this.issuesItself = issuesItself;
    }

    /** False where the API obtains the certificates and installs them here. */
    public boolean issuesItself() {
        return issuesItself;
    }

    /** No certificates (HTTPS off). */
    public static Certificates none() {
        return new Certificates(List.of());
    }

    /**
     * Checks every certificate now and then every {@code interval}; retries a failed one every
     * {@code discoveryInterval} once its backoff is over; with custom domains, looks for new and
     * dropped hostnames every {@code discoveryInterval} (issuing new ones at once).
     */
    public void start(Duration interval, Duration discoveryInterval) {
        if (managed.isEmpty()) {
            return;
        }
        if (!issuesItself) {
            if (customFactory != null) {
                timer.scheduleWithFixedDelay(this::syncCustomDomains, 0, discoveryInterval.toMillis(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        timer.scheduleWithFixedDelay(this::checkAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        // Without this a failure's backoff (seconds to hours) would only be looked at by the next
        // full check, an hour later by default.
        timer.scheduleWithFixedDelay(this::retryFailed, discoveryInterval.toMillis(), discoveryInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        if (customFactory != null) {
            timer.scheduleWithFixedDelay(this::syncCustomDomains, discoveryInterval.toMillis(), discoveryInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Has the proxy serve every active certificate, at hostd's start once the proxy runs: the
     * fixed ones and those of the specs' custom hostnames (loaded from disk here, nothing issued).
     * The same files change nothing. A certificate the proxy refuses is logged and tried again with
     * the next custom-domain pass.
     */
    public void installActive() {
        if (customFactory != null) {
            for (String hostname : wantedCustomHostnames()) {
                customCertificate(hostname);
            }
        }
        for (ManagedCertificate certificate : managed) {
            installActive(certificate);
        }
    }

    /** The names of every certificate kept here, installed or not: the proxy serves no other. */
    public Set<String> names() {
        Set<String> names = new HashSet<>();
        for (ManagedCertificate certificate : all()) {
            names.add(certificate.name());
        }
        return names;
    }

    private void installActive(ManagedCertificate certificate) {
        try {
            certificate.installActive();
            notServed.remove(certificate);
        } catch (HostOperationException | RuntimeException e) {
            notServed.add(certificate);
            LOG.error("the proxy does not serve certificate {}: {}", certificate.name(), e.getMessage());
        }
    }

    /**
     * Creates certificates for new custom hostnames (and tries to issue them), revokes those of
     * dropped ones, and tries again to have the proxy serve the active ones it refused before.
     */
    public void syncCustomDomains() {
        for (ManagedCertificate certificate : new ArrayList<>(notServed)) {
            installActive(certificate);
        }
        if (customFactory == null) {
            return;
        }
        Set<String> wanted = wantedCustomHostnames();
        for (String hostname : wanted) {
            ManagedCertificate certificate = customCertificate(hostname);
            if (certificate != null && issuesItself && !certificate.active()) {
                certificate.check();
            }
        }
        for (String hostname : new ArrayList<>(custom.keySet())) {
            if (!wanted.contains(hostname)) {
                drop(hostname);
            }
        }
    }

    /** Spec hostnames no fixed certificate covers (nor {@code localhost}): each gets a certificate of its own. */
    private Set<String> wantedCustomHostnames() {
        Set<String> wanted = new HashSet<>();
        for (SiteSpec spec : specs.get()) {
            for (String hostname : spec.hostnames()) {
                String host = hostname.toLowerCase(Locale.ROOT);
                if (!host.equals("localhost") && !host.endsWith(".localhost")
                        && managed.stream().noneMatch(certificate -> certificate.covers(host))) {
                    wanted.add(host);
                }
            }
        }
        return wanted;
    }

    /**
     * The certificate of a custom hostname, created on first use; one loaded from disk already
     * active (from before a restart) is served again at once. Null when it cannot be set up.
     */
    private ManagedCertificate customCertificate(String hostname) {
        ManagedCertificate certificate = custom.get(hostname);
        if (certificate != null) {
            return certificate;
        }
        try {
            certificate = customFactory.create(hostname);
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot set up the certificate of {}: {}", hostname, e.getMessage());
            return null;
        }
        custom.put(hostname, certificate);
        installActive(certificate);
        return certificate;
    }

    /**
     * A custom hostname no spec holds any more: its certificate leaves the proxy, then is revoked
     * (when issued here) and deleted. If the proxy cannot let go of it, it is kept for the next pass.
     */
    private void drop(String hostname) {
        ManagedCertificate dropped = custom.remove(hostname);
        notServed.remove(dropped);
        try {
            if (!issuesItself) {
                dropped.delete();
                LOG.info("certificate of {} deleted: no site here holds the name any more", hostname);
                return;
            }
            dropped.revokeAndDelete();
            LOG.info("certificate of {} revoked and deleted: no site holds the name any more", hostname);
        } catch (CertificateFailure e) {
            LOG.warn("certificate of {} deleted, but its revocation failed: {}", hostname, e.getMessage());
        } catch (HostOperationException e) {
            custom.putIfAbsent(hostname, dropped);
            LOG.error("certificate of {} kept: the proxy did not stop serving it: {}", hostname, e.getMessage());
        }
    }

    private List<ManagedCertificate> all() {
        List<ManagedCertificate> all = new ArrayList<>(managed);
        all.addAll(custom.values());
        return all;
    }

    /** Checks the certificates whose last attempt failed; each retries only once its backoff is over. */
    void retryFailed() {
        for (ManagedCertificate certificate : all()) {
            if ("failed".equals(certificate.status().state())) {
                try {
                    certificate.check();
                } catch (RuntimeException e) {
                    LOG.error("certificate retry of {} failed", certificate.name(), e);
                }
            }
        }
    }

    void checkAll() {
        for (ManagedCertificate certificate : all()) {
            try {
                certificate.check();
            } catch (RuntimeException e) {
                LOG.error("certificate check of {} failed", certificate.name(), e);
            }
        }
    }

    public List<CertificateState> statuses() {
        return all().stream().map(ManagedCertificate::status).toList();
    }

    /** Statuses of the certificates covering any of {@code hostnames} (installed or not). */
    public List<CertificateState> covering(List<String> hostnames) {
        return all().stream().filter(certificate -> hostnames.stream().anyMatch(certificate::covers))
                .map(ManagedCertificate::status).toList();
    }

    public Optional<ManagedCertificate> get(String name) {
        return all().stream().filter(certificate -> certificate.name().equals(name)).findFirst();
    }

    /**
     * Installs the API's copy of certificate {@code name} (see {@link ManagedCertificate#install}).
     *
     * @throws java.util.NoSuchElementException when this node wants no certificate of that name
     */
    public CertificateState install(String name, dev.berth.hostprotocol.CertificateBundle bundle)
            throws CertificateFailure, dev.berth.hostd.site.HostOperationException, IOException {
        ManagedCertificate certificate = get(name).orElseThrow(
                () -> new java.util.NoSuchElementException("this node wants no certificate " + name));
        return certificate.install(bundle);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
