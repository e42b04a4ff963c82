package dev.berth.api.nodes;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The node registry, its join tokens, and which node each site lives on. */
@RegisterConstructorMapper(Node.class)
@RegisterConstructorMapper(NodeDao.Candidate.class)
public interface NodeDao {
    String COLUMNS = """
            n.id, n.name, n.url, n.public_ipv4, n.public_ipv6, n.capacity_sites, n.state, n.last_seen_at, n.last_error,
            n.created_at, (SELECT COUNT(*) FROM sites s WHERE s.node_id = n.id OR s.previous_node_id = n.id) AS sites
            """;

    /** A ready node placement may choose, with this tenant's sites on it. */
    record Candidate(UUID id, String name, int capacitySites, int sites, int tenantSites) {
    }

    @SqlUpdate("""
            INSERT INTO nodes (id, name, url, public_ipv4, public_ipv6, capacity_sites, state, created_at)
            VALUES (:id, :name, :url, :publicIpv4, :publicIpv6, :capacitySites, 'ready', :now)
            """)
    void insert(@Bind("id") UUID id, @Bind("name") String name, @Bind("url") String url, @Bind("publicIpv4") String publicIpv4,
                @Bind("publicIpv6") String publicIpv6, @Bind("capacitySites") int capacitySites, @Bind("now") Instant now);

    /** The configured node's settings as this API process was started with them (the name stays). */
    @SqlUpdate("""
            UPDATE nodes SET url = :url, public_ipv4 = :publicIpv4, public_ipv6 = :publicIpv6, capacity_sites = :capacitySites
            WHERE id = :id
            """)
    void update(@Bind("id") UUID id, @Bind("url") String url, @Bind("publicIpv4") String publicIpv4,
                @Bind("publicIpv6") String publicIpv6, @Bind("capacitySites") int capacitySites);

    @SqlQuery("SELECT " + COLUMNS + " FROM nodes n ORDER BY n.name")
    List<Node> all();

    @SqlQuery("SELECT " + COLUMNS + " FROM nodes n WHERE n.name = :name")
    Optional<Node> findByName(@Bind("name") String name);

    @SqlQuery("SELECT " + COLUMNS + " FROM nodes n WHERE n.id = :id")
    Optional<Node> findById(@Bind("id") UUID id);

    @SqlQuery("SELECT " + COLUMNS + " FROM sites s2 JOIN nodes n ON n.id = s2.node_id WHERE s2.id = :siteId")
    Optional<Node> findBySite(@Bind("siteId") UUID siteId);

    /** Serialises changes of one node's state against each other and against its removal. */
    @SqlQuery("SELECT id FROM nodes WHERE name = :name FOR UPDATE")
    Optional<UUID> lockByName(@Bind("name") String name);

    @SqlUpdate("UPDATE nodes SET state = :state WHERE id = :id")
    void setState(@Bind("id") UUID id, @Bind("state") String state);

    @SqlUpdate("UPDATE nodes SET last_seen_at = :now, last_error = NULL WHERE id = :id")
    void seen(@Bind("id") UUID id, @Bind("now") Instant now);

    @SqlUpdate("UPDATE nodes SET last_error = :error WHERE id = :id")
    void unreachable(@Bind("id") UUID id, @Bind("error") String error);

    @SqlUpdate("DELETE FROM nodes WHERE id = :id")
    void delete(@Bind("id") UUID id);

    /** The sites a node holds: those placed on it, and those moving off it that it still serves (a drain's handover). */
    @SqlQuery("SELECT COUNT(*) FROM sites WHERE node_id = :id OR previous_node_id = :id")
    int siteCount(@Bind("id") UUID id);

    /** Sites from before the registry live on the configured node, the only host there was. */
    @SqlUpdate("UPDATE sites SET node_id = :id WHERE node_id IS NULL")
    int adoptUnplacedSites(@Bind("id") UUID id);

    @SqlQuery("""
            SELECT n.id, n.name, n.capacity_sites,
                   (SELECT COUNT(*) FROM sites s WHERE s.node_id = n.id) AS sites,
                   (SELECT COUNT(*) FROM sites s WHERE s.node_id = n.id AND s.tenant_id = :tenantId) AS tenant_sites
            FROM nodes n WHERE n.state = 'ready'
            """)
    List<Candidate> candidates(@Bind("tenantId") UUID tenantId);

    /** A site as a move sees it. */
    record Placed(UUID id, UUID tenantId, String ipv4) {
    }

    @SqlQuery("SELECT id, tenant_id, ipv4 FROM sites WHERE node_id = :nodeId ORDER BY created_at, id")
    @RegisterConstructorMapper(Placed.class)
    List<Placed> sitesOn(@Bind("nodeId") UUID nodeId);

    /** The first {@code limit} of {@link #sitesOn}: the next sites a drain hands over. */
    @SqlQuery("SELECT id, tenant_id, ipv4 FROM sites WHERE node_id = :nodeId ORDER BY created_at, id LIMIT :limit")
    @RegisterConstructorMapper(Placed.class)
    List<Placed> sitesOn(@Bind("nodeId") UUID nodeId, @Bind("limit") int limit);

    /** Sites moving off the node whose new node does not serve them yet (a drain moves the next ones only while fewer than its concurrency). */
    @SqlQuery("SELECT COUNT(*) FROM sites WHERE previous_node_id = :nodeId AND handover_served_at IS NULL")
    int unservedHandoversFrom(@Bind("nodeId") UUID nodeId);

    /** Places a site on another node; its spec changes (a new generation), so the new node gets it at once. */
    @SqlUpdate("""
            UPDATE sites SET node_id = :nodeId, previous_node_id = CAST(:previousNodeId AS uuid), handover_served_at = NULL,
                             generation = generation + 1, updated_at = :now
            WHERE id = :id
            """)
    int move(@Bind("id") UUID id, @Bind("nodeId") UUID nodeId, @Bind("previousNodeId") UUID previousNodeId, @Bind("now") Instant now);

    @SqlUpdate("UPDATE sites SET ipv4 = :ipv4, ipv6 = :ipv6 WHERE id = :id")
    void readdress(@Bind("id") UUID id, @Bind("ipv4") String ipv4, @Bind("ipv6") String ipv6);

    /**
     * Notes when the new node first serves each moved site at its current spec: clients are sent to
     * it from then on, and the old node's grace period starts.
     */
    @SqlUpdate("""
            UPDATE sites SET handover_served_at = :now
            WHERE previous_node_id IS NOT NULL AND handover_served_at IS NULL
              AND observed_generation >= generation AND observed_state IN ('running', 'stopped')
            """)
    int markHandoversServed(@Bind("now") Instant now);

    /**
     * Ends the handovers whose new node has served the site since {@code servedBy} or earlier, and
     * at once those of sites stopped or being deleted (nothing should answer for them any more); the
     * old node then removes the site.
     */
    @SqlUpdate("""
            UPDATE sites SET previous_node_id = NULL, handover_served_at = NULL
            WHERE previous_node_id IS NOT NULL AND handover_served_at IS NOT NULL
              AND (handover_served_at <= :servedBy OR desired_state = 'stopped' OR delete_requested_at IS NOT NULL)
            """)
    int endServedHandovers(@Bind("servedBy") Instant servedBy);

    /** Ends every handover from a lost node: it serves nothing that lives elsewhere when it answers again. */
    @SqlUpdate("UPDATE sites SET previous_node_id = NULL, handover_served_at = NULL WHERE previous_node_id = :nodeId")
    int endHandoversFrom(@Bind("nodeId") UUID nodeId);

    @SqlUpdate("""
            INSERT INTO node_join_tokens (id, token_hash, created_by, created_at, expires_at)
            VALUES (:id, :hash, :createdBy, :now, :expiresAt)
            """)
    void insertJoinToken(@Bind("id") UUID id, @Bind("hash") String hash, @Bind("createdBy") UUID createdBy, @Bind("now") Instant now,
                         @Bind("expiresAt") Instant expiresAt);

    /** Marks an unused, unexpired token used; 1 when it was, 0 when it is unknown, used or expired. */
    @SqlUpdate("""
            UPDATE node_join_tokens SET used_at = :now
            WHERE token_hash = :hash AND used_at IS NULL AND expires_at > :now
            """)
    int claimJoinToken(@Bind("hash") String hash, @Bind("now") Instant now);

    @SqlUpdate("UPDATE node_join_tokens SET node_id = :nodeId WHERE token_hash = :hash")
    void joinedWith(@Bind("hash") String hash, @Bind("nodeId") UUID nodeId);
}
