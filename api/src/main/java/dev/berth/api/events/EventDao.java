package dev.berth.api.events;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Events, webhook endpoints, deliveries and notification preferences. Tenant-facing queries all take the tenant id. */
@RegisterConstructorMapper(WebhookEndpoint.class)
@RegisterConstructorMapper(WebhookDelivery.class)
@RegisterConstructorMapper(EventDao.StoredEvent.class)
@RegisterConstructorMapper(EventDao.Recipient.class)
interface EventDao {
    String ENDPOINT_COLUMNS = "id, tenant_id, url, description, event_types, secret, enabled, version, created_at, updated_at";
    String DELIVERY_COLUMNS = """
            id, endpoint_id, event_id, tenant_id, event_type, status, attempts, next_attempt_at, give_up_at, last_attempt_at,
            response_status, response_excerpt, last_error, created_at, delivered_at""";

    /** An event as recorded by {@link Events#publish}. */
    record StoredEvent(UUID id, UUID tenantId, String type, String payload, Instant createdAt) {
    }

    /** Someone to e-mail about an event. */
    record Recipient(UUID userId, String email) {
    }

    // --- the outbox ---

    @SqlQuery("""
            SELECT id, tenant_id, type, payload, created_at FROM events WHERE dispatched_at IS NULL
            ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED
            """)
    List<StoredEvent> lockUndispatched(@Bind("limit") int limit);

    @SqlUpdate("UPDATE events SET dispatched_at = :now WHERE id = :id")
    int markDispatched(@Bind("id") UUID id, @Bind("now") Instant now);

    @SqlQuery("SELECT id, tenant_id, type, payload, created_at FROM events WHERE id = :id")
    Optional<StoredEvent> findEvent(@Bind("id") UUID id);

    @SqlQuery("SELECT name FROM tenants WHERE id = :id")
    Optional<String> tenantName(@Bind("id") UUID tenantId);

    // --- endpoints ---

    @SqlUpdate("""
            INSERT INTO webhook_endpoints (id, tenant_id, url, description, event_types, secret, enabled, version, created_at, updated_at)
            VALUES (:id, :tenantId, :url, :description, :eventTypes, :secret, :enabled, :version, :createdAt, :updatedAt)
            """)
    void insertEndpoint(@BindMethods WebhookEndpoint endpoint);

    @SqlQuery("SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints WHERE tenant_id = :tenantId AND id = :id")
    Optional<WebhookEndpoint> findEndpoint(@Bind("tenantId") UUID tenantId, @Bind("id") UUID id);

    @SqlQuery("SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints WHERE id = :id")
    Optional<WebhookEndpoint> endpointById(@Bind("id") UUID id);

    @SqlQuery("SELECT " + ENDPOINT_COLUMNS + """
             FROM webhook_endpoints
            WHERE tenant_id = :tenantId AND (created_at > :afterTime OR (created_at = :afterTime AND id > :afterId))
            ORDER BY created_at, id LIMIT :limit
            """)
    List<WebhookEndpoint> listEndpoints(@Bind("tenantId") UUID tenantId, @Bind("afterTime") Instant afterTime, @Bind("afterId") UUID afterId,
                                        @Bind("limit") int limit);

    @SqlQuery("SELECT COUNT(*) FROM webhook_endpoints WHERE tenant_id = :tenantId")
    int countEndpoints(@Bind("tenantId") UUID tenantId);

    /** The enabled endpoints of a tenant, for fan-out (filtered by type in Java: the list is short). */
    @SqlQuery("SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints WHERE tenant_id = :tenantId AND enabled = TRUE")
    List<WebhookEndpoint> enabledEndpoints(@Bind("tenantId") UUID tenantId);

    @SqlUpdate("""
            UPDATE webhook_endpoints SET url = :url, description = :description, event_types = :eventTypes, enabled = :enabled,
                   version = version + 1, updated_at = :now
            WHERE tenant_id = :tenantId AND id = :id AND version = :expectedVersion
            """)
    int updateEndpoint(@Bind("tenantId") UUID tenantId, @Bind("id") UUID id, @Bind("url") String url, @Bind("description") String description,
                       @Bind("eventTypes") String eventTypes, @Bind("enabled") boolean enabled, @Bind("expectedVersion") long expectedVersion,
                       @Bind("now") Instant now);

    @SqlUpdate("DELETE FROM webhook_endpoints WHERE tenant_id = :tenantId AND id = :id")
    int deleteEndpoint(@Bind("tenantId") UUID tenantId, @Bind("id") UUID id);

    // --- deliveries ---

    @SqlUpdate("""
            INSERT INTO event_deliveries (id, endpoint_id, event_id, tenant_id, event_type, status, attempts, next_attempt_at, give_up_at,
                                          created_at)
            VALUES (:id, :endpointId, :eventId, :tenantId, :eventType, 'pending', 0, :now, :giveUpAt, :now)
            """)
    void insertDelivery(@Bind("id") UUID id, @Bind("endpointId") UUID endpointId, @Bind("eventId") UUID eventId,
                        @Bind("tenantId") UUID tenantId, @Bind("eventType") String eventType, @Bind("now") Instant now,
                        @Bind("giveUpAt") Instant giveUpAt);

    @SqlQuery("""
            SELECT id FROM event_deliveries WHERE status = 'pending' AND next_attempt_at <= :now
            ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED
            """)
    List<UUID> lockDueDeliveries(@Bind("now") Instant now, @Bind("limit") int limit);

    /** Counts the attempt and leases the rows until {@code leaseUntil}. */
    @SqlUpdate("""
            UPDATE event_deliveries SET attempts = attempts + 1, next_attempt_at = :leaseUntil, last_attempt_at = :now
            WHERE id IN (<ids>)
            """)
    int leaseDeliveries(@BindList("ids") List<UUID> ids, @Bind("now") Instant now, @Bind("leaseUntil") Instant leaseUntil);

    @SqlQuery("SELECT " + DELIVERY_COLUMNS + " FROM event_deliveries WHERE id IN (<ids>)")
    List<WebhookDelivery> deliveries(@BindList("ids") List<UUID> ids);

    @SqlQuery("SELECT " + DELIVERY_COLUMNS + " FROM event_deliveries WHERE tenant_id = :tenantId AND endpoint_id = :endpointId AND id = :id")
    Optional<WebhookDelivery> findDelivery(@Bind("tenantId") UUID tenantId, @Bind("endpointId") UUID endpointId, @Bind("id") UUID id);

    @SqlQuery("SELECT " + DELIVERY_COLUMNS + """
             FROM event_deliveries
            WHERE tenant_id = :tenantId AND endpoint_id = :endpointId
              AND (created_at < :beforeTime OR (created_at = :beforeTime AND id < :beforeId))
            ORDER BY created_at DESC, id DESC LIMIT :limit
            """)
    List<WebhookDelivery> listDeliveries(@Bind("tenantId") UUID tenantId, @Bind("endpointId") UUID endpointId,
                                         @Bind("beforeTime") Instant beforeTime, @Bind("beforeId") UUID beforeId, @Bind("limit") int limit);

    @SqlUpdate("""
            UPDATE event_deliveries SET status = :status, next_attempt_at = :nextAttemptAt, response_status = :responseStatus,
                   response_excerpt = :excerpt, last_error = :error, delivered_at = :deliveredAt
            WHERE id = :id
            """)
    int recordAttempt(@Bind("id") UUID id, @Bind("status") String status, @Bind("nextAttemptAt") Instant nextAttemptAt,
                      @Bind("responseStatus") Integer responseStatus, @Bind("excerpt") String excerpt, @Bind("error") String error,
                      @Bind("deliveredAt") Instant deliveredAt);

    // --- notification preferences ---

    @SqlQuery("SELECT event_type FROM notification_preferences WHERE user_id = :userId AND tenant_id = :tenantId ORDER BY event_type")
    List<String> preferences(@Bind("userId") UUID userId, @Bind("tenantId") UUID tenantId);

    @SqlUpdate("DELETE FROM notification_preferences WHERE user_id = :userId AND tenant_id = :tenantId")
    int clearPreferences(@Bind("userId") UUID userId, @Bind("tenantId") UUID tenantId);

    @SqlUpdate("INSERT INTO notification_preferences (user_id, tenant_id, event_type) VALUES (:userId, :tenantId, :eventType)")
    void addPreference(@Bind("userId") UUID userId, @Bind("tenantId") UUID tenantId, @Bind("eventType") String eventType);

    @SqlQuery("""
            SELECT u.id AS user_id, u.email FROM notification_preferences p JOIN users u ON u.id = p.user_id
            WHERE p.tenant_id = :tenantId AND p.event_type = :eventType AND u.disabled_at IS NULL ORDER BY u.email
            """)
    List<Recipient> recipients(@Bind("tenantId") UUID tenantId, @Bind("eventType") String eventType);

    // --- what the watchers saw ---

    @SqlQuery("SELECT observed FROM event_watch WHERE subject_id = :subjectId AND watch = :watch")
    Optional<String> watched(@Bind("subjectId") UUID subjectId, @Bind("watch") String watch);

    @SqlUpdate("UPDATE event_watch SET observed = :observed, updated_at = :now WHERE subject_id = :subjectId AND watch = :watch")
    int updateWatched(@Bind("subjectId") UUID subjectId, @Bind("watch") String watch, @Bind("observed") String observed, @Bind("now") Instant now);

    @SqlUpdate("""
            INSERT INTO event_watch (subject_id, watch, tenant_id, observed, updated_at) VALUES (:subjectId, :watch, :tenantId, :observed, :now)
            """)
    void insertWatched(@Bind("subjectId") UUID subjectId, @Bind("watch") String watch, @Bind("tenantId") UUID tenantId,
                       @Bind("observed") String observed, @Bind("now") Instant now);

    @SqlUpdate("DELETE FROM event_watch WHERE subject_id = :subjectId")
    int forgetWatched(@Bind("subjectId") UUID subjectId);
}
