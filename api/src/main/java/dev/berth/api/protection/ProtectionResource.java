package dev.berth.api.protection;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.SiteProtectionRequest;
import dev.berth.api.generated.resources.ProtectionApi;
import dev.berth.api.sites.SiteViews;
import jakarta.ws.rs.core.Response;

/** Password and address protection of a tenant's site, enforced by the proxy. */
public final class ProtectionResource implements ProtectionApi {
    private final ProtectionService protection;

    public ProtectionResource(ProtectionService protection) {
        this.protection = protection;
    }

    @Override
    public Response putSiteProtection(String siteName, SiteProtectionRequest request) {
        return Response.ok(SiteViews.toDto(protection.protect(Access.caller(), siteName, new ProtectionService.Request(
                request.getUsername(), request.getPassword(), request.getPathPrefix(), request.getAllowedAddresses())))).build();
    }

    @Override
    public Response deleteSiteProtection(String siteName) {
        protection.open(Access.caller(), siteName);
        return Response.noContent().build();
    }
}
