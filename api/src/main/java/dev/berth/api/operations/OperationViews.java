package dev.berth.api.operations;

import dev.berth.api.hosts.HostFault;
import dev.berth.api.platform.Times;

/** An operation as the API answers it. */
public final class OperationViews {
    private OperationViews() {
    }

    /** The wire form of an operation; a host failure's slug becomes its stable problem type. */
    public static dev.berth.api.generated.model.Operation toDto(Operation operation) {
        dev.berth.api.generated.model.Operation dto = new dev.berth.api.generated.model.Operation(operation.id(),
                dev.berth.api.generated.model.Operation.KindEnum.fromValue(operation.kind()),
                dev.berth.api.generated.model.Operation.StatusEnum.fromValue(operation.status()),
                Times.utc(operation.createdAt()), Times.utc(operation.updatedAt()));
        dto.setTarget(operation.target());
        dto.setError(operation.error());
        dto.setErrorType(operation.errorType() == null ? null : HostFault.fromSlug(operation.errorType()).type());
        return dto;
    }
}
