package dev.berth.api.hosts;

import java.time.Instant;
import java.util.List;

/**
 * A certificate a host serves, as hostd reports it ({@code GET /v1/sites/{id}/certificate}).
 * {@code state} is pending, active, renewing or failed.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record CertificateState(String name, List<String> domains, String state, String issuer, String serialNumber,
                               Instant notBefore, Instant notAfter, Instant renewAt, Instant nextAttempt, String lastError) {
    public CertificateState {
        domains = domains == null ? List.of() : List.copyOf(domains);
    }
}
