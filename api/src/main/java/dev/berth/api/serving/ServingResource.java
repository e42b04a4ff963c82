package dev.berth.api.serving;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.SiteServing;
import dev.berth.api.generated.resources.ServingApi;
import dev.berth.api.platform.ProblemException;
import jakarta.ws.rs.core.Response;

/** The serving switches of a tenant's site, applied by the proxy. */
public final class ServingResource implements ServingApi {
    private final ServingService serving;

    public ServingResource(ServingService serving) {
        this.serving = serving;
    }

    @Override
    public Response putSiteServing(String siteName, SiteServing request) {
        if (request == null || request.getSpa() == null || request.getCleanUrls() == null) {
            throw ProblemException.invalidField(request == null || request.getSpa() == null ? "spa" : "cleanUrls", "is required");
        }
        ServingService.Serving stored = serving.set(Access.caller(), siteName,
                new ServingService.Serving(request.getSpa(), request.getCleanUrls()));
        return Response.ok(new SiteServing(stored.spa(), stored.cleanUrls())).build();
    }
}
