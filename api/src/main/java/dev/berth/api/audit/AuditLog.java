package dev.berth.api.audit;

import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Cursor;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Writes and reads the audit log. Owners read their tenant's entries; platform admins read all. Thread-safe. */
public final class AuditLog {
    /**
     * Request attribute through which an endpoint names the tenant of its entry: when there is no
     * caller yet (signup), or when a platform admin acts on another tenant's object.
     */
    public static final String TENANT_ATTRIBUTE = "berth.audit.tenant";
    /** Request attribute through which an endpoint names the target when the path does not (signup). */
    public static final String TARGET_ATTRIBUTE = "berth.audit.target";
    /** Request attribute through which an endpoint names the actor when there is no caller (login). */
    public static final String ACTOR_ATTRIBUTE = "berth.audit.actor";
    /**
     * Request attribute through which an endpoint keeps what the call said that its target will not
     * keep (the reason for a suspension, which unsuspending clears); at most 500 characters are kept.
     */
    public static final String DETAIL_ATTRIBUTE = "berth.audit.detail";
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

    /**
     * One page of the platform-wide log, newest first, of the entries matching every set field of
     * {@code filter}. The cursor carries the last entry's time and id; pass the same filter with it.
     */
    public Page search(Filter filter, String cursor, int limit) {
        Cursor.TimeAndId before = Cursor.decodeTimeAndId(cursor, new Cursor.TimeAndId(Instant.parse("9999-12-31T00:00:00Z"), MAX_UUID));
        StringBuilder sql = new StringBuilder("""
                SELECT id, occurred_at, actor_type, actor_id, actor_label, tenant_id, action, target, client_address, outcome, status, detail
                FROM audit_log
                WHERE (occurred_at < :beforeTime OR (occurred_at = :beforeTime AND id < :beforeId))
                """);
        if (filter.tenantId() != null) {
            sql.append(" AND tenant_id = :tenantId");
        }
        if (filter.actorId() != null) {
            sql.append(" AND actor_id = :actorId");
        }
        if (filter.action() != null) {
            sql.append(" AND action = :action");
        }
        if (filter.since() != null) {
            sql.append(" AND occurred_at >= :since");
        }
        if (filter.until() != null) {
            sql.append(" AND occurred_at < :until");
        }
        sql.append(" ORDER BY occurred_at DESC, id DESC LIMIT :limit");
        List<AuditEntry> fetched = jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql.toString())
                    .bind("beforeTime", before.time()).bind("beforeId", before.id()).bind("limit", limit + 1);
            if (filter.tenantId() != null) {
                query.bind("tenantId", filter.tenantId());
            }
            if (filter.actorId() != null) {
                query.bind("actorId", filter.actorId());
            }
            if (filter.action() != null) {
                query.bind("action", filter.action());
            }
            if (filter.since() != null) {
                query.bind("since", filter.since());
            }
            if (filter.until() != null) {
                query.bind("until", filter.until());
            }
            return query.map(ConstructorMapper.of(AuditEntry.class)).list();
        });
        if (fetched.size() <= limit) {
            return new Page(fetched, null);
        }
        List<AuditEntry> items = fetched.subList(0, limit);
        AuditEntry last = items.get(limit - 1);
        return new Page(items, Cursor.encode(last.occurredAt(), last.id()));
    }

    /**
     * What {@link #search} keeps; null fields match everything.
     *
     * @param actorId a user id, or a token id for calls made with a personal access token
     * @param since   inclusive
     * @param until   exclusive; after {@code since}
     */
    public record Filter(UUID tenantId, String actorId, String action, Instant since, Instant until) {
        public Filter {
            if (since != null && until != null && !until.isAfter(since)) {
                throw new IllegalArgumentException("until must be after since");
            }
        }
    }

    /** A page of entries and the cursor of the next page, if any. */
    public record Page(List<AuditEntry> items, String nextCursor) {
    }
}
