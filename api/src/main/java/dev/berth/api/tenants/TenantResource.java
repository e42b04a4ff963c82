package dev.berth.api.tenants;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.resources.TenantApi;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import java.util.function.Function;

/** The caller's own tenant. */
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
