package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.Instant;
import java.util.List;

/**
 * A certificate a host manages, as it reports it ({@code GET /v1/sites/{siteId}/certificate}, and in
 * {@link HostReport#certificates()}).
 *
 * @param name          the certificate's name on the host ({@code wildcard}, or a site's custom one)
 * @param domains       the names it covers
 * @param state         {@code pending} (none yet, sites serve HTTP), {@code active}, {@code renewing}
 *                      (due; the current one keeps serving) or {@code failed} (the last attempt failed;
 *                      see {@code lastError}; the current one, if any, keeps serving)
 * @param issuer        the issuer's distinguished name, null before the first one
 * @param serialNumber  hexadecimal, null before the first one
 * @param lastAttempt   when the host last tried to obtain one, or null
 * @param nextAttempt   when it tries next after a failure, or null
 * @param failures      failed attempts since the last success
 * @param activeVersion the on-disk version nginx serves, or null
 */
public record CertificateState(
        String name,
        List<String> domains,
        String state,
        String issuer,
        String serialNumber,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Instant notBefore,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Instant notAfter,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Instant renewAt,
        String lastError,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Instant lastAttempt,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Instant nextAttempt,
        int failures,
        String activeVersion) {

    public CertificateState {
        domains = domains == null ? List.of() : List.copyOf(domains);
    }

    /** A certificate the host has not obtained yet. */
    public static CertificateState pending(String name, List<String> domains) {
        return new CertificateState(name, domains, "pending", null, null, null, null, null, null, null, null, 0, null);
    }
}
