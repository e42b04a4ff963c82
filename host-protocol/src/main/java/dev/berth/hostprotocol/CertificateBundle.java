package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.Instant;
import java.util.List;

/**
 * A certificate with its private key: what a finished ACME order answers ({@code POST
 * /v1/acme/orders/{orderId}/certificate}) and what the API installs on every node that serves its
 * names ({@code PUT /v1/certificates/{name}}, answered with the node's {@link CertificateState}).
 * The key travels only over the API's link to the node (its Unix socket or mutual TLS).
 *
 * @param domains       the names it covers
 * @param chainPem      the full chain, leaf first, PEM
 * @param privateKeyPem the leaf's private key, PEM
 * @param renewAt       when to renew it (a third of its lifetime left, or earlier as the CA's
 *                      renewal information suggests)
 */
public record CertificateBundle(
        List<String> domains,
        String chainPem,
        String privateKeyPem,
        @JsonFormat(shape = JsonFormat.Shape.STRING) Instant renewAt) {

    public CertificateBundle {
        domains = domains == null ? List.of() : List.copyOf(domains);
    }

    @Override
    public String toString() {
        return "CertificateBundle[domains=" + domains + ", renewAt=" + renewAt + ", key hidden]";
    }
}
