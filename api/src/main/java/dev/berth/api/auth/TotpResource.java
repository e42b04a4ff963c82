package dev.berth.api.auth;

import dev.berth.api.audit.AuditLog;
import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.RecoveryCodes;
import dev.berth.api.generated.model.TotpConfirmation;
import dev.berth.api.generated.model.TotpEnrolment;
import dev.berth.api.generated.model.TotpProof;
import dev.berth.api.generated.model.TotpStatus;
import dev.berth.api.generated.resources.TwoFactorApi;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** The caller's two-factor sign-in: {@code /me/totp}. Secrets and recovery codes are answered with {@code no-store}. */
public final class TotpResource implements TwoFactorApi {
    private final TotpService totp;
    private final AuthService auth;

    public TotpResource(TotpService totp, AuthService auth) {
        this.totp = totp;
        this.auth = auth;
    }

    @Override
    public Response getTotp() {
        Caller caller = Access.caller();
        TotpService.Status status = totp.status(caller.userId(), caller.platformAdmin());
        TotpStatus dto = new TotpStatus(status.enabled(), status.enrolmentPending(), status.recoveryCodesLeft(), status.required());
        dto.setEnabledAt(status.enabledAt() == null ? null : Times.utc(status.enabledAt()));
        return Response.ok(dto).build();
    }

    @Override
    public Response startTotpEnrolment() {
        Caller caller = audited();
        TotpService.Enrolment enrolment = totp.startEnrolment(caller);
        return noStore(new TotpEnrolment(enrolment.secret(), enrolment.keyUri(), TotpEnrolment.AlgorithmEnum.SHA1,
                TotpCodes.DIGITS, (int) TotpCodes.STEP.toSeconds()));
    }

    @Override
    public Response confirmTotp(TotpConfirmation request) {
        TotpService.Confirmed confirmed = totp.confirm(audited(), request.getCode());
        auth.sessionsRevoked(confirmed.endedSessions());
        return noStore(new RecoveryCodes(confirmed.recoveryCodes()));
    }

    @Override
    public Response disableTotp(TotpProof request) {
        totp.disable(audited(), proof(request));
        return Response.noContent().build();
    }

    @Override
    public Response regenerateRecoveryCodes(TotpProof request) {
        List<String> codes = totp.regenerateRecoveryCodes(audited(), proof(request));
        return noStore(new RecoveryCodes(codes));
    }

    private static Caller audited() {
        Caller caller = Access.caller();
        CurrentRequest.set(AuditLog.TARGET_ATTRIBUTE, caller.email());
        return caller;
    }

    private static TotpService.Proof proof(TotpProof request) {
        return new TotpService.Proof(request.getPassword(), request.getTotpCode(), request.getRecoveryCode());
    }

    private static Response noStore(Object entity) {
        CacheControl cache = new CacheControl();
        cache.setNoStore(true);
        return Response.ok(entity).cacheControl(cache).build();
    }
}
