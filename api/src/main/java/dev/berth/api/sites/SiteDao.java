package dev.berth.api.sites;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Sites. Every tenant-facing query takes the tenant id, so no caller can reach another tenant's site. */
@RegisterRowMapper(SiteRowMapper.class)
public interface SiteDao {
    String COLUMNS = """
            s.id, s.tenant_id, t.name AS tenant_name, s.name, s.ipv4, s.ipv6, s.desired_state, s.observed_state,
            s.last_error, s.generation, s.observed_generation, s.delete_requested_at, s.created_at, s.updated_at, s.release_id,
            s.last_error_type, t.suspended_at AS tenant_suspended_at, s.protected_at, s.protection_username,
            s.protection_credentials, s.protection_path_prefix, s.protection_allowed, s.serve_spa, s.serve_clean_urls
            """;

    @SqlUpdate("""
            INSERT INTO sites (id, tenant_id, name, ipv4, ipv6, desired_state, observed_state, generation,
                               observed_generation, created_at, updated_at)
            VALUES (:id, :tenantId, :name, :ipv4, :ipv6, :desiredState, :observedState, :generation, 0, :createdAt, :updatedAt)
            """)
    void insert(@BindMethods Site site);

    String FIND_IN_TENANT = "SELECT " + COLUMNS + " FROM sites s JOIN tenants t ON t.id = s.tenant_id WHERE s.tenant_id = :tenantId AND s.name = :name";
    String LIST_OF_TENANT = "SELECT " + COLUMNS + """
            FROM sites s JOIN tenants t ON t.id = s.tenant_id
            WHERE s.tenant_id = :tenantId AND s.name > :afterName ORDER BY s.name LIMIT :limit
            """;
    RowMapper<Site> MAPPER = new SiteRowMapper();

    @SqlQuery(FIND_IN_TENANT)
    Optional<Site> find(@Bind("tenantId") UUID tenantId, @Bind("name") String name);

    @SqlQuery("SELECT " + COLUMNS + " FROM sites s JOIN tenants t ON t.id = s.tenant_id WHERE s.id = :id")
    Optional<Site> findById(@Bind("id") UUID id);

    @SqlQuery("SELECT COUNT(*) FROM sites WHERE name = :name")
    int countByName(@Bind("name") String name);

    @SqlQuery(LIST_OF_TENANT)
    List<Site> list(@Bind("tenantId") UUID tenantId, @Bind("afterName") String afterName, @Bind("limit") int limit);

    /*
     * The reads behind GET /sites and GET /sites/{name}, the API's hottest requests, as plain
     * statements on a handle (the same SQL as find and list). Attaching this interface builds a
     * handler, each with its own copy of Jdbi's configuration, for every one of its methods on
     * every attach: that cost more CPU and allocation than the query itself.
     */

    /** {@link #find} without attaching the interface. */
    static Optional<Site> find(Handle handle, UUID tenantId, String name) {
        return handle.createQuery(FIND_IN_TENANT).bind("tenantId", tenantId).bind("name", name).map(MAPPER).findOne();
    }

    /** {@link #list} without attaching the interface. */
    static List<Site> list(Handle handle, UUID tenantId, String afterName, int limit) {
        return handle.createQuery(LIST_OF_TENANT).bind("tenantId", tenantId).bind("afterName", afterName).bind("limit", limit)
                .map(MAPPER).list();
    }

    @SqlQuery("SELECT " + COLUMNS + """
            FROM sites s JOIN tenants t ON t.id = s.tenant_id
            WHERE s.name > :afterName ORDER BY s.name LIMIT :limit
            """)
    List<Site> listAll(@Bind("afterName") String afterName, @Bind("limit") int limit);

    @SqlQuery("SELECT " + COLUMNS + " FROM sites s JOIN tenants t ON t.id = s.tenant_id ORDER BY s.name")
    List<Site> all();

    @SqlQuery("SELECT id FROM sites WHERE tenant_id = :tenantId")
    List<UUID> idsOfTenant(@Bind("tenantId") UUID tenantId);

    @SqlQuery("SELECT COUNT(*) FROM sites WHERE tenant_id = :tenantId")
    int countSites(@Bind("tenantId") UUID tenantId);

    @SqlQuery("SELECT COUNT(*) FROM sites WHERE tenant_id = :tenantId AND desired_state = 'running' AND delete_requested_at IS NULL")
    int countRunning(@Bind("tenantId") UUID tenantId);

    /** Serialises address allocation across the whole platform. */
    @SqlQuery("SELECT allocations FROM address_pool WHERE id = 1 FOR UPDATE")
    long lockAddressPool();

    @SqlUpdate("UPDATE address_pool SET allocations = allocations + 1 WHERE id = 1")
    void countAllocation();

    /** Which node each site lives on (null: placed on none yet), and which it is leaving. */
    @SqlQuery("SELECT id, node_id, previous_node_id FROM sites")
    @RegisterConstructorMapper(Placed.class)
    List<Placed> placements();

    /** One site's placement, as {@link #placements()} has it. */
    @SqlQuery("SELECT id, node_id, previous_node_id FROM sites WHERE id = :id")
    @RegisterConstructorMapper(Placed.class)
    Optional<Placed> placement(@Bind("id") UUID id);

    @SqlUpdate("UPDATE sites SET node_id = :nodeId WHERE id = :id")
    void placeOn(@Bind("id") UUID id, @Bind("nodeId") UUID nodeId);

    /**
     * A site's node, and the node it is leaving while it moves off a draining node (null otherwise):
     * that node keeps serving it, untouched, until the new one does.
     */
    record Placed(UUID id, UUID nodeId, UUID previousNodeId) {
    }

    @SqlQuery("SELECT ipv4 FROM sites")
    List<String> usedIpv4();

    @SqlUpdate("""
            UPDATE sites SET desired_state = :desiredState, generation = generation + 1, updated_at = :now
            WHERE id = :id AND delete_requested_at IS NULL
            """)
    int setDesiredState(@Bind("id") UUID id, @Bind("desiredState") String desiredState, @Bind("now") Instant now);

    @SqlUpdate("""
            UPDATE sites SET delete_requested_at = :now, observed_state = 'deleting', generation = generation + 1, updated_at = :now
            WHERE id = :id AND delete_requested_at IS NULL
            """)
    int requestDelete(@Bind("id") UUID id, @Bind("now") Instant now);

    @SqlUpdate("""
            UPDATE sites SET observed_state = :observedState, observed_generation = :observedGeneration,
                   last_error = :lastError, last_error_type = :lastErrorType, observed_at = :now
            WHERE id = :id
            """)
    int recordObserved(@Bind("id") UUID id, @Bind("observedState") String observedState,
                       @Bind("observedGeneration") long observedGeneration, @Bind("lastError") String lastError,
                       @Bind("lastErrorType") String lastErrorType, @Bind("now") Instant now);

    /** Points the site at another release; the host switches its {@code current} link when it applies the new generation. */
    @SqlUpdate("""
            UPDATE sites SET release_id = :releaseId, generation = generation + 1, updated_at = :now
            WHERE id = :id AND delete_requested_at IS NULL
            """)
    int setRelease(@Bind("id") UUID id, @Bind("releaseId") String releaseId, @Bind("now") Instant now);

    @SqlQuery("SELECT generation FROM sites WHERE id = :id")
    long generation(@Bind("id") UUID id);

    @SqlQuery("SELECT " + COLUMNS + " FROM sites s JOIN tenants t ON t.id = s.tenant_id WHERE s.name = :name")
    Optional<Site> findByName(@Bind("name") String name);

    @SqlUpdate("DELETE FROM sites WHERE id = :id AND delete_requested_at IS NOT NULL")
    int deleteRow(@Bind("id") UUID id);
}
