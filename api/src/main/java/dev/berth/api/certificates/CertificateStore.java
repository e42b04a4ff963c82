package dev.berth.api.certificates;

import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.platform.SecretBox;
import dev.berth.hostprotocol.CertificateBundle;
import dev.berth.hostprotocol.CertificateState;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * Every certificate the nodes serve, stored once in the database ({@code certificates}): the chain
 * as issued, the private key sealed under the API's platform key ({@link SecretBox}, bound to the
 * certificate's name, so a sealed key copied to another row does not open), and the attempts and
 * backoff of obtaining it. Only the API holds that key; nodes receive the opened key over their
 * link to the API when they install the certificate. Thread-safe.
 */
public final class CertificateStore {
    private final Jdbi jdbi;
    private final SecretBox box;

    public CertificateStore(Jdbi jdbi, SecretBox box) {
        this.jdbi = jdbi;
        this.box = box;
    }

    /**
     * A stored certificate's public part and bookkeeping (never its key).
     *
     * @param serialNumber hexadecimal, as nodes report it; null before the first one
     */
    public record Stored(String name, List<String> domains, String serialNumber, String issuer, Instant notBefore,
                         Instant notAfter, Instant renewAt, String issuedBy, int issuances, int failures, String lastError,
                         Instant lastAttempt, Instant nextAttempt) {
        public Stored {
            domains = List.copyOf(domains);
        }

        /** True while it holds a certificate for exactly {@code wanted} that has not expired at {@code now}. */
        public boolean serves(List<String> wanted, Instant now) {
            return serialNumber != null && domains.equals(wanted) && notAfter != null && now.isBefore(notAfter);
        }
    }

    /** Every stored certificate by name. */
    public Map<String, Stored> all() {
        return jdbi.withExtension(CertificateDao.class, CertificateDao::all).stream().map(CertificateStore::stored)
                .collect(Collectors.toMap(Stored::name, Function.identity()));
    }

    public Optional<Stored> find(String name) {
        return jdbi.withExtension(CertificateDao.class, dao -> dao.find(name)).map(CertificateStore::stored);
    }

    /**
     * Stores what {@code node} obtained for {@code name}, replacing the previous one.
     *
     * @throws IllegalArgumentException when the chain is unreadable
     */
    public Stored saveIssued(String name, List<String> domains, CertificateBundle bundle, String node, Instant now) {
        X509Certificate leaf = leaf(bundle.chainPem());
        String sealed = box.seal(bundle.privateKeyPem().getBytes(StandardCharsets.US_ASCII), context(name));
        jdbi.useExtension(CertificateDao.class, dao -> dao.recordIssued(name, String.join(" ", domains), bundle.chainPem(), sealed,
                leaf.getSerialNumber().toString(16), leaf.getIssuerX500Principal().getName(), leaf.getNotBefore().toInstant(),
                leaf.getNotAfter().toInstant(), bundle.renewAt(), node, now));
        return find(name).orElseThrow();
    }

    /** Records a failed attempt for {@code name}; the next one waits until {@code nextAttempt}. */
    public void recordFailure(String name, List<String> domains, String error, Instant nextAttempt, Instant now) {
        String bounded = error == null ? "unknown error" : error.length() > 2000 ? error.substring(0, 1997) + "..." : error;
        jdbi.useExtension(CertificateDao.class, dao -> dao.recordFailure(name, String.join(" ", domains), bounded, nextAttempt, now));
    }

    /** Forgets a certificate (its name left every site). */
    public void delete(String name) {
        jdbi.useExtension(CertificateDao.class, dao -> dao.delete(name));
    }

    /**
     * The stored certificate with its opened key, to install on a node.
     *
     * @throws IllegalStateException when none is stored, or the key's platform key is no longer configured
     */
    public CertificateBundle bundle(String name) {
        CertificateDao.Row row = jdbi.withExtension(CertificateDao.class, dao -> dao.find(name))
                .filter(found -> found.chainPem() != null && found.sealedKey() != null)
                .orElseThrow(() -> new IllegalStateException("no certificate " + name + " is stored"));
        String key = new String(box.open(row.sealedKey(), context(name)), StandardCharsets.US_ASCII);
        return new CertificateBundle(domains(row.domains()), row.chainPem(), key, row.renewAt());
    }

    /**
     * What a node reports about a certificate, completed with the API's own attempts: while the
     * last order of a certificate failed, it reads {@code failed} with the CA's words, the attempt
     * count and the next attempt (the node itself orders nothing and cannot know).
     */
    public CertificateState overlay(CertificateState reported) {
        Optional<Stored> stored = find(reported.name());
        if (stored.isEmpty() || stored.get().failures() == 0) {
            return reported;
        }
        Stored attempts = stored.get();
        return new CertificateState(reported.name(), reported.domains(), "failed", reported.issuer(), reported.serialNumber(),
                reported.notBefore(), reported.notAfter(), reported.renewAt(), attempts.lastError(), attempts.lastAttempt(),
                attempts.nextAttempt(), attempts.failures(), reported.activeVersion());
    }

    /** {@code insights} whose certificate states are {@link #overlay overlaid} with the API's attempts. */
    public HostInsights overlaid(HostInsights insights) {
        return new OverlaidInsights(insights, this);
    }

    private record OverlaidInsights(HostInsights host, CertificateStore store) implements HostInsights {
        @Override
        public Optional<CertificateState> certificate(java.util.UUID siteId) throws HostException {
            return host.certificate(siteId).map(store::overlay);
        }

        @Override
        public Map<java.util.UUID, Long> requestCounters() throws HostException {
            return host.requestCounters();
        }

        @Override
        public List<dev.berth.hostprotocol.AccessLogEntry> accessLog(java.util.UUID siteId, int lines) throws HostException {
            return host.accessLog(siteId, lines);
        }

        @Override
        public dev.berth.api.hosts.AccessLogStream accessLogRange(java.util.UUID siteId, Instant from, Instant to, int limit)
                throws HostException {
            return host.accessLogRange(siteId, from, to, limit);
        }

        @Override
        public dev.berth.hostprotocol.HostReport report() throws HostException {
            return host.report();
        }
    }

    private static String context(String name) {
        return "certificate:" + name;
    }

    private static Stored stored(CertificateDao.Row row) {
        return new Stored(row.name(), domains(row.domains()), row.serialNumber(), row.issuer(), row.notBefore(), row.notAfter(),
                row.renewAt(), row.issuedBy(), row.issuances(), row.failures(), row.lastError(), row.lastAttempt(), row.nextAttempt());
    }

    private static List<String> domains(String joined) {
        return Arrays.stream(joined.split(" ")).filter(domain -> !domain.isEmpty()).toList();
    }

    private static X509Certificate leaf(String chainPem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("the node answered an unreadable certificate chain: " + e.getMessage(), e);
        }
    }
}
