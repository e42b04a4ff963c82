package dev.berth.api.hosts;

import dev.berth.hostprotocol.AcmeChallenge;
import dev.berth.hostprotocol.CertificateBundle;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.PendingOrder;
import java.util.List;

/**
 * A host's certificates as the API keeps them: which ones the host wants (and which serial it
 * serves), ACME orders the host places for the API in two steps, other hosts' HTTP-01 answers it
 * serves meanwhile, and the installation of the API's stored copy. Every call but
 * {@link #finishOrder} is idempotent. Implementations must be thread-safe.
 */
public interface HostCertificates {

    /**
     * Every certificate the host wants from the API for the names it serves (the platform wildcard,
     * each custom domain's), with the serial it serves or {@code pending}; empty when the host has
     * HTTPS off or obtains its own certificates.
     *
     * @throws HostException if the host is unreachable
     */
    List<CertificateState> certificates() throws HostException;

    /**
     * Opens an ACME order for {@code domains} on the host and prepares its challenges (DNS-01 on
     * the host's own, HTTP-01 answers listed for every other host to serve).
     *
     * @throws HostException if the host is unreachable, has HTTPS off, or the CA refuses the order
     */
    PendingOrder openOrder(List<String> domains) throws HostException;

    /**
     * Has the CA validate an {@link #openOrder open order} and answers the certificate; waits as
     * long as the CA may take.
     *
     * @throws HostException if the host is unreachable, forgot the order, or the CA refuses it
     */
    CertificateBundle finishOrder(String orderId) throws HostException;

    /**
     * Serves another host's HTTP-01 answer here until {@link #dropChallenge}.
     *
     * @throws HostException if the host is unreachable or has HTTPS off
     */
    void serveChallenge(AcmeChallenge challenge) throws HostException;

    /** Stops serving an answer; one not served succeeds. @throws HostException if the host is unreachable */
    void dropChallenge(String token) throws HostException;

    /**
     * Installs the stored copy of certificate {@code name}; the one served already changes nothing.
     *
     * @throws HostException if the host is unreachable, wants no such certificate, or its proxy refuses it
     */
    CertificateState install(String name, CertificateBundle bundle) throws HostException;

    /**
     * Revokes a certificate at the CA with its own key (whichever host ordered it).
     *
     * @throws HostException if the host is unreachable, has HTTPS off, or the CA refuses
     */
    void revoke(CertificateBundle certificate) throws HostException;
}
