package dev.berth.hostd.server;

import dev.berth.hostd.content.Content;
import dev.berth.hostd.reconcile.Converger;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostd.site.SiteValidator;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.ProblemType;
import dev.berth.hostprotocol.ReleaseInstalled;
import dev.berth.hostprotocol.RemovalPending;
import dev.berth.hostprotocol.SiteObservation;
import dev.berth.hostprotocol.SiteSpec;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The declarative site API. {@code PUT} stores the whole desired spec durably and returns at once
 * (202); the reconciler converges in the background and {@code GET} shows how far it got.
 */
@Path("/v1/sites")
@Produces(MediaType.APPLICATION_JSON)
public class SitesResource {
    private final SpecStore specs;
    private final SiteValidator validator;
    private final Reconciler reconciler;
    private final Converger converger;
    private final Content content;

    public SitesResource(SpecStore specs, SiteValidator validator, Reconciler reconciler, Content content) {
        this.specs = specs;
        this.validator = validator;
        this.reconciler = reconciler;
        this.converger = reconciler.converger();
        this.content = content;
    }

    @GET
    public List<SiteObservation> list() {
        return converger.observeAll().stream().map(this::withDisk).toList();
    }

    private SiteObservation withDisk(SiteObservation observed) {
        return observed.withDiskBytes(content.diskBytes(observed.siteId()));
    }

    @GET
    @Path("/{siteId}")
    public Response get(@PathParam("siteId") String siteId) throws InvalidSpecException {
        return converger.observe(parse(siteId))
                .map(observed -> Response.ok(withDisk(observed)).build())
                .orElseGet(() -> Problems.response(404, ProblemType.NOT_FOUND, "No such site", "hostd holds no spec for site " + siteId, List.of()));
    }

    @PUT
    @Path("/{siteId}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response put(@PathParam("siteId") String siteId, SiteSpec spec) throws InvalidSpecException, IOException {
        UUID id = parse(siteId);
        if (spec == null) {
            throw new InvalidSpecException("a JSON body with the whole site spec is required");
        }
        synchronized (specs) {
            // Serialized, so two specs claiming the same address cannot both pass validation.
            validator.validate(siteId, spec, specs.all());
            Optional<SiteSpec> held = specs.get(id);
            if (held.isPresent()) {
                if (held.get().equals(spec)) {
                    reconciler.nudge(id);
                    return Response.ok(withDisk(converger.observe(id).orElseThrow())).build();
                }
                if (spec.generation() <= held.get().generation()) {
                    return Problems.response(409, ProblemType.STALE_GENERATION, "Stale generation",
                            "generation " + spec.generation() + " is not newer than the held generation "
                                    + held.get().generation(), List.of());
                }
                if (!held.get().tenantId().equals(spec.tenantId())) {
                    throw new InvalidSpecException("tenantId of an existing site cannot change");
                }
            }
            specs.put(spec);
        }
        reconciler.nudge(id);
        return Response.accepted(withDisk(converger.observe(id).orElseThrow())).build();
    }

    @DELETE
    @Path("/{siteId}")
    public Response delete(@PathParam("siteId") String siteId) throws InvalidSpecException, IOException {
        UUID id = parse(siteId);
        synchronized (specs) {
            specs.remove(id);
        }
        if (converger.remove(id)) {
            return Response.noContent().build();
        }
        // The spec is gone, so the orphan sweep finishes the clean-up.
        return Response.accepted(new RemovalPending(id, "removal continues in the background")).build();
    }

    @PUT
    @Path("/{siteId}/releases/{releaseId}")
    @Consumes({"application/x-tar", "application/gzip", "application/x-gzip", MediaType.APPLICATION_OCTET_STREAM})
    public Response installRelease(@PathParam("siteId") String siteId, @PathParam("releaseId") String releaseId,
                                   InputStream archive) throws InvalidSpecException, HostOperationException {
        UUID id = parse(siteId);
        if (specs.get(id).isEmpty()) {
            return Problems.response(404, ProblemType.NOT_FOUND, "No such site", "hostd holds no spec for site " + siteId, List.of());
        }
        boolean installed = content.install(id, releaseId, archive);
        ReleaseInstalled body = new ReleaseInstalled(id, releaseId, installed);
        return installed ? Response.status(201).entity(body).build() : Response.ok(body).build();
    }

    static UUID parse(String siteId) throws InvalidSpecException {
        try {
            UUID id = UUID.fromString(siteId);
            if (id.toString().equals(siteId)) {
                return id;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        throw new InvalidSpecException("site id must be a lower-case UUID");
    }
}
