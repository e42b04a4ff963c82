package dev.berth.hostprotocol;

import java.util.List;

/**
 * Asks a node to start an ACME order ({@code POST /v1/acme/orders}); it answers a
 * {@link PendingOrder}.
 *
 * @param domains the names of the certificate, the first its common name
 */
public record CertificateOrder(List<String> domains) {
    public CertificateOrder {
        domains = domains == null ? List.of() : List.copyOf(domains);
    }
}
