package dev.berth.api.deploys;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What a tenant's content occupies on the host, counted the way hostd keeps releases: per site the
 * {@code releasesKept} most recently installed ones (hostd's {@code content.keepReleases}; the two
 * settings must be equal) and the one the site serves, each once, at the size of its files. The
 * tenant's {@code diskMib} bounds this sum, not one deploy. Releases being installed count already,
 * so concurrent deploys cannot each take the same free space. Thread-safe.
 */
public final class StoredReleases {
    private static final UUID NO_SITE = new UUID(0, 0);

    private final Jdbi jdbi;
    private final int releasesKept;

    public StoredReleases(Jdbi jdbi, int releasesKept) {
        this.jdbi = jdbi;
        this.releasesKept = releasesKept;
    }

    public int releasesKept() {
        return releasesKept;
    }

    /** Bytes the host keeps for the tenant now. */
    public long bytes(UUID tenantId) {
        return jdbi.withExtension(DeployDao.class, dao -> dao.keptBytes(tenantId, releasesKept, NO_SITE));
    }

    /**
     * Bytes the host will keep for the tenant once a new release of {@code siteId} pushes that
     * site's oldest kept one out (the new release itself not counted).
     */
    public long bytesBeforeAdding(Handle handle, UUID tenantId, UUID siteId) {
        return handle.attach(DeployDao.class).keptBytes(tenantId, releasesKept, siteId);
    }

    /** The releases the host keeps of a site (rollback targets). */
    public List<String> kept(UUID siteId) {
        return jdbi.withExtension(DeployDao.class, dao -> dao.keptReleases(siteId, releasesKept));
    }
}
