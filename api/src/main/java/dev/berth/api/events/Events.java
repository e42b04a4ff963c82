package dev.berth.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The one port through which features publish what happened: {@link #publish} writes the event to
 * the {@code events} outbox on the caller's handle, so an event is recorded if and only if the
 * change it describes commits. The {@link EventWorker} fans it out to the tenant's webhook
 * endpoints and to the members who asked for e-mail, and delivers it. Publishing never calls out
 * of the process and never fails because an endpoint or a mail server is down.
 *
 * <p>The event row's foreign key makes PostgreSQL share-lock the tenant row. A transaction that
 * also changes a site or deploy row therefore locks the tenant first ({@code TenantDao.lock}), the
 * order every quota-counting change already takes; the other order deadlocks with a concurrent
 * start or create of the same tenant.
 */
public final class Events {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Events() {
    }

    /**
     * Records an event in the caller's transaction.
     *
     * @param data the event's {@code data} object (strings, numbers, booleans, nested maps; nulls are left out)
     * @return the event's id (the {@code webhook-id} of its deliveries)
     */
    public static UUID publish(Handle handle, UUID tenantId, EventType type, Instant at, Map<String, ?> data) {
        UUID id = UUID.randomUUID();
        Instant time = at.truncatedTo(ChronoUnit.MILLIS);
        handle.createUpdate("INSERT INTO events (id, tenant_id, type, payload, created_at) VALUES (:id, :tenantId, :type, :payload, :createdAt)")
                .bind("id", id).bind("tenantId", tenantId).bind("type", type.wireName()).bind("payload", payload(type, time, data))
                .bind("createdAt", time).execute();
        return id;
    }

    /**
     * What a watch (a feature that publishes events no table change shows, such as a certificate
     * nearing expiry) last recorded of a subject, in the caller's transaction; empty the first time.
     */
    public static java.util.Optional<String> watched(Handle handle, UUID subjectId, String watch) {
        return handle.attach(EventDao.class).watched(subjectId, watch);
    }

    /** Records what a watch saw of a subject of a tenant, in the caller's transaction. */
    public static void recordWatched(Handle handle, UUID subjectId, String watch, UUID tenantId, String observed, Instant now) {
        EventDao dao = handle.attach(EventDao.class);
        if (dao.updateWatched(subjectId, watch, observed, now) == 0) {
            dao.insertWatched(subjectId, watch, tenantId, observed, now);
        }
    }

    /** The Standard Webhooks payload: {@code {"type": ..., "timestamp": ..., "data": {...}}}. */
    static String payload(EventType type, Instant at, Map<String, ?> data) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", type.wireName());
        root.put("timestamp", at.toString());
        ObjectNode body = JSON.valueToTree(withoutNulls(data));
        root.set("data", body);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static Map<String, Object> withoutNulls(Map<String, ?> data) {
        Map<String, Object> copy = new java.util.LinkedHashMap<>();
        data.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, ?> inner = (Map<String, ?>) nested;
                copy.put(key, withoutNulls(inner));
            } else if (value != null) {
                copy.put(key, value instanceof Instant instant ? instant.toString() : value);
            }
        });
        return copy;
    }
}
