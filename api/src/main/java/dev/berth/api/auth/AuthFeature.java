package dev.berth.api.auth;

import dev.berth.api.tokens.TokenService;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.lang.reflect.Method;
import java.util.Set;

/**
 * Puts a {@link BearerAuthFilter} in front of every endpoint that is not {@code @PermitAll}.
 * Annotations are read from the implementing class and method (the generated interfaces carry
 * none), and an endpoint without any is treated as requiring an authenticated user: forgetting an
 * annotation can never make an endpoint public.
 */
public final class AuthFeature implements DynamicFeature {
    private final AccessTokens accessTokens;
    private final AuthService authService;
    private final TokenService tokenService;
    private final TenantRateLimit rateLimit;
    private final Accounts accounts;

    public AuthFeature(AccessTokens accessTokens, AuthService authService, TokenService tokenService, TenantRateLimit rateLimit,
                       Accounts accounts) {
        this.accessTokens = accessTokens;
        this.authService = authService;
        this.tokenService = tokenService;
        this.rateLimit = rateLimit;
        this.accounts = accounts;
    }

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        Class<?> resourceClass = resourceInfo.getResourceClass();
        Method method = implementation(resourceClass, resourceInfo.getResourceMethod());
        if (method.isAnnotationPresent(PermitAll.class)
                || !method.isAnnotationPresent(RolesAllowed.class) && resourceClass.isAnnotationPresent(PermitAll.class)) {
            return;
        }
        RolesAllowed roles = method.isAnnotationPresent(RolesAllowed.class)
                ? method.getAnnotation(RolesAllowed.class) : resourceClass.getAnnotation(RolesAllowed.class);
        Set<String> required = roles == null ? Set.of(Caller.USER) : Set.of(roles.value());
        context.register(new BearerAuthFilter(accessTokens, authService, tokenService, rateLimit, accounts, required));
    }

    private static Method implementation(Class<?> resourceClass, Method declared) {
        try {
            return resourceClass.getMethod(declared.getName(), declared.getParameterTypes());
        } catch (NoSuchMethodException impossible) {
            return declared;
        }
    }
}
