package dev.berth.api.events;

import dev.berth.api.caller.Caller;
import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.outbound.RepositoryUrlRefusedException;
import dev.berth.api.platform.Cursor;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * A tenant's webhook endpoints and their deliveries. Every method is scoped to the caller's tenant:
 * another tenant's endpoint or delivery answers 404 exactly like a missing one. Endpoint URLs pass
 * the {@link RepositoryUrlPolicy} (for {@link RepositoryUrlPolicy.Subject#WEBHOOK_ENDPOINT}) when
 * registered or changed, and again before every delivery attempt. Thread-safe.
 */
public final class WebhookService {
    private static final UUID NIL = new UUID(0, 0);
    private static final UUID MAX = new UUID(-1L, -1L);

    private final Jdbi jdbi;
    private final RepositoryUrlPolicy policy;
    private final Clock clock;
    private final int maxEndpointsPerTenant;
    private final Runnable nudgeWorker;

    public WebhookService(Jdbi jdbi, RepositoryUrlPolicy policy, Clock clock, int maxEndpointsPerTenant, Runnable nudgeWorker) {
        this.jdbi = jdbi;
        this.policy = policy;
        this.clock = clock;
        this.maxEndpointsPerTenant = maxEndpointsPerTenant;
        this.nudgeWorker = nudgeWorker;
    }

    /** An endpoint just created, with its secret (shown only in this answer). */
    public record Created(WebhookEndpoint endpoint) {
    }

    /** A page of endpoints or deliveries and the cursor of the next page, if any. */
    public record Page<T>(List<T> items, String nextCursor) {
    }

    /**
     * Registers an endpoint with a new secret.
     *
     * @throws ProblemException 400 naming the field (a refused URL says which rule), 422 when the
     *                          tenant has {@code maxEndpointsPerTenant} endpoints already
     */
    public WebhookEndpoint create(Caller caller, String url, String description, List<String> eventTypes) {
        checkUrl(url);
        String types = types(eventTypes);
        String text = description(description);
        Instant now = clock.instant();
        WebhookEndpoint endpoint = new WebhookEndpoint(UUID.randomUUID(), caller.tenantId(), url, text, types, WebhookSignature.newSecret(),
                true, 1, now, now);
        jdbi.useTransaction(handle -> {
            handle.createQuery("SELECT id FROM tenants WHERE id = :id FOR UPDATE").bind("id", caller.tenantId()).mapTo(UUID.class).findOne()
                    .orElseThrow(() -> Problems.NOT_FOUND.with("the tenant no longer exists"));
            EventDao dao = handle.attach(EventDao.class);
            if (dao.countEndpoints(caller.tenantId()) >= maxEndpointsPerTenant) {
                throw Problems.QUOTA_EXCEEDED.with("a tenant may have at most " + maxEndpointsPerTenant + " webhook endpoints");
            }
            dao.insertEndpoint(endpoint);
        });
        return endpoint;
    }

    public WebhookEndpoint get(Caller caller, UUID endpointId) {
        return jdbi.withExtension(EventDao.class, dao -> dao.findEndpoint(caller.tenantId(), endpointId))
                .orElseThrow(() -> notFound(endpointId));
    }

    /** One page of the tenant's endpoints, oldest first. */
    public Page<WebhookEndpoint> list(Caller caller, String cursor, int limit) {
        Cursor.TimeAndId after = Cursor.decodeTimeAndId(cursor, new Cursor.TimeAndId(Instant.EPOCH, NIL));
        List<WebhookEndpoint> fetched = jdbi.withExtension(EventDao.class,
                dao -> dao.listEndpoints(caller.tenantId(), after.time(), after.id(), limit + 1));
        if (fetched.size() <= limit) {
            return new Page<>(fetched, null);
        }
        List<WebhookEndpoint> items = fetched.subList(0, limit);
        WebhookEndpoint last = items.get(limit - 1);
        return new Page<>(items, Cursor.encode(last.createdAt(), last.id()));
    }

    /**
     * Replaces an endpoint's URL, description, event types and whether it is enabled (its secret
     * stays). With an expected version (from If-Match), a concurrent change answers 412.
     */
    public WebhookEndpoint update(Caller caller, UUID endpointId, String url, String description, List<String> eventTypes, boolean enabled,
                                  Long expectedVersion) {
        WebhookEndpoint current = get(caller, endpointId);
        checkUrl(url);
        String types = types(eventTypes);
        String text = description(description);
        long version = expectedVersion == null ? current.version() : expectedVersion;
        int changed = jdbi.withExtension(EventDao.class, dao -> dao.updateEndpoint(caller.tenantId(), endpointId, url, text, types, enabled,
                version, clock.instant()));
        if (changed == 0) {
            throw Problems.PRECONDITION_FAILED.with("the endpoint changed since you read it; read it again");
        }
        return get(caller, endpointId);
    }

    /** Removes an endpoint with its delivery history. */
    public void delete(Caller caller, UUID endpointId) {
        if (jdbi.withExtension(EventDao.class, dao -> dao.deleteEndpoint(caller.tenantId(), endpointId)) == 0) {
            throw notFound(endpointId);
        }
    }

    /** One page of an endpoint's deliveries, newest first. */
    public Page<WebhookDelivery> deliveries(Caller caller, UUID endpointId, String cursor, int limit) {
        get(caller, endpointId);
        Cursor.TimeAndId before = Cursor.decodeTimeAndId(cursor, new Cursor.TimeAndId(Instant.parse("9999-12-31T00:00:00Z"), MAX));
        List<WebhookDelivery> fetched = jdbi.withExtension(EventDao.class,
                dao -> dao.listDeliveries(caller.tenantId(), endpointId, before.time(), before.id(), limit + 1));
        if (fetched.size() <= limit) {
            return new Page<>(fetched, null);
        }
        List<WebhookDelivery> items = fetched.subList(0, limit);
        WebhookDelivery last = items.get(limit - 1);
        return new Page<>(items, Cursor.encode(last.createdAt(), last.id()));
    }

    public WebhookDelivery delivery(Caller caller, UUID endpointId, UUID deliveryId) {
        return jdbi.withExtension(EventDao.class, dao -> dao.findDelivery(caller.tenantId(), endpointId, deliveryId))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no delivery " + deliveryId + " of endpoint " + endpointId));
    }

    /**
     * Sends a delivery's event to its endpoint again, as a new delivery with the same
     * {@code webhook-id} (so the receiver can tell it is the same event) and a fresh 24-hour window.
     *
     * @throws ProblemException 409 while the delivery is still pending
     */
    public WebhookDelivery redeliver(Caller caller, UUID endpointId, UUID deliveryId) {
        get(caller, endpointId);
        WebhookDelivery original = delivery(caller, endpointId, deliveryId);
        if (WebhookDelivery.PENDING.equals(original.status())) {
            throw Problems.CONFLICT.with("the delivery is still pending; its next attempt is at " + original.nextAttemptAt());
        }
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        jdbi.useExtension(EventDao.class, dao -> dao.insertDelivery(id, endpointId, original.eventId(), caller.tenantId(),
                original.eventType(), now, now.plus(EventWorker.RETRY_WINDOW)));
        nudgeWorker.run();
        return delivery(caller, endpointId, id);
    }

    /** Sends a {@code webhook.test} event to this endpoint only. */
    public WebhookDelivery test(Caller caller, UUID endpointId) {
        WebhookEndpoint endpoint = get(caller, endpointId);
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            UUID eventId = Events.publish(handle, caller.tenantId(), EventType.WEBHOOK_TEST, now,
                    Map.of("endpointId", endpoint.id().toString(), "message", "This is a test event sent from Berth."));
            handle.attach(EventDao.class).insertDelivery(id, endpoint.id(), eventId, caller.tenantId(), EventType.WEBHOOK_TEST.wireName(), now,
                    now.plus(EventWorker.RETRY_WINDOW));
        });
        nudgeWorker.run();
        return delivery(caller, endpointId, id);
    }

    private void checkUrl(String url) {
        try {
            policy.check(url);
        } catch (RepositoryUrlRefusedException refused) {
            throw ProblemException.invalidField("url", refused.getMessage());
        }
    }

    /** The comma-separated wire names of a valid, non-empty list of subscribable types. */
    static String types(List<String> eventTypes) {
        if (eventTypes == null || eventTypes.isEmpty()) {
            throw ProblemException.invalidField("eventTypes", "name at least one event type");
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : eventTypes) {
            EventType type = EventType.fromWire(name).filter(EventType::subscribable)
                    .orElseThrow(() -> ProblemException.invalidField("eventTypes", "'" + printable(name) + "' is not an event type"));
            if (!names.add(type.wireName())) {
                throw ProblemException.invalidField("eventTypes", "'" + name + "' is named twice");
            }
        }
        return String.join(",", new ArrayList<>(names));
    }

    private static String description(String description) {
        String text = description == null ? "" : description;
        if (text.length() > 500) {
            throw ProblemException.invalidField("description", "must be at most 500 characters");
        }
        if (text.chars().anyMatch(c -> Character.isISOControl(c))) {
            throw ProblemException.invalidField("description", "must be one line without control characters");
        }
        return text;
    }

    private static String printable(String value) {
        String cut = value == null ? "null" : value.length() > 64 ? value.substring(0, 64) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static ProblemException notFound(UUID endpointId) {
        return Problems.NOT_FOUND.with("no webhook endpoint " + endpointId);
    }
}
