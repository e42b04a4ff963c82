package dev.berth.hostd.tls;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A certificate authority reached over ACME. Implementations are thread-safe. */
public interface Issuer {

    /** A new certificate for {@code domains} (the first is the common name) and its private key, as PEM. */
    Issued issue(List<String> domains) throws CertificateFailure;

    /** The CA's suggested renewal window (ACME Renewal Information, RFC 9773), if the CA offers it. */
    Optional<RenewalWindow> renewalWindow(X509Certificate certificate) throws CertificateFailure;

    /** Revokes a certificate this account obtained. */
    void revoke(X509Certificate certificate) throws CertificateFailure;

    /** The full chain (leaf first) and the private key, both PEM. */
    record Issued(String chainPem, String privateKeyPem) {
    }

    /** ARI's suggested window: renew at some point between start and end. */
    record RenewalWindow(Instant start, Instant end) {
        public RenewalWindow {
            if (end.isBefore(start)) {
                throw new IllegalArgumentException("renewal window end must not be before its start");
            }
        }
    }
}
