package dev.berth.api.nodes;

import dev.berth.api.generated.model.NodeJoinRequest;
import dev.berth.api.generated.resources.NodesApi;
import jakarta.ws.rs.core.Response;

/** Where a new node joins: public, the one-time token in the body is the authority. */
public final class NodeJoinResource implements NodesApi {
    private final NodeService nodes;

    public NodeJoinResource(NodeService nodes) {
        this.nodes = nodes;
    }

    @Override
    public Response joinNode(NodeJoinRequest request) {
        Node node = nodes.join(request.getToken(), new NodeService.JoinRequest(request.getName(), request.getUrl(),
                request.getPublicIpv4(), request.getPublicIpv6(), request.getCapacitySites()));
        return Response.status(Response.Status.CREATED).entity(AdminNodesResource.toDto(node)).build();
    }
}
