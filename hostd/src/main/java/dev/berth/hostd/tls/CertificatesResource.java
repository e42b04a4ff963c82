package dev.berth.hostd.tls;

import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.CertificateBundle;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;

/**
 * Certificate state on hostd's socket: {@code GET /v1/certificates}, {@code GET
 * /v1/sites/{id}/certificate} (the certificates covering the site's hostnames; what the API's
 * {@code GET /api/v1/sites/{name}/certificate} reports) and {@code POST
 * /v1/certificates/{name}/renewal} (renew now, e.g. after a key compromise; blocks until done;
 * with {@code tls.issuance: local} only) and {@code PUT /v1/certificates/{name}} (install the API's
 * stored copy of a certificate this node wants; 404 for a name it does not want, a problem
 * {@code host-operation-failed} for a bundle of other names or one the proxy refuses).
 */
@Path("/v1/certificates")
@Produces(MediaType.APPLICATION_JSON)
public class CertificatesResource {
    private final Certificates certificates;
    private final SpecStore specs;

    public CertificatesResource(Certificates certificates, SpecStore specs) {
        this.certificates = certificates;
        this.specs = specs;
    }

    @GET
    public List<CertificateState> all() {
        return certificates.statuses();
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public CertificateState install(@PathParam("name") String name, CertificateBundle bundle) throws HostOperationException {
        if (bundle == null) {
            throw new jakarta.ws.rs.BadRequestException("a certificate bundle is required");
        }
        try {
            return certificates.install(name, bundle);
        } catch (java.util.NoSuchElementException e) {
            throw new NotFoundException(e.getMessage());
        } catch (CertificateFailure | java.io.IOException e) {
            throw new HostOperationException("certificate " + name + " not installed: " + e.getMessage(), e);
        }
    }

    @POST
    @Path("{name}/renewal")
    public CertificateState renew(@PathParam("name") String name) {
        if (!certificates.issuesItself()) {
            // A certificate obtained here alone would be replaced by the API's stored one at its next pass.
            throw new jakarta.ws.rs.ClientErrorException("certificates of this node are obtained through the API (tls.issuance: api)", 409);
        }
        return certificates.get(name).orElseThrow(() -> new NotFoundException("no certificate " + name)).renew();
    }

    /** The certificates covering one site's hostnames (its own root path: Jersey does not fall back between roots). */
    @Path("/v1/sites/{siteId}/certificate")
    @Produces(MediaType.APPLICATION_JSON)
    public static class ForSite {
        private final Certificates certificates;
        private final SpecStore specs;

        public ForSite(Certificates certificates, SpecStore specs) {
            this.certificates = certificates;
            this.specs = specs;
        }

        @GET
        public List<CertificateState> forSite(@PathParam("siteId") UUID siteId) {
            SiteSpec spec = specs.get(siteId).orElseThrow(() -> new NotFoundException("no site " + siteId));
            return certificates.covering(spec.hostnames());
        }
    }
}
