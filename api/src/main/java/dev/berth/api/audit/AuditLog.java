package dev.berth.api.audit;

import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Cursor;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Writes and reads the audit log. Owners read their tenant's entries; platform admins read all. Thread-safe. */
public final class AuditLog {
    /** Request attribute through which an endpoint names the tenant when there is no caller yet (signup). */
    public static final String TENANT_ATTRIBUTE = "berth.audit.tenant";
    /** Request attribute through which an endpoint names the target when the path does not (signup). */
    public static final String TARGET_ATTRIBUTE = "berth.audit.target";
    /** Request attribute through which an endpoint names the actor when there is no caller (login). */
    public static final String ACTOR_ATTRIBUTE = "berth.audit.actor";
    private static final UUID MAX_UUID = new UUID(-1L, -1L);

    private final Jdbi jdbi;

    public AuditLog(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void record(AuditEntry entry) {
        jdbi.useExtension(AuditDao.class, dao -> dao.insert(entry));
    }

    /** One page, newest first. */
    public Page list(Caller caller, String cursor, int limit) {
        Cursor.TimeAndId before = Cursor.decodeTimeAndId(cursor, new Cursor.TimeAndId(Instant.parse("9999-12-31T00:00:00Z"), MAX_UUID));
        Instant time = before.time();
        UUID id = before.id();
        List<AuditEntry> fetched = jdbi.withExtension(AuditDao.class, dao -> caller.platformAdmin()
                ? dao.listAll(time, id, limit + 1)
                : dao.listForTenant(caller.tenantId(), time, id, limit + 1));
        if (fetched.size() <= limit) {
            return new Page(fetched, null);
        }
        List<AuditEntry> items = fetched.subList(0, limit);
        AuditEntry last = items.get(limit - 1);
        return new Page(items, Cursor.encode(last.occurredAt(), last.id()));
    }

    /** A page of entries and the cursor of the next page, if any. */
    public record Page(List<AuditEntry> items, String nextCursor) {
    }
}
