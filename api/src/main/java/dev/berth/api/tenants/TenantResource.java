package dev.berth.api.tenants;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.resources.TenantApi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import java.util.function.Function;

/** The caller's own tenant. */
@RolesAllowed(Caller.USER)
public final class TenantResource implements TenantApi {
    private final TenantService tenants;
    private final Function<UUID, String> domainToken;

    /** @param domainToken the value a tenant's custom domains publish to prove ownership */
    public TenantResource(TenantService tenants, Function<UUID, String> domainToken) {
        this.tenants = tenants;
        this.domainToken = domainToken;
    }

    @Override
    public Response getTenant() {
        UUID tenantId = Access.caller().tenantId();
        return Response.ok(TenantViews.toDto(tenants.overview(tenantId)).domainToken(domainToken.apply(tenantId))).build();
    }
}
