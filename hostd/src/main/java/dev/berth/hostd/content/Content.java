package dev.berth.hostd.content;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostprotocol.SiteSpec;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

/**
 * Each site's content: immutable release directories and a {@code current} symlink that is swapped
 * with rename(2). The container mounts the site directory read-only; the proxy asks it for the
 * release's own directory ({@code /releases/RELEASE/}), so a new release needs no restart.
 */
public interface Content {

    /** The directory the container mounts at {@code /srv}. */
    Path siteDirectory(UUID siteId);

    /** Creates the site's directory and welcome page if needed and points {@code current} at the spec's release. */
    void ensure(SiteSpec spec) throws HostOperationException;

    /**
     * Installs a release from a tar (optionally gzip-compressed) stream. Installing a release id that
     * already exists changes nothing.
     *
     * @return true if it was installed now, false if it already existed
     * @throws InvalidSpecException if the archive is unsafe or over a limit (nothing is kept); a
     *                              {@link DiskCeilingException} if the site would hold more than its ceiling
     */
    boolean install(UUID siteId, String releaseId, InputStream archive) throws InvalidSpecException, HostOperationException;

    /** Bytes the site's content takes now (every release it keeps); -1 if unknown. */
    default long diskBytes(UUID siteId) {
        return -1;
    }

    /** Removes the site's directory; succeeds if it is already gone. */
    void remove(UUID siteId) throws HostOperationException;

    Set<UUID> sites() throws HostOperationException;

    /**
     * Deletes what a crash in the middle of an install or a switch left behind (a half-extracted
     * release, a temporary link), keeping every installed release. Only safe while nothing
     * installs: hostd calls it once at start, before it serves its socket.
     */
    default void removeIncomplete() throws HostOperationException {
    }
}
