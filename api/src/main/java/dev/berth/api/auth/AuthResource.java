package dev.berth.api.auth;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.audit.AuditLog;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.generated.model.LoginRequest;
import dev.berth.api.generated.model.Me;
import dev.berth.api.generated.model.RefreshRequest;
import dev.berth.api.generated.model.SignupRequest;
import dev.berth.api.generated.model.TokenPair;
import dev.berth.api.generated.model.TokenScope;
import dev.berth.api.generated.resources.AuthApi;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Locale;

/** Signup, login, refresh, logout and "who am I". */
public final class AuthResource implements AuthApi {
    private final AuthService auth;
    private final EmailVerifications verifications;
    private final TotpService totp;

    public AuthResource(AuthService auth, EmailVerifications verifications, TotpService totp) {
        this.auth = auth;
        this.verifications = verifications;
        this.totp = totp;
    }

    @Override
    public Response signup(SignupRequest request) {
        UserDao.UserRow user = auth.signup(request.getEmail(), request.getPassword(), request.getTenantName(), CurrentRequest.clientAddress());
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, user.tenantId());
        CurrentRequest.set(AuditLog.TARGET_ATTRIBUTE, user.tenantName());
        CurrentRequest.set(AuditLog.ACTOR_ATTRIBUTE, user.email());
        verifications.signedUp(user);
        return Response.created(URI.create("/api/v1/me")).entity(toMe(user, null)).build();
    }

    @Override
    public Response login(LoginRequest request) {
        CurrentRequest.set(AuditLog.ACTOR_ATTRIBUTE, request.getEmail().trim().toLowerCase(Locale.ROOT));
        return noStore(toPair(auth.login(request.getEmail(), request.getPassword(), request.getTotpCode(), request.getRecoveryCode(), client())));
    }

    @Override
    public Response refresh(RefreshRequest request) {
        return noStore(toPair(auth.refresh(request.getRefreshToken(), client())));
    }

    @Override
    public Response logout(RefreshRequest request) {
        auth.logout(Access.caller(), request.getRefreshToken());
        return Response.noContent().build();
    }

    @Override
    public Response getMe() {
        Caller caller = Access.caller();
        UserDao.UserRow user = auth.findUser(caller.userId())
                .orElseThrow(() -> dev.berth.api.platform.Problems.INVALID_TOKEN.with("the account no longer exists"));
        return Response.ok(toMe(user, caller)).build();
    }

    /** The address and User-Agent of the current request, as a session records them. */
    static AuthService.Client client() {
        return new AuthService.Client(CurrentRequest.clientAddress(), CurrentRequest.get().getHeader("User-Agent"));
    }

    private Me toMe(UserDao.UserRow user, Caller caller) {
        Me me = new Me(user.id(), user.email(), user.tenantId(), user.tenantName(), dev.berth.api.generated.model.Role.fromValue(user.role()),
                user.platformAdmin());
        boolean verified = verifications.isVerified(user.id());
        me.setEmailVerified(verified);
        me.setEmailVerificationRequired(verifications.enabled() && !verified);
        TotpService.Status twoFactor = totp.status(user.id(), caller != null ? caller.platformAdmin() : user.platformAdmin());
        me.setTotpEnabled(twoFactor.enabled());
        me.setTotpEnrolmentRequired(twoFactor.required() && !twoFactor.enabled());
        me.setTokenScopes(caller != null && caller.viaToken()
                ? caller.scopes().stream().map(s -> TokenScope.fromValue(s.wireName())).sorted().toList() : null);
        return me;
    }

    private static TokenPair toPair(AuthService.Session session) {
        return new TokenPair(session.accessToken(), session.refreshToken(), (int) session.expiresInSeconds(),
                TokenPair.TokenTypeEnum.BEARER);
    }

    private static Response noStore(Object entity) {
        CacheControl cache = new CacheControl();
        cache.setNoStore(true);
        return Response.ok(entity).cacheControl(cache).build();
    }
}
