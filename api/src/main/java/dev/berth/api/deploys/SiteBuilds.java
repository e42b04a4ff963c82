package dev.berth.api.deploys;

import dev.berth.api.caller.Caller;
import dev.berth.api.hosts.BuildRun;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.SiteHost;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import dev.berth.api.tenants.Quota;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * A site's build step: the command that turns its sources into the content to publish, and the
 * folder the content is in afterwards (e.g. {@code hugo} and {@code public}). A site with one
 * builds every deploy (upload, manifest, Git, redeploy) on its node before the release is stored:
 * the sources go to the node, the build runs there in a throw-away container (the tenant's quota
 * bounds its CPU, memory, processes and disk; the configuration its time), its output comes back
 * and is checked like an upload. A branch preview builds with its parent's step. Tenant-scoped:
 * another tenant's site is a 404. Thread-safe.
 */
public final class SiteBuilds {
    static final Pattern OUTPUT = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

    /** A site's build step as stored. */
    public record Step(String command, String outputDirectory) {
    }

    /** The platform's ceilings for one build; the tenant's quota lowers CPU, memory, processes and disk. */
    public record Ceilings(int cpuMillicores, int memoryMib, int pids, int timeoutSeconds, int diskMib) {
    }

    /** A build's output, checked and written as a release tar. */
    record Built(Path tar, ContentCounts counts) {
    }

    interface BuildDao {
        @SqlQuery("SELECT command, output_directory FROM site_builds WHERE site_id = :siteId")
        @org.jdbi.v3.sqlobject.config.RegisterConstructorMapper(Step.class)
        Optional<Step> find(@Bind("siteId") UUID siteId);

        @SqlUpdate("INSERT INTO site_builds (site_id, command, output_directory, updated_at) VALUES (:siteId, :command, :output, :now)")
        void insert(@Bind("siteId") UUID siteId, @Bind("command") String command, @Bind("output") String output, @Bind("now") Instant now);

        @SqlUpdate("UPDATE site_builds SET command = :command, output_directory = :output, updated_at = :now WHERE site_id = :siteId")
        int update(@Bind("siteId") UUID siteId, @Bind("command") String command, @Bind("output") String output, @Bind("now") Instant now);

        @SqlUpdate("DELETE FROM site_builds WHERE site_id = :siteId")
        int delete(@Bind("siteId") UUID siteId);
    }

    private final Jdbi jdbi;
    private final SiteService sites;
    private final SiteHost host;
    private final Path spool;
    private final Ceilings ceilings;
    private final Clock clock;

    public SiteBuilds(Jdbi jdbi, SiteService sites, SiteHost host, Path spool, Ceilings ceilings, Clock clock) {
        this.jdbi = jdbi;
        this.sites = sites;
        this.host = host;
        this.spool = spool;
        this.ceilings = ceilings;
        this.clock = clock;
    }

    /**
     * The build step deploys of the site run: its own, or for a branch preview its site's.
     *
     * @throws ProblemException not-found when there is none
     */
    public Step get(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        return stepOf(site).orElseThrow(() -> Problems.NOT_FOUND.with("the site " + siteName + " has no build step"));
    }

    /** Sets the site's build step; the next deploy builds with it. */
    public Step set(Caller caller, String siteName, Step step) {
        Site site = sites.get(caller, siteName);
        if (site.deleting()) {
            throw Problems.CONFLICT.with("the site is being deleted");
        }
        if (sites.previewOf(site.id()).isPresent()) {
            throw Problems.CONFLICT.with("a branch preview builds with its site's build step; set it there");
        }
        String command = step.command() == null ? "" : step.command().strip();
        if (command.isEmpty() || command.length() > 1000 || command.chars().anyMatch(c -> c < 0x20 && c != '\t' && c != '\n')) {
            throw ProblemException.invalidField("command", "must be 1 to 1000 characters without control characters other than tab and newline");
        }
        String output = step.outputDirectory();
        if (output == null || output.length() > 255 || !OUTPUT.matcher(output).matches()
                || java.util.List.of(output.split("/")).stream().anyMatch(part -> part.equals(".") || part.equals(".."))) {
            throw ProblemException.invalidField("outputDirectory",
                    "must be a relative folder such as public or site/_build: A-Z a-z 0-9 . _ - separated by /, no . or .. parts");
        }
        Instant now = clock.instant();
        if (jdbi.withExtension(BuildDao.class, dao -> dao.update(site.id(), command, output, now)) == 0) {
            try {
                jdbi.useExtension(BuildDao.class, dao -> dao.insert(site.id(), command, output, now));
            } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException raced) {
                if (!dev.berth.api.platform.Sql.isUniqueViolation(raced)) {
                    throw raced;
                }
                // another request stored one first: this one is the last word
                jdbi.useExtension(BuildDao.class, dao -> dao.update(site.id(), command, output, now));
            }
        }
        return new Step(command, output);
    }

    /** Removes the site's build step: deploys publish their content as it comes again. */
    public void delete(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        if (jdbi.withExtension(BuildDao.class, dao -> dao.delete(site.id())) == 0) {
            throw Problems.NOT_FOUND.with("the site " + siteName + " has no build step");
        }
    }

    /** The build step a deploy of {@code site} runs: its own, or a preview's parent's. */
    Optional<Step> stepOf(Site site) {
        UUID owner = sites.previewOf(site.id()).map(dev.berth.api.sites.Preview::parentSiteId).orElse(site.id());
        return jdbi.withExtension(BuildDao.class, dao -> dao.find(owner));
    }

    /** The longest a build may run: deploys that build wait this much longer before they count as stuck. */
    public int timeoutSeconds() {
        return ceilings.timeoutSeconds();
    }

    /**
     * Builds {@code sources} on the site's node and writes the output folder, checked like an
     * upload and bounded by {@code free} bytes, as a new tar in the spool.
     *
     * @throws BuildFailedException when the build fails (its log says why); the live release stays
     */
    Built build(Site site, Step step, Quota quota, Path sources, long free, ContentLimits contentLimits, Consumer<String> log)
            throws IOException, HostException, BuildFailedException {
        BuildRun run = new BuildRun(step.command(), step.outputDirectory(), Math.min(ceilings.cpuMillicores(), quota.cpuMillicores()),
                Math.min(ceilings.memoryMib(), quota.memoryMib()), Math.min(ceilings.pids(), quota.pids()), ceilings.timeoutSeconds(),
                Math.max(1, Math.min(ceilings.diskMib(), quota.diskMib())));
        BuildRun.Outcome outcome;
        try (InputStream in = Files.newInputStream(sources)) {
            outcome = host.build(site.id(), run, in, log);
        }
        if (!outcome.succeeded()) {
            if (outcome.buildId() == null && outcome.error() != null && outcome.error().startsWith("hostd refused")) {
                throw new BuildFailedException("the node refused the build: " + outcome.error().replaceFirst("^hostd refused to [^:]*: ", ""));
            }
            throw new BuildFailedException(outcome.error() == null ? "the build failed" : outcome.error());
        }
        Path tar = Files.createTempFile(spool, "built-", ".tar");
        try {
            ContentCounts[] counts = new ContentCounts[1];
            try (OutputStream out = Files.newOutputStream(tar)) {
                host.readBuildOutput(site.id(), outcome.buildId(), step.outputDirectory(), output -> counts[0] = normalize(output, out,
                        contentLimits.withMaxTotalBytes(Math.min(free, contentLimits.maxTotalBytes()))));
            }
            if (counts[0].files() == 0) {
                throw new BuildFailedException("the build's " + step.outputDirectory() + " folder holds no files");
            }
            Path kept = tar;
            tar = null;
            return new Built(kept, counts[0]);
        } finally {
            host.dropBuild(site.id(), outcome.buildId());
            if (tar != null) {
                Files.deleteIfExists(tar);
            }
        }
    }

    /** Writes the node's tar of the output as a release tar: files and directories, names and sizes checked. */
    private ContentCounts normalize(InputStream output, OutputStream out, ContentLimits limits) throws IOException {
        NormalizedTarWriter writer = new NormalizedTarWriter(out, limits, clock.instant());
        try (TarArchiveInputStream tar = new TarArchiveInputStream(output)) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isDirectory()) {
                    writer.addDirectory(entry.getName());
                } else if (entry.isFile() && !entry.isLink() && !entry.isSymbolicLink()) {
                    writer.addFile(entry.getName(), entry.getSize(), tar);
                } else {
                    writer.skip(entry.getName());
                }
            }
        }
        writer.finish();
        return writer.counts();
    }

    /** A build that ran and failed, or could not run: the message is the tenant's. */
    static final class BuildFailedException extends Exception {
        BuildFailedException(String message) {
            super(message);
        }
    }
}
