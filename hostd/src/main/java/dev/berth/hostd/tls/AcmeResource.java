package dev.berth.hostd.tls;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.AcmeChallenge;
import dev.berth.hostprotocol.CertificateBundle;
import dev.berth.hostprotocol.CertificateOrder;
import dev.berth.hostprotocol.PendingOrder;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * ACME on behalf of the API, which stores every certificate once and installs it on every node:
 * {@code GET /v1/acme/certificates} lists the certificates this node wants from the API (with the
 * serial it serves), {@code POST /v1/acme/orders} opens an order ({@link PendingOrder}: its HTTP-01 answers),
 * {@code POST /v1/acme/orders/{id}/certificate} lets the CA validate and answers the
 * {@link CertificateBundle} (blocks up to the ACME timeout; a failure is a problem
 * {@code host-operation-failed} with the CA's words), and {@code PUT|DELETE
 * /v1/acme/challenges/{token}} serves or drops another node's HTTP-01 answer here; {@code POST
 * /v1/acme/revocations} revokes a certificate (a {@link CertificateBundle}) with its own key, for a
 * custom domain no site holds any more. A node with HTTPS off, or obtaining its own certificates
 * ({@code tls.issuance: local}), wants nothing from the API and answers 404 to everything else.
 */
@Path("/v1/acme")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AcmeResource {
    private final Certificates certificates;
    private final Orders orders;
    private final Issuer issuer;
    private final AcmeChallenges challenges;

    /** {@code orders}, {@code issuer} and {@code challenges} null when HTTPS is off. */
    public AcmeResource(Certificates certificates, Orders orders, Issuer issuer, AcmeChallenges challenges) {
        this.certificates = certificates;
        this.orders = orders;
        this.issuer = issuer;
        this.challenges = challenges;
    }

    private boolean keptByTheApi() {
        return orders != null && !certificates.issuesItself();
    }

    @jakarta.ws.rs.GET
    @Path("certificates")
    public java.util.List<dev.berth.hostprotocol.CertificateState> wanted() {
        return keptByTheApi() ? certificates.statuses() : java.util.List.of();
    }

    @POST
    @Path("orders")
    public PendingOrder begin(CertificateOrder order) throws HostOperationException {
        requireHttps();
        if (order == null || order.domains().isEmpty()) {
            throw new BadRequestException("an order needs at least one domain");
        }
        try {
            return orders.begin(order.domains());
        } catch (CertificateFailure e) {
            throw new HostOperationException("ACME order for " + order.domains() + " failed: " + e.getMessage(), e);
        }
    }

    @POST
    @Path("orders/{orderId}/certificate")
    public CertificateBundle finish(@PathParam("orderId") String orderId) throws HostOperationException {
        requireHttps();
        try {
            Issuer.Issued issued = orders.finish(orderId);
            X509Certificate leaf = AcmeIssuer.parseChain(issued.chainPem()).get(0);
            Optional<Issuer.RenewalWindow> window;
            try {
                window = issuer.renewalWindow(leaf);
            } catch (CertificateFailure noWindow) {
                window = Optional.empty();
            }
            Instant renewAt = RenewalPolicy.renewAt(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(), window);
            java.util.List<String> domains = new java.util.ArrayList<>();
            // The order's names, in the order they were asked (the first is the common name).
            java.util.Collection<java.util.List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (java.util.List<?> name : names) {
                    if (Integer.valueOf(2).equals(name.get(0))) {
                        domains.add((String) name.get(1));
                    }
                }
            }
            return new CertificateBundle(domains, issued.chainPem(), issued.privateKeyPem(), renewAt);
        } catch (CertificateFailure | java.security.cert.CertificateParsingException e) {
            throw new HostOperationException("ACME order " + orderId + " failed: " + e.getMessage(), e);
        }
    }

    @POST
    @Path("revocations")
    public void revoke(CertificateBundle certificate) throws HostOperationException {
        requireHttps();
        if (certificate == null || certificate.chainPem() == null || certificate.privateKeyPem() == null) {
            throw new BadRequestException("a revocation needs the certificate's chain and key");
        }
        try {
            orders.revoke(new Issuer.Issued(certificate.chainPem(), certificate.privateKeyPem()));
        } catch (CertificateFailure e) {
            throw new HostOperationException("revocation of " + certificate.domains() + " failed: " + e.getMessage(), e);
        }
    }

    @PUT
    @Path("challenges/{token}")
    public void serve(@PathParam("token") String token, AcmeChallenge challenge) throws IOException {
        requireHttps();
        if (challenge == null || !token.equals(challenge.token())) {
            throw new BadRequestException("the body's token must be the path's");
        }
        try {
            challenges.put(challenge);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    @DELETE
    @Path("challenges/{token}")
    public void drop(@PathParam("token") String token) throws IOException {
        requireHttps();
        try {
            challenges.remove(token);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    private void requireHttps() {
        if (!keptByTheApi()) {
            throw new NotFoundException(orders == null ? "HTTPS is off on this node"
                    : "this node obtains its own certificates (tls.issuance: local)");
        }
    }
}
