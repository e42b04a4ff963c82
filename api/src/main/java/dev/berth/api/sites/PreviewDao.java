package dev.berth.api.sites;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Branch previews: which sites are previews of which site's branch. */
@RegisterConstructorMapper(Preview.class)
public interface PreviewDao {
    String COLUMNS = "p.site_id, p.parent_site_id, p.branch, p.last_push_at";

    @SqlUpdate("""
            INSERT INTO site_previews (site_id, parent_site_id, branch, last_push_at)
            VALUES (:siteId, :parentSiteId, :branch, :now)
            """)
    void insert(@Bind("siteId") UUID siteId, @Bind("parentSiteId") UUID parentSiteId, @Bind("branch") String branch,
                @Bind("now") Instant now);

    /** Which of {@code siteIds} are previews: each with its site's name and its branch. */
    @SqlQuery("""
            SELECT p.site_id, s.name AS parent_name, p.branch FROM site_previews p JOIN sites s ON s.id = p.parent_site_id
            WHERE p.site_id IN (<siteIds>)
            """)
    @RegisterConstructorMapper(Link.class)
    List<Link> links(@org.jdbi.v3.sqlobject.customizer.BindList("siteIds") java.util.Collection<UUID> siteIds);

    /** A preview site's parent (by name) and branch. */
    record Link(UUID siteId, String parentName, String branch) {
    }

    /** The preview a site is, if it is one. */
    @SqlQuery("SELECT " + COLUMNS + " FROM site_previews p WHERE p.site_id = :siteId")
    Optional<Preview> find(@Bind("siteId") UUID siteId);

    @SqlQuery("SELECT " + COLUMNS + " FROM site_previews p WHERE p.parent_site_id = :parentSiteId AND p.branch = :branch")
    Optional<Preview> findByBranch(@Bind("parentSiteId") UUID parentSiteId, @Bind("branch") String branch);

    @SqlQuery("SELECT " + COLUMNS + " FROM site_previews p WHERE p.parent_site_id = :parentSiteId ORDER BY p.branch")
    List<Preview> ofParent(@Bind("parentSiteId") UUID parentSiteId);

    @SqlUpdate("UPDATE site_previews SET last_push_at = :now WHERE site_id = :siteId")
    int pushed(@Bind("siteId") UUID siteId, @Bind("now") Instant now);

    /**
     * Previews to remove: not being deleted yet, and either not pushed since {@code pushedBefore} or
     * of a parent that is being deleted.
     */
    @SqlQuery("""
            SELECT s.tenant_id, s.name FROM site_previews p
            JOIN sites s ON s.id = p.site_id JOIN sites parent ON parent.id = p.parent_site_id
            WHERE s.delete_requested_at IS NULL AND (p.last_push_at < :pushedBefore OR parent.delete_requested_at IS NOT NULL)
            ORDER BY p.last_push_at
            """)
    @RegisterConstructorMapper(Expired.class)
    List<Expired> expired(@Bind("pushedBefore") Instant pushedBefore);

    /** A preview to remove. */
    record Expired(UUID tenantId, String name) {
    }
}
