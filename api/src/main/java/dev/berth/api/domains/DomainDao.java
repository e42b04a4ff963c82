package dev.berth.api.domains;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Custom domains of sites and their ownership proof. The hostname is the primary key: unique across all tenants. */
@org.jdbi.v3.sqlobject.config.RegisterConstructorMapper(DomainDao.DomainRow.class)
public interface DomainDao {
    String COLUMNS = "hostname, site_id, tenant_id, created_at, status, reason, checked_at, verified_at, next_check_at";

    /** Proven: the domain is served. */
    String VERIFIED = "verified";
    /** Not proven yet: not served. */
    String PENDING = "pending";
    /** Was proven, lost its proof: no longer served. */
    String LOST = "lost";

    /**
     * A site's custom domain.
     *
     * @param status      pending, verified or lost; only verified domains are in the site's spec
     * @param reason      why the domain is not served (pending, lost), or null
     * @param checkedAt   when DNS last answered about it, or null
     * @param verifiedAt  when it was last proven, or null
     * @param nextCheckAt when it is checked again
     */
    record DomainRow(String hostname, UUID siteId, UUID tenantId, Instant createdAt, String status, String reason,
                     Instant checkedAt, Instant verifiedAt, Instant nextCheckAt) {
        public boolean served() {
            return VERIFIED.equals(status);
        }
    }

    @SqlQuery("SELECT " + COLUMNS + " FROM site_domains WHERE hostname = :hostname")
    Optional<DomainRow> find(@Bind("hostname") String hostname);

    @SqlQuery("SELECT " + COLUMNS + " FROM site_domains WHERE hostname = :hostname FOR UPDATE")
    Optional<DomainRow> lock(@Bind("hostname") String hostname);

    @SqlQuery("SELECT " + COLUMNS + " FROM site_domains WHERE site_id = :siteId ORDER BY hostname")
    List<DomainRow> listBySite(@Bind("siteId") UUID siteId);

    /** The hostnames the host may serve for a site: its proven domains only. */
    @SqlQuery("SELECT hostname FROM site_domains WHERE site_id = :siteId AND status = 'verified' ORDER BY hostname")
    List<String> servedHostnames(@Bind("siteId") UUID siteId);

    @SqlQuery("SELECT COUNT(*) FROM site_domains WHERE site_id = :siteId")
    int count(@Bind("siteId") UUID siteId);

    @SqlUpdate("""
            INSERT INTO site_domains (hostname, site_id, tenant_id, created_at, status, reason, checked_at, verified_at, next_check_at)
            VALUES (:hostname, :siteId, :tenantId, :createdAt, :status, :reason, :checkedAt, :verifiedAt, :nextCheckAt)
            """)
    void insert(@org.jdbi.v3.sqlobject.customizer.BindMethods DomainRow domain);

    @SqlUpdate("DELETE FROM site_domains WHERE hostname = :hostname AND site_id = :siteId")
    int delete(@Bind("hostname") String hostname, @Bind("siteId") UUID siteId);

    /** Records a check's outcome. */
    @SqlUpdate("""
            UPDATE site_domains SET status = :status, reason = :reason, checked_at = :checkedAt, verified_at = :verifiedAt,
                   next_check_at = :nextCheckAt
            WHERE hostname = :hostname AND site_id = :siteId
            """)
    int record(@Bind("hostname") String hostname, @Bind("siteId") UUID siteId, @Bind("status") String status,
               @Bind("reason") String reason, @Bind("checkedAt") Instant checkedAt, @Bind("verifiedAt") Instant verifiedAt,
               @Bind("nextCheckAt") Instant nextCheckAt);

    /** Domains whose check is due, soonest first. */
    @SqlQuery("SELECT " + COLUMNS + " FROM site_domains WHERE next_check_at <= :now ORDER BY next_check_at, hostname LIMIT :limit")
    List<DomainRow> due(@Bind("now") Instant now, @Bind("limit") int limit);

    /**
     * Takes a due check for this process: moves its next check to {@code leaseUntil} if no one else
     * did since it was read. 0 when another replica took it.
     */
    @SqlUpdate("""
            UPDATE site_domains SET next_check_at = :leaseUntil
            WHERE hostname = :hostname AND site_id = :siteId AND next_check_at = :dueAt
            """)
    int claim(@Bind("hostname") String hostname, @Bind("siteId") UUID siteId, @Bind("dueAt") Instant dueAt,
              @Bind("leaseUntil") Instant leaseUntil);

    /** The host gets a new spec (with the changed hostnames) through the next generation. */
    @SqlUpdate("UPDATE sites SET generation = generation + 1, updated_at = :now WHERE id = :siteId")
    void bumpGeneration(@Bind("siteId") UUID siteId, @Bind("now") Instant now);

    @SqlQuery("SELECT domain_token FROM tenants WHERE id = :tenantId")
    Optional<String> token(@Bind("tenantId") UUID tenantId);

    /** Gives a tenant its token once; a concurrent first call keeps the token that won. */
    @SqlUpdate("UPDATE tenants SET domain_token = :token WHERE id = :tenantId AND domain_token IS NULL")
    int setTokenOnce(@Bind("tenantId") UUID tenantId, @Bind("token") String token);
}
