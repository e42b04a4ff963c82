package dev.berth.api.tenants;

import dev.berth.api.auth.Access;
import dev.berth.api.auth.Caller;
import dev.berth.api.generated.resources.TenantApi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.Response;

/** The caller's own tenant. */
@RolesAllowed(Caller.USER)
public final class TenantResource implements TenantApi {
    private final TenantService tenants;

    public TenantResource(TenantService tenants) {
        this.tenants = tenants;
    }

    @Override
    public Response getTenant() {
        return Response.ok(TenantViews.toDto(tenants.overview(Access.caller().tenantId()))).build();
    }
}
