package dev.berth.hostd.tls;

import dev.berth.hostprotocol.PendingOrder;
import java.util.List;

/**
 * An ACME order in two steps, so that the HTTP-01 answers it needs can be served by every node
 * (the API copies them there) before the CA is asked to validate. Implementations are thread-safe.
 */
public interface Orders {

    /** Opens an order for {@code domains} and prepares its challenges; nothing is submitted to the CA yet. */
    PendingOrder begin(List<String> domains) throws CertificateFailure;

    /** Submits the order's challenges, waits for the CA and answers the certificate; the order is gone afterwards. */
    Issuer.Issued finish(String orderId) throws CertificateFailure;

    /** Revokes a certificate with its own key, whichever node's account ordered it. */
    void revoke(Issuer.Issued certificate) throws CertificateFailure;
}
