package dev.berth.api.team;

import dev.berth.api.audit.AuditLog;
import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.AcceptInvitationRequest;
import dev.berth.api.generated.model.AcceptedInvitation;
import dev.berth.api.generated.model.CreateInvitationRequest;
import dev.berth.api.generated.model.Invitation;
import dev.berth.api.generated.model.InvitationList;
import dev.berth.api.generated.model.Role;
import dev.berth.api.generated.resources.InvitationsApi;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.UUID;

/** Invitations to the caller's team, and accepting one (public: the mailed token is the credential). */
public final class InvitationsResource implements InvitationsApi {
    private final InvitationService invitations;

    public InvitationsResource(InvitationService invitations) {
        this.invitations = invitations;
    }

    @Override
    public Response listInvitations() {
        return Response.ok(new InvitationList(invitations.open(Access.caller().tenantId()).stream()
                .map(InvitationsResource::toDto).toList())).build();
    }

    @Override
    public Response createInvitation(CreateInvitationRequest request) {
        InvitationDao.InvitationRow created = invitations.invite(Access.caller(), request.getEmail(),
                Caller.Role.fromWire(request.getRole().toString()));
        return Response.created(URI.create("tenant/invitations/" + created.id())).entity(toDto(created)).build();
    }

    @Override
    public Response revokeInvitation(UUID invitationId) {
        invitations.revoke(Access.caller(), invitationId);
        return Response.noContent().build();
    }

    @Override
    public Response resendInvitation(UUID invitationId) {
        InvitationDao.InvitationRow resent = invitations.resend(Access.caller(), invitationId);
        return Response.created(URI.create("tenant/invitations/" + resent.id())).entity(toDto(resent)).build();
    }

    @Override
    public Response acceptInvitation(String token, AcceptInvitationRequest request) {
        InvitationService.Accepted accepted = invitations.accept(token, request.getPassword());
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, accepted.tenantId());
        CurrentRequest.set(AuditLog.ACTOR_ATTRIBUTE, accepted.email());
        return Response.status(Response.Status.CREATED)
                .entity(new AcceptedInvitation(accepted.email(), accepted.tenantName(), Role.fromValue(accepted.role()))).build();
    }

    /** The API representation of an invitation (also of a new tenant's owner invitation). */
    public static Invitation toDto(InvitationDao.InvitationRow row) {
        Invitation dto = new Invitation(row.id(), row.email(), Role.fromValue(row.role()), Times.utc(row.createdAt()),
                Times.utc(row.expiresAt()));
        dto.setInvitedBy(row.invitedBy());
        return dto;
    }
}
