package dev.berth.api.tenants;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Problems;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.util.Set;

/**
 * The one place where a suspended tenant's writes are refused: behind every endpoint but logout, a
 * filter that runs after authentication answers 403 {@code tenant-suspended} to any method but GET,
 * HEAD and OPTIONS when the caller's tenant is suspended ({@link TenantSuspensions#isSuspended}).
 * Reads pass, and so do anonymous endpoints (login, refresh, signup, Git webhooks) and platform
 * admins, so that an operator is never locked out by a suspension.
 */
public final class SuspensionGuard implements DynamicFeature {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    /** Operations a suspended tenant's users may still call with a write method: ending their own session. */
    private static final Set<String> ALLOWED = Set.of("logout");

    private final TenantSuspensions suspensions;

    public SuspensionGuard(TenantSuspensions suspensions) {
        this.suspensions = suspensions;
    }

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        if (!ALLOWED.contains(resourceInfo.getResourceMethod().getName())) {
            context.register(new Filter(suspensions));
        }
    }

    /** Runs after the authentication filter, which attaches the caller. */
    @Priority(Priorities.AUTHORIZATION)
    private record Filter(TenantSuspensions suspensions) implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            if (SAFE.contains(request.getMethod())) {
                return;
            }
            Caller caller = Access.callerOrNull();
            if (caller == null || caller.platformAdmin() || !suspensions.isSuspended(caller.tenantId())) {
                return;
            }
            throw Problems.TENANT_SUSPENDED.with("this tenant is suspended by the platform's operator: "
                    + "its data can be read but not changed");
        }
    }
}
