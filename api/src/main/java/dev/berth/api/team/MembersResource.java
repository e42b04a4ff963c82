package dev.berth.api.team;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.Member;
import dev.berth.api.generated.model.MemberList;
import dev.berth.api.generated.model.Role;
import dev.berth.api.generated.model.UpdateMemberRequest;
import dev.berth.api.generated.resources.MembersApi;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/** The caller's team: members and roles, removing and leaving, transferring ownership. */
public final class MembersResource implements MembersApi {
    private final TeamService team;

    public MembersResource(TeamService team) {
        this.team = team;
    }

    @Override
    public Response listMembers() {
        return Response.ok(toDto(team.members(Access.caller().tenantId()))).build();
    }

    @Override
    public Response updateMember(UUID userId, UpdateMemberRequest request) {
        Caller.Role role = Caller.Role.fromWire(request.getRole().toString());
        return Response.ok(toDto(team.changeRole(Access.caller(), userId, role))).build();
    }

    @Override
    public Response removeMember(UUID userId) {
        team.remove(Access.caller(), userId);
        return Response.noContent().build();
    }

    @Override
    public Response transferOwnership(UUID userId) {
        return Response.ok(toDto(team.transferOwnership(Access.caller(), userId))).build();
    }

    @Override
    public Response leaveTenant() {
        team.leave(Access.caller());
        return Response.noContent().build();
    }

    private static MemberList toDto(List<MemberDao.MemberRow> members) {
        return new MemberList(members.stream().map(MembersResource::toDto).toList());
    }

    private static Member toDto(MemberDao.MemberRow member) {
        return new Member(member.id(), member.email(), Role.fromValue(member.role()), Times.utc(member.createdAt()));
    }
}
