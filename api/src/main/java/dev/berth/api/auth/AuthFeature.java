package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import dev.berth.api.caller.TokenAuthenticator;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.Throttle;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.lang.reflect.Method;
import java.util.Set;

/**
 * Puts a {@link BearerAuthFilter} in front of every endpoint that is not {@code @PermitAll}, and a
 * per-address request budget in front of every one that is.
 * Annotations are read from the implementing class and method (the generated interfaces carry
 * none), and an endpoint without any is treated as requiring an authenticated user: forgetting an
 * annotation can never make an endpoint public.
 */
public final class AuthFeature implements DynamicFeature {
    private final AccessTokens accessTokens;
    private final AuthService authService;
    private final TokenAuthenticator tokenAuthenticator;
    private final TenantRateLimit rateLimit;
    private final Accounts accounts;
    private final EmailVerifications verifications;
    private final TotpService totp;
    private final Throttle<String> anonymous;

    /**
     * @param anonymous the budget of each client address on the public endpoints (health, signup,
     *                  login, refresh, webhooks...), on top of what those endpoints limit themselves
     */
    public AuthFeature(AccessTokens accessTokens, AuthService authService, TokenAuthenticator tokenAuthenticator, TenantRateLimit rateLimit,
                       Accounts accounts, EmailVerifications verifications, TotpService totp, Throttle<String> anonymous) {
        this.accessTokens = accessTokens;
        this.authService = authService;
        this.tokenAuthenticator = tokenAuthenticator;
        this.rateLimit = rateLimit;
        this.accounts = accounts;
        this.verifications = verifications;
        this.totp = totp;
        this.anonymous = anonymous;
    }

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        Class<?> resourceClass = resourceInfo.getResourceClass();
        Method method = implementation(resourceClass, resourceInfo.getResourceMethod());
        if (method.isAnnotationPresent(PermitAll.class)
                || !method.isAnnotationPresent(RolesAllowed.class) && resourceClass.isAnnotationPresent(PermitAll.class)) {
            context.register(new AnonymousRateFilter(anonymous));
            return;
        }
        RolesAllowed roles = method.isAnnotationPresent(RolesAllowed.class)
                ? method.getAnnotation(RolesAllowed.class) : resourceClass.getAnnotation(RolesAllowed.class);
        Set<String> required = roles == null ? Set.of(Caller.USER) : Set.of(roles.value());
        context.register(new BearerAuthFilter(accessTokens, authService, tokenAuthenticator, rateLimit, accounts, verifications, totp, required));
    }

    private static Method implementation(Class<?> resourceClass, Method declared) {
        try {
            return resourceClass.getMethod(declared.getName(), declared.getParameterTypes());
        } catch (NoSuchMethodException impossible) {
            return declared;
        }
    }

    /** Counts a public endpoint's request against its client address (429 with Retry-After when spent). */
    @jakarta.annotation.Priority(jakarta.ws.rs.Priorities.AUTHENTICATION)
    private record AnonymousRateFilter(Throttle<String> anonymous) implements jakarta.ws.rs.container.ContainerRequestFilter {
        @Override
        public void filter(jakarta.ws.rs.container.ContainerRequestContext request) {
            String address = CurrentRequest.clientAddress();
            anonymous.acquire(address == null ? "" : address);
        }
    }
}
