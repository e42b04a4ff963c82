package dev.berth.api.operations;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.resources.OperationsApi;
import dev.berth.api.platform.Problems;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Long-running operations of the caller's tenant. */
@RolesAllowed(Caller.USER)
public final class OperationsResource implements OperationsApi {
    private final Jdbi jdbi;

    public OperationsResource(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Response getOperation(UUID operationId) {
        UUID tenantId = Access.caller().tenantId();
        Operation operation = jdbi.withExtension(OperationDao.class, dao -> dao.find(tenantId, operationId))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no operation " + operationId));
        return Response.ok(OperationViews.toDto(operation)).build();
    }
}
