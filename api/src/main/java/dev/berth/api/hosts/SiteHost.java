package dev.berth.api.hosts;

import dev.berth.hostprotocol.SiteSpec;
import java.util.List;
import java.util.UUID;

/**
 * The port through which the API tells a host what each site should be, and reads what the host
 * has reached ({@link #observe()}); what the host can tell besides (certificates, counters, logs,
 * its report) is {@link HostInsights}.
 *
 * <p>Every call is idempotent: applying the same spec twice, or removing a site that is already
 * gone, changes nothing and succeeds. The host converges in its own time; {@link #observe()} tells
 * what it has reached. Implementations must be thread-safe.
 */
public interface SiteHost {

    /**
     * Hands the host the whole desired spec of one site. Returns once the host has accepted and
     * durably recorded the spec; the host may still be converging.
     *
     * @throws HostException if the host is unreachable or refuses the spec
     */
    void apply(SiteSpec spec) throws HostException;

    /**
     * Removes a site and everything the host holds for it. Succeeds if the site is already gone.
     *
     * @throws HostException if the host is unreachable or cannot remove the site now
     */
    void remove(UUID siteId) throws HostException;

    /**
     * Installs a release of a site's content from a sanitized tar stream (regular files and
     * directories only). Installing a release id that exists already changes nothing. The site
     * serves it once a spec naming it is applied.
     *
     * @throws HostException if the host is unreachable, does not hold the site yet, or refuses the archive
     */
    void installRelease(UUID siteId, String releaseId, java.io.InputStream tar) throws HostException;

    /**
     * The observed state of every site the host holds.
     *
     * @throws HostException if the host is unreachable
     */
    List<ObservedSite> observe() throws HostException;

    /**
     * The observed state of one site, or empty when the host holds no spec of it: what a caller
     * watching one change needs, without asking the host about every site. By default
     * {@link #observe()} filtered.
     *
     * @throws HostException if the host is unreachable
     */
    default java.util.Optional<ObservedSite> observe(UUID siteId) throws HostException {
        return observe().stream().filter(site -> site.siteId().equals(siteId)).findFirst();
    }

    /**
     * Builds a site's sources (a tar) in a throw-away build container on the site's host, passing
     * each line the build prints to {@code log} as it comes. Returns once the build has ended; a
     * succeeded build's output waits on the host for {@link #readBuildOutput} and {@link #dropBuild}.
     *
     * @throws HostException if the host is unreachable, does not hold the site, or refuses the request
     */
    BuildRun.Outcome build(UUID siteId, BuildRun run, java.io.InputStream sources, java.util.function.Consumer<String> log)
            throws HostException;

    /**
     * Streams a succeeded build's output folder (a tar of files and directories) to {@code reader}.
     *
     * @throws HostException if the host is unreachable or the output is gone
     */
    void readBuildOutput(UUID siteId, String buildId, String outputDirectory, OutputReader reader) throws HostException, java.io.IOException;

    /** Drops a build's output on its host; a failure is only logged (the host drops it after a while). */
    void dropBuild(UUID siteId, String buildId);

    /** Reads a build's output. */
    @FunctionalInterface
    interface OutputReader {
        void read(java.io.InputStream tar) throws java.io.IOException;
    }
}
