package dev.berth.api.sites;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.CreateSiteRequest;
import dev.berth.api.generated.resources.SitesApi;
import dev.berth.api.operations.Operation;
import dev.berth.api.operations.OperationViews;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/** A tenant's sites. */
public final class SitesResource implements SitesApi {
    private final SiteService sites;
    private final SiteViews views;

    public SitesResource(SiteService sites, SiteViews views) {
        this.sites = sites;
        this.views = views;
    }

    @Override
    public Response createSite(CreateSiteRequest request, String idempotencyKey) {
        SiteService.Created created = sites.create(Access.caller(), request.getName(), idempotencyKey);
        Response.ResponseBuilder response = Response.created(URI.create("/api/v1/sites/" + created.site().name()))
                .entity(views.toDto(created.site()));
        if (created.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }

    @Override
    public Response listSites(String cursor, Integer limit) {
        SiteService.Page page = sites.list(Access.caller(), cursor, limit == null ? 50 : limit);
        return Response.ok(views.toDto(page, sites.previewLinks(page.items().stream().map(Site::id).toList()))).build();
    }

    @Override
    public Response getSite(String siteName) {
        Site site = sites.get(Access.caller(), siteName);
        return Response.ok(SiteViews.withPreview(views.toDto(site), sites.previewLinks(java.util.List.of(site.id())).get(site.id()))).tag(new EntityTag(Long.toString(site.generation()))).build();
    }

    @Override
    public Response deleteSite(String siteName) {
        return accepted(sites.delete(Access.caller(), siteName));
    }

    @Override
    public Response startSite(String siteName) {
        return accepted(sites.start(Access.caller(), siteName));
    }

    @Override
    public Response stopSite(String siteName) {
        return accepted(sites.stop(Access.caller(), siteName));
    }

    private static Response accepted(Operation operation) {
        return Response.accepted(OperationViews.toDto(operation)).location(URI.create("/api/v1/operations/" + operation.id())).build();
    }
}
