package dev.berth.api.domains;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Custom domains of sites. The hostname is the primary key: unique across all tenants. */
@org.jdbi.v3.sqlobject.config.RegisterConstructorMapper(DomainDao.DomainRow.class)
public interface DomainDao {

    /** A site's custom domain. */
    record DomainRow(String hostname, UUID siteId, UUID tenantId, Instant createdAt) {
    }

    @SqlQuery("""
            SELECT hostname, site_id, tenant_id, created_at FROM site_domains WHERE hostname = :hostname
            """)
    Optional<DomainRow> find(@Bind("hostname") String hostname);

    @SqlQuery("""
            SELECT hostname, site_id, tenant_id, created_at FROM site_domains WHERE site_id = :siteId ORDER BY hostname
            """)
    List<DomainRow> listBySite(@Bind("siteId") UUID siteId);

    @SqlQuery("SELECT hostname FROM site_domains WHERE site_id = :siteId ORDER BY hostname")
    List<String> hostnames(@Bind("siteId") UUID siteId);

    @SqlQuery("SELECT COUNT(*) FROM site_domains WHERE site_id = :siteId")
    int count(@Bind("siteId") UUID siteId);

    @SqlUpdate("""
            INSERT INTO site_domains (hostname, site_id, tenant_id, created_at) VALUES (:hostname, :siteId, :tenantId, :createdAt)
            """)
    void insert(@Bind("hostname") String hostname, @Bind("siteId") UUID siteId, @Bind("tenantId") UUID tenantId,
                @Bind("createdAt") Instant createdAt);

    @SqlUpdate("DELETE FROM site_domains WHERE hostname = :hostname AND site_id = :siteId")
    int delete(@Bind("hostname") String hostname, @Bind("siteId") UUID siteId);

    /** The host gets a new spec (with the changed hostnames) through the next generation. */
    @SqlUpdate("UPDATE sites SET generation = generation + 1, updated_at = :now WHERE id = :siteId")
    void bumpGeneration(@Bind("siteId") UUID siteId, @Bind("now") Instant now);
}
