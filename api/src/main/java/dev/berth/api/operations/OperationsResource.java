package dev.berth.api.operations;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.resources.OperationsApi;
import dev.berth.api.platform.Problems;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Long-running operations of the caller's tenant; platform admins read any tenant's (they act on any site). */
public final class OperationsResource implements OperationsApi {
    private final Jdbi jdbi;

    public OperationsResource(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Response getOperation(UUID operationId) {
        Caller caller = Access.caller();
        Operation operation = jdbi.withExtension(OperationDao.class, dao -> caller.platformAdmin()
                        ? dao.findInAnyTenant(operationId) : dao.find(caller.tenantId(), operationId))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no operation " + operationId));
        return Response.ok(OperationViews.toDto(operation)).build();
    }
}
