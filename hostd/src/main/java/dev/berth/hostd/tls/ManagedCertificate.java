package dev.berth.hostd.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.site.AtomicFiles;
import dev.berth.hostd.site.Backoff;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.CertificateBundle;
import dev.berth.hostprotocol.CertificateState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One certificate hostd keeps current (the platform wildcard {@code *.domain} + apex, or a custom
 * domain's). Each issued version lives in its own directory {@code DIR/NAME/vMILLIS/} (key 0600),
 * so installing a new one is switching the proxy to other files with a validated reload: until that
 * reload succeeds, the old certificate keeps serving. {@link #check()} issues when there is none,
 * renews when {@link RenewalPolicy} says so and backs off exponentially after failures; the status
 * (issuer, validity, state, last error) is kept in {@code status.json} and survives restarts.
 * Thread-safe: all state changes are synchronized.
 */
public final class ManagedCertificate {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedCertificate.class);
    private static final int KEEP_VERSIONS = 2;

    private final String name;
    private final List<String> domains;
    private final Path directory;
    private final Issuer issuer;
    private final TlsInstaller installer;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Backoff retries;
    private volatile CertificateState status;

    public ManagedCertificate(String name, List<String> domains, Path tlsDirectory, Issuer issuer, TlsInstaller installer,
                              ObjectMapper mapper, Clock clock, Duration firstRetryDelay, Duration maximumRetryDelay)
            throws IOException {
        if (!name.matches("[a-z0-9][a-z0-9.-]{0,200}")) {
            throw new IllegalArgumentException("certificate name must be lower-case letters, digits, dots and dashes");
        }
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs at least one domain");
        }
        this.name = name;
        this.domains = List.copyOf(domains);
        this.directory = tlsDirectory.resolve(name);
        this.issuer = issuer;
        this.installer = installer;
        this.mapper = mapper;
        this.clock = clock;
        this.retries = new Backoff(firstRetryDelay, maximumRetryDelay);
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        this.status = load();
    }

    private CertificateState load() throws IOException {
        Path file = directory.resolve("status.json");
        if (Files.exists(file)) {
            CertificateState stored = mapper.readValue(file.toFile(), CertificateState.class);
            if (stored.domains().equals(domains)) {
                return stored;
            }
            // The configured names changed: keep serving the old one, but issue anew.
            return new CertificateState(name, domains, "pending", stored.issuer(), stored.serialNumber(), stored.notBefore(),
                    stored.notAfter(), clock.instant(), null, null, null, 0, stored.activeVersion());
        }
        return CertificateState.pending(name, domains);
    }

    public String name() {
        return name;
    }

    public List<String> domains() {
        return domains;
    }

    public CertificateState status() {
        return status;
    }

    /** True if this certificate is valid for {@code hostname} (exact name, or one label below a wildcard). */
    public boolean covers(String hostname) {
        String host = hostname.toLowerCase(Locale.ROOT);
        for (String domain : domains) {
            if (domain.equals(host)) {
                return true;
            }
            if (domain.startsWith("*.")) {
                int dot = host.indexOf('.');
                if (dot > 0 && host.substring(dot + 1).equals(domain.substring(2))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** True once a certificate is installed (it may be renewing or its renewal failing). */
    public boolean active() {
        return status.activeVersion() != null;
    }

    /** Issues or renews if due and not backing off. Never throws: the outcome is in {@link #status()}. */
    public synchronized CertificateState check() {
        Instant now = clock.instant();
        CertificateState current = status;
        if (current.nextAttempt() != null && now.isBefore(current.nextAttempt())) {
            return current;
        }
        // A failed attempt (also a forced renewal) is retried once its backoff is over.
        boolean due = current.activeVersion() == null || current.renewAt() == null || !now.isBefore(current.renewAt())
                || "failed".equals(current.state());
        if (!due && current.activeVersion() != null) {
            // Ask the CA whether it wants an earlier renewal (ARI), e.g. ahead of a mass revocation.
            try {
                Optional<Issuer.RenewalWindow> window = issuer.renewalWindow(currentCertificate());
                Instant renewAt = RenewalPolicy.renewAt(current.notBefore(), current.notAfter(), window);
                if (!renewAt.equals(current.renewAt())) {
                    save(with(current, current.state(), renewAt));
                }
                due = !now.isBefore(renewAt);
            } catch (CertificateFailure | IOException e) {
                LOG.debug("certificate {}: no renewal information: {}", name, e.getMessage());
            }
        }
        return due ? renew() : status;
    }

    /** Obtains and installs a new certificate now (also when the current one is not due). */
    public synchronized CertificateState renew() {
        Instant started = clock.instant();
        if (status.activeVersion() != null) {
            status = with(status, "renewing", status.renewAt());
        }
        try {
            installIssued(issuer.issue(domains), started, null);
        } catch (CertificateFailure | HostOperationException | IOException | RuntimeException e) {
            int failures = status.failures() + 1;
            Instant next = clock.instant().plus(retries.delay(failures));
            LOG.warn("certificate {} for {} failed (attempt {}), next attempt at {}: {}", name, domains, failures, next,
                    e.getMessage());
            CertificateState s = status;
            CertificateState failed = new CertificateState(name, domains, "failed", s.issuer(), s.serialNumber(), s.notBefore(),
                    s.notAfter(), s.renewAt(), e.getMessage(), started, next, failures, s.activeVersion());
            try {
                save(failed);
            } catch (IOException saveFailure) {
                status = failed;
            }
        }
        return status;
    }

    /**
     * Installs a certificate obtained elsewhere (the API's stored copy, issued by one node for all):
     * written as a new version and served after a validated reload, the old one serving until then.
     * The one already served (same serial) changes nothing.
     *
     * @throws CertificateFailure when the bundle covers other names or is unreadable
     * @throws HostOperationException when the proxy refuses it (the previous one keeps serving)
     */
    public synchronized CertificateState install(CertificateBundle bundle)
            throws CertificateFailure, HostOperationException, IOException {
        if (!bundle.domains().equals(domains)) {
            throw new CertificateFailure("certificate " + name + " covers " + domains + ", the bundle " + bundle.domains());
        }
        X509Certificate leaf = AcmeIssuer.parseChain(bundle.chainPem()).get(0);
        if (status.activeVersion() != null && leaf.getSerialNumber().toString(16).equals(status.serialNumber())) {
            return status;
        }
        installIssued(new Issuer.Issued(bundle.chainPem(), bundle.privateKeyPem()), clock.instant(), bundle.renewAt());
        return status;
    }

    /** Writes a new version, reloads the proxy on it and records it; {@code renewAt} null: from the CA's window or the lifetime. */
    private void installIssued(Issuer.Issued issued, Instant started, Instant renewAt)
            throws CertificateFailure, HostOperationException, IOException {
        List<X509Certificate> chain = AcmeIssuer.parseChain(issued.chainPem());
        X509Certificate leaf = chain.get(0);
        String version = "v" + clock.millis();
        Path versionDirectory = directory.resolve(version);
        Files.createDirectories(versionDirectory);
        Path chainFile = versionDirectory.resolve("fullchain.pem");
        Path keyFile = versionDirectory.resolve("privkey.pem");
        AtomicFiles.write(chainFile, issued.chainPem().getBytes(StandardCharsets.US_ASCII));
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, issued.privateKeyPem(), StandardCharsets.US_ASCII);
        installer.install(name, domains, chainFile, keyFile);
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (renewAt == null) {
            Optional<Issuer.RenewalWindow> window = Optional.empty();
            try {
                window = issuer.renewalWindow(leaf);
            } catch (CertificateFailure e) {
                LOG.debug("certificate {}: no renewal information: {}", name, e.getMessage());
            }
            renewAt = RenewalPolicy.renewAt(notBefore, notAfter, window);
        }
        save(new CertificateState(name, domains, "active", leaf.getIssuerX500Principal().getName(),
                leaf.getSerialNumber().toString(16), notBefore, notAfter, renewAt, null, started, null, 0, version));
        pruneVersions(version);
        LOG.info("certificate {} for {} installed, valid until {}", name, domains, notAfter);
    }

    /**
     * Has the proxy serve the active version again (at hostd's start, or when this certificate is
     * loaded from disk): the same files change nothing, so this reloads only when the proxy's file
     * is missing or stale (e.g. written by an earlier layout). Nothing happens while none is active.
     *
     * @throws HostOperationException when the proxy refuses it
     */
    public synchronized void installActive() throws HostOperationException {
        if (status.activeVersion() != null) {
            installer.install(name, domains, chainFile().orElseThrow(), keyFile().orElseThrow());
        }
    }

    private static CertificateState with(CertificateState s, String state, Instant renewAt) {
        return new CertificateState(s.name(), s.domains(), state, s.issuer(), s.serialNumber(), s.notBefore(), s.notAfter(),
                renewAt, s.lastError(), s.lastAttempt(), s.nextAttempt(), s.failures(), s.activeVersion());
    }

    /**
     * Stops serving the certificate, revokes it (if one is installed) and deletes every file of this
     * certificate: for a name no site holds any more. A failed revocation is reported; the files are
     * deleted anyway (the certificate expires by itself and nothing serves it).
     *
     * @throws HostOperationException when the proxy cannot stop serving it: nothing is revoked or deleted then
     */
    public synchronized void revokeAndDelete() throws CertificateFailure, HostOperationException {
        // The proxy lets go of the files first: nginx never loads a configuration naming missing
        // files, and never serves a certificate already revoked.
        installer.remove(name);
        CertificateFailure failure = null;
        if (status.activeVersion() != null) {
            try {
                issuer.revoke(currentCertificate());
            } catch (CertificateFailure e) {
                failure = e;
            } catch (IOException e) {
                failure = new CertificateFailure("cannot read certificate " + name + ": " + e.getMessage(), e);
            }
        }
        deleteFiles();
        status = CertificateState.pending(name, domains);
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Stops serving the certificate and deletes every file of it without revoking it (another node
     * may still serve the same one).
     *
     * @throws HostOperationException when the proxy cannot stop serving it: nothing is deleted then
     */
    public synchronized void delete() throws HostOperationException {
        installer.remove(name);
        deleteFiles();
        status = CertificateState.pending(name, domains);
    }

    private void deleteFiles() {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.warn("could not delete the files of certificate {}: {}", name, e.getMessage());
        }
    }

    /** The installed leaf certificate. */
    public X509Certificate currentCertificate() throws CertificateFailure, IOException {
        Optional<Path> chain = chainFile();
        if (chain.isEmpty()) {
            throw new CertificateFailure("certificate " + name + " has not been issued yet");
        }
        return AcmeIssuer.parseChain(Files.readString(chain.get(), StandardCharsets.US_ASCII)).get(0);
    }

    public Optional<Path> chainFile() {
        String version = status.activeVersion();
        return version == null ? Optional.empty() : Optional.of(directory.resolve(version).resolve("fullchain.pem"));
    }

    public Optional<Path> keyFile() {
        String version = status.activeVersion();
        return version == null ? Optional.empty() : Optional.of(directory.resolve(version).resolve("privkey.pem"));
    }

    private void save(CertificateState updated) throws IOException {
        status = updated;
        AtomicFiles.write(directory.resolve("status.json"), mapper.writeValueAsBytes(updated));
    }

    private void pruneVersions(String keep) {
        try (Stream<Path> entries = Files.list(directory)) {
            List<Path> versions = entries.filter(Files::isDirectory)
                    .filter(path -> path.getFileName().toString().matches("v\\d+"))
                    .sorted(Comparator.comparingLong((Path path) -> Long.parseLong(path.getFileName().toString().substring(1))).reversed())
                    .toList();
            for (Path old : versions.subList(Math.min(KEEP_VERSIONS, versions.size()), versions.size())) {
                if (!old.getFileName().toString().equals(keep)) {
                    try (Stream<Path> files = Files.walk(old)) {
                        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(file);
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("could not prune old versions of certificate {}: {}", name, e.getMessage());
        }
    }
}
