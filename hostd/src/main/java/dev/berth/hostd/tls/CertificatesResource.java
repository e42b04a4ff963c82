package dev.berth.hostd.tls;

import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.SiteSpec;
import jakarta.ws.rs.GET;
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
 * /v1/certificates/{name}/renewal} (renew now, e.g. after a key compromise; blocks until done).
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

    @POST
    @Path("{name}/renewal")
    public CertificateState renew(@PathParam("name") String name) {
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
