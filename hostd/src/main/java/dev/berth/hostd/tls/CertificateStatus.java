package dev.berth.hostd.tls;

import java.time.Instant;
import java.util.List;

/**
 * What hostd reports about one certificate. {@code state}: {@code pending} (none yet, sites serve
 * HTTP), {@code active}, {@code renewing} (due; the current one keeps serving), {@code failed}
 * (the last attempt failed; see {@code lastError}; the current one, if any, keeps serving).
 */
public record CertificateStatus(
        String name,
        List<String> domains,
        String state,
        String issuer,
        String serialNumber,
        Instant notBefore,
        Instant notAfter,
        Instant renewAt,
        String lastError,
        Instant lastAttempt,
        Instant nextAttempt,
        int failures,
        String activeVersion) {

    public CertificateStatus {
        domains = domains == null ? List.of() : List.copyOf(domains);
    }

    static CertificateStatus pending(String name, List<String> domains) {
        return new CertificateStatus(name, domains, "pending", null, null, null, null, null, null, null, null, 0, null);
    }
}
