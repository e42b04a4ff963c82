package dev.berth.api.auth;

import dev.berth.api.audit.AuditLog;
import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.ChangePasswordRequest;
import dev.berth.api.generated.model.EmailVerificationConfirmation;
import dev.berth.api.generated.model.LoginSession;
import dev.berth.api.generated.model.PasswordResetConfirmation;
import dev.berth.api.generated.model.PasswordResetRequest;
import dev.berth.api.generated.model.SessionList;
import dev.berth.api.generated.resources.AccountApi;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/** The caller's password and login sessions, password reset and address confirmation by e-mail. */
public final class AccountResource implements AccountApi {
    private final AccountService accounts;
    private final PasswordResets resets;
    private final EmailVerifications verifications;

    public AccountResource(AccountService accounts, PasswordResets resets, EmailVerifications verifications) {
        this.accounts = accounts;
        this.resets = resets;
        this.verifications = verifications;
    }

    @Override
    public Response resendEmailVerification() {
        verifications.resend(Access.caller());
        return Response.accepted().build();
    }

    @Override
    public Response confirmEmailVerification(EmailVerificationConfirmation request) {
        UserDao.UserRow user = verifications.confirm(request.getToken());
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, user.tenantId());
        CurrentRequest.set(AuditLog.ACTOR_ATTRIBUTE, user.email());
        CurrentRequest.set(AuditLog.TARGET_ATTRIBUTE, user.email());
        return Response.noContent().build();
    }

    @Override
    public Response requestPasswordReset(PasswordResetRequest request) {
        String email = resets.request(request.getEmail(), CurrentRequest.clientAddress());
        // The address asked about, whether or not it has an account; no tenant is named, so only platform admins read it.
        CurrentRequest.set(AuditLog.ACTOR_ATTRIBUTE, email);
        return Response.accepted().build();
    }

    @Override
    public Response confirmPasswordReset(PasswordResetConfirmation request) {
        UserDao.UserRow user = resets.confirm(request.getToken(), request.getNewPassword());
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, user.tenantId());
        CurrentRequest.set(AuditLog.ACTOR_ATTRIBUTE, user.email());
        CurrentRequest.set(AuditLog.TARGET_ATTRIBUTE, user.email());
        return Response.noContent().build();
    }

    @Override
    public Response changePassword(ChangePasswordRequest request) {
        Caller caller = Access.caller();
        CurrentRequest.set(AuditLog.TARGET_ATTRIBUTE, caller.email());
        accounts.changePassword(caller, request.getCurrentPassword(), request.getNewPassword());
        return Response.noContent().build();
    }

    @Override
    public Response listSessions() {
        Caller caller = Access.caller();
        List<LoginSession> items = accounts.sessions(caller).stream().map(row -> toDto(row, caller)).toList();
        return Response.ok(new SessionList(items)).build();
    }

    @Override
    public Response endSession(UUID sessionId) {
        accounts.endSession(Access.caller(), sessionId);
        return Response.noContent().build();
    }

    private static LoginSession toDto(UserDao.SessionRow row, Caller caller) {
        LoginSession dto = new LoginSession(row.familyId(), Times.utc(row.sessionStartedAt()), Times.utc(row.lastUsedAt()),
                Times.utc(row.expiresAt()), row.familyId().equals(caller.sessionId()));
        dto.setUserAgent(row.userAgent());
        dto.setClientAddress(row.clientAddress());
        return dto;
    }
}
