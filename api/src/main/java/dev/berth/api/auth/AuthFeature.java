package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import dev.berth.api.caller.OperationRules;
import dev.berth.api.caller.TokenAuthenticator;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.Throttle;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;

/**
 * Puts a {@link BearerAuthFilter} with the operation's rule in front of every endpoint the contract
 * secures, and a per-address request budget in front of every public one. The endpoint's method
 * name is its operationId (the interfaces are generated from the contract); an endpoint the contract
 * does not rule stops the application at start-up, so that no endpoint is public or open to every
 * role by omission.
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
    private final OperationRules rules;

    /**
     * @param anonymous the budget of each client address on the public endpoints (health, signup,
     *                  login, refresh, webhooks...), on top of what those endpoints limit themselves
     * @param rules     who may call each operation (the contract's)
     */
    public AuthFeature(AccessTokens accessTokens, AuthService authService, TokenAuthenticator tokenAuthenticator, TenantRateLimit rateLimit,
                       Accounts accounts, EmailVerifications verifications, TotpService totp, Throttle<String> anonymous,
                       OperationRules rules) {
        this.accessTokens = accessTokens;
        this.authService = authService;
        this.tokenAuthenticator = tokenAuthenticator;
        this.rateLimit = rateLimit;
        this.accounts = accounts;
        this.verifications = verifications;
        this.totp = totp;
        this.anonymous = anonymous;
        this.rules = rules;
    }

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        OperationRules.Rule rule = ruleOf(resourceInfo);
        if (rule.open()) {
            context.register(new AnonymousRateFilter(anonymous));
            return;
        }
        context.register(new BearerAuthFilter(accessTokens, authService, tokenAuthenticator, rateLimit, accounts, verifications, totp, rule));
    }

    private OperationRules.Rule ruleOf(ResourceInfo resourceInfo) {
        Class<?> resourceClass = resourceInfo.getResourceClass();
        String operationId = resourceInfo.getResourceMethod().getName();
        if (resourceClass == null || !resourceClass.getName().startsWith("dev.berth.")) {
            // Jersey's own endpoints (the automatic OPTIONS answers): any signed-in caller, as before roles.
            return new OperationRules.Rule(operationId, "", "", false, false, java.util.EnumSet.allOf(Caller.Role.class));
        }
        return rules.rule(operationId).orElseThrow(() -> new IllegalStateException(
                resourceClass.getSimpleName() + "." + operationId + " is no operation of openapi.yaml"));
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
