package dev.berth.hostprotocol;

import java.util.List;

/**
 * An ACME order a node has opened and prepared but not yet submitted to the CA: its DNS-01 records
 * are published (by the node), its HTTP-01 answers are listed here so that every other node can
 * serve them before the CA asks. {@code POST /v1/acme/orders/{orderId}/certificate} then lets the
 * CA validate and answers the {@link CertificateBundle}; a node forgets an order that is not
 * finished within its ACME timeout.
 *
 * @param orderId    the node's handle of the order (not the CA's URL)
 * @param challenges the HTTP-01 answers the order needs, empty when DNS-01 proves every name
 */
public record PendingOrder(String orderId, List<AcmeChallenge> challenges) {
    public PendingOrder {
        challenges = challenges == null ? List.of() : List.copyOf(challenges);
    }
}
