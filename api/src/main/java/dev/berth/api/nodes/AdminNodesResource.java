package dev.berth.api.nodes;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.NodeJoinToken;
import dev.berth.api.generated.model.NodeJoinTokenRequest;
import dev.berth.api.generated.model.NodeList;
import dev.berth.api.generated.resources.AdminNodesApi;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;
import java.time.Duration;

/** The node registry for platform admins: list, join tokens, cordon, drain, uncordon, remove. */
public final class AdminNodesResource implements AdminNodesApi {
    private final NodeService nodes;

    public AdminNodesResource(NodeService nodes) {
        this.nodes = nodes;
    }

    @Override
    public Response adminListNodes() {
        return Response.ok(new NodeList(nodes.list().stream().map(AdminNodesResource::toDto).toList())).build();
    }

    @Override
    public Response adminCreateNodeJoinToken(NodeJoinTokenRequest request) {
        int minutes = request == null || request.getValidMinutes() == null ? 60 : request.getValidMinutes();
        NodeService.JoinToken token = nodes.createJoinToken(Access.caller().userId(), Duration.ofMinutes(minutes));
        return Response.status(Response.Status.CREATED).entity(new NodeJoinToken(token.token(), Times.utc(token.expiresAt()))).build();
    }

    @Override
    public Response adminRemoveNode(String nodeName) {
        nodes.remove(nodeName);
        return Response.noContent().build();
    }

    @Override
    public Response adminCordonNode(String nodeName) {
        return Response.ok(toDto(nodes.cordon(nodeName))).build();
    }

    @Override
    public Response adminDrainNode(String nodeName) {
        return Response.ok(toDto(nodes.drain(nodeName))).build();
    }

    @Override
    public Response adminUncordonNode(String nodeName) {
        return Response.ok(toDto(nodes.uncordon(nodeName))).build();
    }

    static dev.berth.api.generated.model.Node toDto(Node node) {
        return new dev.berth.api.generated.model.Node(node.name(), node.url(),
                dev.berth.api.generated.model.Node.StateEnum.fromValue(node.state()), node.capacitySites(), node.sites(),
                Times.utc(node.createdAt()))
                .publicIpv4(node.publicIpv4())
                .publicIpv6(node.publicIpv6())
                .lastSeenAt(node.lastSeenAt() == null ? null : Times.utc(node.lastSeenAt()))
                .lastError(node.lastError());
    }
}
