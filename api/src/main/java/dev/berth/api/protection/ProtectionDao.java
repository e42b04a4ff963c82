package dev.berth.api.protection;

import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * A site's protection columns. Each change bumps the site's generation, so the host gets the new
 * spec (and the proxy the new route record) through the reconciler.
 */
interface ProtectionDao {
    @SqlUpdate("""
            UPDATE sites SET protected_at = :now, protection_username = :username, protection_credentials = :credentials,
                   protection_path_prefix = :pathPrefix, protection_allowed = :allowed,
                   generation = generation + 1, updated_at = :now
            WHERE id = :siteId AND delete_requested_at IS NULL
            """)
    int protect(@Bind("siteId") UUID siteId, @Bind("username") String username, @Bind("credentials") String credentials,
                @Bind("pathPrefix") String pathPrefix, @Bind("allowed") String allowed, @Bind("now") Instant now);

    /** Opens a protected site; 0 when it is open already (nothing changes, no new generation). */
    @SqlUpdate("""
            UPDATE sites SET protected_at = NULL, protection_username = NULL, protection_credentials = NULL,
                   protection_path_prefix = NULL, protection_allowed = NULL, generation = generation + 1, updated_at = :now
            WHERE id = :siteId AND protected_at IS NOT NULL
            """)
    int open(@Bind("siteId") UUID siteId, @Bind("now") Instant now);
}
