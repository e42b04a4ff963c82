package dev.berth.api.serving;

import dev.berth.api.caller.Caller;
import dev.berth.api.platform.Problems;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * A site's serving switches (SPA fallback, clean URLs). Stored on the site's row; a change bumps
 * the site's generation, so the host gets the new spec and the proxy the new route record through
 * the reconciler. Tenant-scoped: another tenant's site is a 404. Thread-safe.
 */
public final class ServingService {
    private final Jdbi jdbi;
    private final SiteService sites;
    private final Clock clock;
    /** Told the id of a site whose spec changed, after the change is committed: it is pushed to the site's node. */
    private final java.util.function.Consumer<UUID> siteChanged;

    /** The switches as stored. */
    public record Serving(boolean spa, boolean cleanUrls) {
    }

    interface ServingDao {
        /** 0 when the site is being deleted; a site whose switches are as asked keeps its generation. */
        @SqlUpdate("""
                UPDATE sites SET serve_spa = :spa, serve_clean_urls = :cleanUrls,
                       generation = generation + CASE WHEN serve_spa = :spa AND serve_clean_urls = :cleanUrls THEN 0 ELSE 1 END,
                       updated_at = :now
                WHERE id = :siteId AND delete_requested_at IS NULL
                """)
        int set(@Bind("siteId") UUID siteId, @Bind("spa") boolean spa, @Bind("cleanUrls") boolean cleanUrls, @Bind("now") Instant now);
    }

    public ServingService(Jdbi jdbi, SiteService sites, Clock clock, java.util.function.Consumer<UUID> siteChanged) {
        this.jdbi = jdbi;
        this.sites = sites;
        this.clock = clock;
        this.siteChanged = siteChanged;
    }

    /**
     * Sets both switches.
     *
     * @throws dev.berth.api.platform.ProblemException not-found, conflict (a site being deleted)
     */
    public Serving set(Caller caller, String siteName, Serving serving) {
        Site site = sites.get(caller, siteName);
        if (jdbi.withExtension(ServingDao.class, dao -> dao.set(site.id(), serving.spa(), serving.cleanUrls(), clock.instant())) == 0) {
            throw Problems.CONFLICT.with("the site is being deleted");
        }
        if (site.spa() != serving.spa() || site.cleanUrls() != serving.cleanUrls()) {
            siteChanged.accept(site.id());
        }
        return serving;
    }
}
