package dev.berth.api.auth;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.caller.OperationRules;
import dev.berth.api.caller.TokenAuthenticator;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Authenticates one endpoint's requests from {@code Authorization: Bearer ...} (an access token or a
 * personal access token), takes the account's current role and admin flag ({@link Accounts}: a
 * demoted or removed user loses rights with the next request), then enforces the operation's rule (the roles the contract
 * names in {@code x-berth-roles}: this is the one place roles are checked), the token's scopes and site limit,
 * and the tenant's API request rate. Created per endpoint by {@link AuthFeature}.
 */
@Priority(Priorities.AUTHENTICATION)
final class BearerAuthFilter implements ContainerRequestFilter {
    private static final Map<String, String> CHALLENGE = Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"berth\"");

    private final AccessTokens accessTokens;
    private final AuthService authService;
    private final TokenAuthenticator tokenAuthenticator;
    private final TenantRateLimit rateLimit;
    private final Accounts accounts;
    private final EmailVerifications verifications;
    private final TotpService totp;
    private final OperationRules.Rule rule;

    BearerAuthFilter(AccessTokens accessTokens, AuthService authService, TokenAuthenticator tokenAuthenticator, TenantRateLimit rateLimit,
                     Accounts accounts, EmailVerifications verifications, TotpService totp, OperationRules.Rule rule) {
        this.accessTokens = accessTokens;
        this.authService = authService;
        this.tokenAuthenticator = tokenAuthenticator;
        this.rateLimit = rateLimit;
        this.accounts = accounts;
        this.verifications = verifications;
        this.totp = totp;
        this.rule = rule;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Caller caller = authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        boolean secure = request.getSecurityContext().isSecure();
        request.setSecurityContext(new CallerContext(caller, secure));
        Access.attach(caller);
        checkTotpEnrolled(caller, request);
        if (!rule.allows(caller)) {
            throw Problems.FORBIDDEN.with(rule.platformAdmin() ? "only platform admins may do this"
                    : "a " + caller.role().wireName() + " may not do this (" + rule.operationId() + " is for: " + rule.describe() + ")");
        }
        checkToken(caller, request);
        checkAddressConfirmed(caller, request);
        rateLimit.check(caller.tenantId());
    }

    /**
     * With {@code auth.requireTotpForAdmins} on, a platform admin without two-factor sign-in reaches
     * only {@code GET /me}, {@code /me/totp} and logout, whatever the credentials.
     */
    private void checkTotpEnrolled(Caller caller, ContainerRequestContext request) {
        String path = request.getUriInfo().getPath().replaceAll("^/+|/+$", "");
        boolean enrolment = path.equals("me/totp") || path.startsWith("me/totp/") || path.equals("auth/logout")
                || path.equals("me") && "GET".equals(request.getMethod());
        if (!enrolment && totp.enrolmentRequired(caller)) {
            throw Problems.TOTP_ENROLMENT_REQUIRED.with("platform admins must sign in with two factors here: turn it on under"
                    + " /me/totp (the portal's Account page) first");
        }
    }

    /** With {@code auth.emailVerification} on, an unconfirmed account changes nothing outside {@code /me} and {@code /auth}. */
    private void checkAddressConfirmed(Caller caller, ContainerRequestContext request) {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return;
        }
        String path = request.getUriInfo().getPath().replaceAll("^/+", "");
        boolean ownAccount = path.equals("me") || path.startsWith("me/") || path.startsWith("auth/");
        if (!ownAccount && verifications.requiresConfirmation(caller)) {
            throw Problems.EMAIL_UNVERIFIED.with("open the link mailed to " + caller.email()
                    + " to confirm your address (POST /auth/verify-email sends a new one)");
        }
    }

    private Caller authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new ProblemException(Problems.UNAUTHENTICATED, "send Authorization: Bearer <token>", List.of(), CHALLENGE);
        }
        if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProblemException(Problems.UNAUTHENTICATED, "only the Bearer scheme is supported", List.of(), CHALLENGE);
        }
        String token = authorization.substring(7).trim();
        Optional<Caller> caller = tokenAuthenticator.recognizes(token)
                ? tokenAuthenticator.authenticate(token)
                : accessTokens.verify(token).filter(c -> !authService.isSessionRevoked(c.sessionId()));
        // The token says who logged in and what they could do then; the account says what they may do now.
        return caller.flatMap(accounts::current).orElseThrow(() -> new ProblemException(Problems.INVALID_TOKEN,
                "the token is invalid, expired or revoked", List.of(), CHALLENGE));
    }

    private static void checkToken(Caller caller, ContainerRequestContext request) {
        if (!caller.viaToken()) {
            return;
        }
        String method = request.getMethod();
        boolean safe = "GET".equals(method) || "HEAD".equals(method);
        boolean allowed = caller.scopes().contains(Caller.Scope.WRITE) || safe && caller.scopes().contains(Caller.Scope.READ);
        if (!allowed) {
            throw Problems.INSUFFICIENT_SCOPE.with("this token has scopes " + caller.scopes().stream().map(Caller.Scope::wireName).sorted().toList()
                    + " and cannot " + method + " here");
        }
        if (caller.siteName() != null) {
            String site = request.getUriInfo().getPathParameters().getFirst("siteName");
            boolean me = "me".equals(request.getUriInfo().getPath().replaceAll("^/+|/+$", ""));
            if (!(caller.siteName().equals(site) || me && safe)) {
                throw Problems.INSUFFICIENT_SCOPE.with("this token is limited to the site '" + caller.siteName() + "'");
            }
        }
    }

    /** The security context of an authenticated request. */
    private record CallerContext(Caller caller, boolean secure) implements SecurityContext {
        @Override
        public Principal getUserPrincipal() {
            return caller;
        }

        @Override
        public boolean isUserInRole(String role) {
            return caller.role().wireName().equals(role) || OperationRules.PLATFORM_ADMIN.equals(role) && caller.platformAdmin();
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public String getAuthenticationScheme() {
            return "Bearer";
        }
    }
}
