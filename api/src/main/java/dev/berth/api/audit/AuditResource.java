package dev.berth.api.audit;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.AuditList;
import dev.berth.api.generated.resources.AuditApi;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.Response;

/** The audit log: a tenant's entries for its owner and admins, every entry for platform admins. */
public final class AuditResource implements AuditApi {
    private final AuditLog auditLog;

    public AuditResource(AuditLog auditLog) {
        this.auditLog = auditLog;
    }

    @Override
    public Response listAudit(String cursor, Integer limit) {
        AuditLog.Page page = auditLog.list(Access.caller(), cursor, limit == null ? 50 : limit);
        AuditList list = new AuditList(page.items().stream().map(AuditResource::toDto).toList());
        list.setNextCursor(page.nextCursor());
        return Response.ok(list).build();
    }

    /** The API representation of an entry (also for the admins' filtered log). */
    public static dev.berth.api.generated.model.AuditEntry toDto(AuditEntry entry) {
        dev.berth.api.generated.model.AuditEntry dto = new dev.berth.api.generated.model.AuditEntry(entry.id(),
                Times.utc(entry.occurredAt()), dev.berth.api.generated.model.AuditEntry.ActorTypeEnum.fromValue(entry.actorType()),
                entry.action(), dev.berth.api.generated.model.AuditEntry.OutcomeEnum.fromValue(entry.outcome()));
        dto.setActorId(entry.actorId());
        dto.setActorLabel(entry.actorLabel());
        dto.setTenantId(entry.tenantId());
        dto.setTarget(entry.target());
        dto.setClientAddress(entry.clientAddress());
        dto.setStatus(entry.status());
        dto.setDetail(entry.detail());
        return dto;
    }
}
