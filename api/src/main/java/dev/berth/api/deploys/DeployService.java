package dev.berth.api.deploys;

import dev.berth.hostprotocol.rules.ServingRules;
import dev.berth.api.caller.Caller;
import dev.berth.api.deploys.archive.ArchiveFormat;
import dev.berth.api.deploys.archive.ArchiveImporter;
import dev.berth.api.deploys.archive.Limits;
import dev.berth.api.deploys.git.GitFetchException;
import dev.berth.api.deploys.git.GitFetcher;
import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.outbound.RepositoryUrlRefusedException;
import dev.berth.api.deploys.webhooks.WebhookOutcome;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.api.events.EventType;
import dev.berth.api.events.Events;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.SiteHost;
import dev.berth.api.platform.Cursor;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Sql;
import dev.berth.api.platform.Throttle;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.sites.SiteService;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.TenantDao;
import dev.berth.observability.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys: uploads, Git pushes and rollbacks. Untrusted content is turned into a sanitized tar
 * (spooled to disk, bounded by the tenant's quota), kept in the {@link ContentStore}, installed on
 * the host as an immutable release,
 * and made live by pointing the site's spec at it: the host swaps the {@code current} link, so
 * going live needs no restart. A refused or failed deploy leaves the live site as it was.
 * Thread-safe.
 */
public final class DeployService {
    private static final Logger LOG = LoggerFactory.getLogger(DeployService.class);
    private static final long MIB = 1024L * 1024L;
    private static final DateTimeFormatter RELEASE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private final Jdbi jdbi;
    private final SiteService sites;
    private final SiteHost host;
    private final ArchiveImporter importer;
    private final GitFetcher fetcher;
    private final RepositoryUrlPolicy urlPolicy;
    private final WebhookVerifier verifier;
    private final GitFetcher.Limits gitLimits;
    private final ContentLimits contentLimits;
    private final Path spool;
    private final StoredReleases stored;
    private final ContentStore contentStore;
    private final DeployQueue queue;
    private final WebhookLimits webhookLimits;
    private final GitSourceSecrets gitSecrets;
    private final Clock clock;
    private final java.util.function.Consumer<UUID> releaseChanged;
    private final SpecDelivery specFirst;
    private final SiteBuilds builds;
    /** Builds of uploads and manifests, which answer before their build ends (Git deploys build on their worker). */
    private final java.util.concurrent.ExecutorService buildRunner;
    /** Stores a release in the content store while the request's thread installs it on the node. */
    private final java.util.concurrent.ExecutorService releaseStores =
            java.util.concurrent.Executors.newCachedThreadPool(DaemonThreads.named("berth-release-store"));

    /** Gives a site's node the site's spec if it may not hold it yet (the reconciler's, wired at composition). */
    @FunctionalInterface
    public interface SpecDelivery {
        /** Returns once the node the site is placed on holds a spec of it; throws when it could not be given one. */
        void deliver(UUID siteId) throws HostException;
    }

    /**
     * The rate limits of webhook deliveries: authenticated deliveries per site (a chatty or leaked
     * repository cannot flood the deploy queue), and refused deliveries per client address (a
     * stranger guessing signatures pays for it, not the site's real Git host).
     */
    public record WebhookLimits(Throttle<UUID> deliveriesPerSite, Throttle<String> refusalsPerAddress) {
    }

    public DeployService(Jdbi jdbi, SiteService sites, SiteHost host, ArchiveImporter importer, GitFetcher fetcher,
                         RepositoryUrlPolicy urlPolicy, WebhookVerifier verifier, ContentLimits contentLimits,
                         GitFetcher.Limits gitLimits, Path spool, StoredReleases stored, ContentStore contentStore, DeployQueue queue,
                         WebhookLimits webhookLimits, GitSourceSecrets gitSecrets, Clock clock, java.util.function.Consumer<UUID> releaseChanged,
                         SpecDelivery specFirst, SiteBuilds builds, int concurrentBuilds) {
        this.jdbi = jdbi;
        this.builds = builds;
        this.buildRunner = java.util.concurrent.Executors.newFixedThreadPool(concurrentBuilds, DaemonThreads.named("berth-build"));
        this.gitSecrets = gitSecrets;
        this.sites = sites;
        this.host = host;
        this.importer = importer;
        this.fetcher = fetcher;
        this.urlPolicy = urlPolicy;
        this.verifier = verifier;
        this.contentLimits = contentLimits;
        this.gitLimits = gitLimits;
        this.spool = spool;
        this.stored = stored;
        this.contentStore = contentStore;
        this.queue = queue;
        this.webhookLimits = webhookLimits;
        this.clock = clock;
        this.releaseChanged = releaseChanged;
        this.specFirst = specFirst;
        try {
            Files.createDirectories(spool);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deploys an uploaded archive. The upload is read here; the deploy goes live in the background. */
    public Deploy upload(Caller caller, String siteName, String mediaType, InputStream body) {
        Site site = liveSite(caller, siteName);
        ArchiveFormat format = ArchiveFormat.fromMediaType(mediaType)
                .orElseThrow(() -> Problems.UNSUPPORTED_MEDIA_TYPE.with("upload a zip (application/zip) or a tar.gz (application/gzip)"));
        Quota quota = quota(site.tenantId());
        long free = requireFreeDisk(site, quota);
        Limits limits = Limits.defaults().withContent(contentLimits).forTenant(quota.maxUploadMib() * MIB, free);
        Deploy deploy = newDeploy(site, "upload", null, null, Deploy.UNPACKING);
        queue.insertClaimed(deploy);
        Log log = new Log(clock);
        log.add("receiving " + format.mediaType() + " upload");
        Path tar = null;
        try {
            tar = Files.createTempFile(spool, "upload-", ".tar");
            ContentCounts counts;
            try (OutputStream out = Files.newOutputStream(tar)) {
                counts = importer.importArchive(format, body, limits, clock.instant(), out);
            }
            log.add("unpacked " + counts.files() + " files, " + counts.bytes() + " bytes");
            return deliver(site, deploy, tar, (int) counts.files(), counts.bytes(), log, true);
        } catch (ContentRefusedException refused) {
            fail(deploy, log, refused.getMessage());
            throw refusal(refused, quota);
        } catch (IOException broken) {
            fail(deploy, log, "the upload could not be read: " + broken.getMessage());
            throw ProblemException.invalidField("body", "the upload could not be read completely: " + broken.getMessage());
        } finally {
            deleteQuietly(tar);
        }
    }

    /**
     * Starts a deploy by manifest: the files of the new content by path and SHA-256. Supersedes the
     * site's deploy still uploading, if any. Goes on at once when the store holds every file.
     *
     * @param files path -> SHA-256 (lower-case hex), in the client's order
     */
    public Deploy createFromManifest(Caller caller, String siteName, List<Map.Entry<String, String>> files) {
        Site site = liveSite(caller, siteName);
        Quota quota = quota(site.tenantId());
        requireFreeDisk(site, quota);
        List<DeployDao.ManifestFile> manifest = checkedManifest(files);
        Deploy deploy = newDeploy(site, "manifest", null, null, Deploy.UPLOADING);
        Log log = new Log(clock);
        log.add("manifest of " + manifest.size() + " files received");
        Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            handle.attach(DeployDao.class).lockSite(site.id());
            DeployDao dao = handle.attach(DeployDao.class);
            for (Deploy earlier : dao.uploading(site.id())) {
                dao.update(earlier.id(), Deploy.FAILED, "superseded by deploy " + deploy.id() + " before its files were uploaded",
                        0, 0, earlier.log(), now);
                dao.deleteManifestFiles(earlier.id());
            }
            dao.insert(deploy);
            dao.insertManifestFiles(deploy.id(), manifest);
        });
        // Asked only once the manifest is committed: from then on the collector keeps every blob it names.
        // Present without an upload: only files the tenant's own releases hold. Any other file is asked
        // for even when another tenant's release holds it, so that the answer tells nothing about them.
        List<String> digests = manifest.stream().map(DeployDao.ManifestFile::sha256).distinct().toList();
        Set<String> known = contentStore.heldByTenant(site.tenantId(), digests);
        known.retainAll(contentStore.heldBlobs(known).keySet());
        setProved(deploy.id(), List.copyOf(known), true);
        return continueManifest(site, deploy, manifest, log, quota);
    }

    private void setProved(UUID deployId, List<String> digests, boolean proved) {
        for (int from = 0; from < digests.size(); from += 1000) {
            List<String> batch = digests.subList(from, Math.min(digests.size(), from + 1000));
            jdbi.useExtension(DeployDao.class, dao -> dao.setProved(deployId, batch, proved));
        }
    }

    /**
     * Stores one file a deploy by manifest requires; after the last one, the deploy goes on as an
     * upload does. Answers the deploy as it stands.
     */
    public Deploy uploadManifestFile(Caller caller, String siteName, UUID deployId, String sha256, InputStream body) {
        Site site = liveSite(caller, siteName);
        Deploy deploy = jdbi.withExtension(DeployDao.class, dao -> dao.find(site.id(), deployId))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no deploy " + deployId + " of site '" + siteName + "'"));
        if (!deploy.status().equals(Deploy.UPLOADING)) {
            throw Problems.CONFLICT.with("deploy " + deployId + " is " + deploy.status() + ", not uploading: it takes no more files");
        }
        List<DeployDao.ManifestFile> manifest = jdbi.withExtension(DeployDao.class, dao -> dao.manifestFiles(deployId));
        if (manifest.stream().noneMatch(file -> file.sha256().equals(sha256))) {
            throw ProblemException.invalidField("sha256", "deploy " + deployId + " names no file with this SHA-256");
        }
        Quota quota = quota(site.tenantId());
        long maxBytes = Math.min(quota.maxUploadMib() * MIB, requireFreeDisk(site, quota));
        try {
            contentStore.putBlob(sha256, body, maxBytes);
            setProved(deployId, List.of(sha256), true);
        } catch (ContentRefusedException refused) {
            throw refused.rule() == ContentRefusedException.Rule.DIGEST_MISMATCH
                    ? ProblemException.invalidField("body", refused.getMessage())
                    : refusal(refused, quota);
        } catch (IOException broken) {
            throw ProblemException.invalidField("body", "the file could not be read completely: " + broken.getMessage());
        }
        Log log = new Log(clock, deploy.log());
        return continueManifest(site, deploy, manifest, log, quota);
    }

    /** The SHA-256 of each file an uploading deploy still lacks, in manifest order (empty for any other deploy). */
    public List<String> required(Deploy deploy) {
        if (!deploy.status().equals(Deploy.UPLOADING)) {
            return List.of();
        }
        return jdbi.withExtension(DeployDao.class, dao -> dao.unproved(deploy.id()));
    }

    /**
     * Fails the deploys by manifest left uploading longer than {@code idle}: their files were never all
     * sent. Run by the content store's collector before it sweeps, so their blobs go with the next pass.
     */
    public int failAbandonedUploads(java.time.Duration idle) {
        int failed = 0;
        for (Deploy deploy : jdbi.withExtension(DeployDao.class, dao -> dao.uploadingSince(clock.instant().minus(idle)))) {
            Log log = new Log(clock, deploy.log());
            fail(deploy, log, "the files of the manifest were not all uploaded within " + idle.toMinutes() + " minutes");
            jdbi.useExtension(DeployDao.class, dao -> dao.deleteManifestFiles(deploy.id()));
            failed++;
        }
        return failed;
    }

    /**
     * Checks a manifest as the archive importer checks entries (names, duplicates, a file that is also
     * a folder, the entry count) by writing it, empty, to nowhere; returns it in path order.
     */
    private List<DeployDao.ManifestFile> checkedManifest(List<Map.Entry<String, String>> files) {
        List<Map.Entry<String, String>> normalized = new ArrayList<>();
        try {
            for (Map.Entry<String, String> file : files) {
                if (file.getValue() == null || !file.getValue().matches("[0-9a-f]{64}")) {
                    throw ProblemException.invalidField("files", "each file's sha256 must be 64 lower-case hex digits");
                }
                normalized.add(Map.entry(NormalizedTarWriter.normalize(file.getKey(), contentLimits), file.getValue()));
            }
            normalized.sort(Map.Entry.comparingByKey());
            NormalizedTarWriter dryRun = new NormalizedTarWriter(OutputStream.nullOutputStream(), contentLimits, clock.instant());
            for (Map.Entry<String, String> file : normalized) {
                dryRun.addFile(file.getKey(), 0, InputStream.nullInputStream());
            }
        } catch (ContentRefusedException refused) {
            throw new ProblemException(Problems.CONTENT_REFUSED, refused.getMessage(),
                    List.of(new ProblemException.FieldProblem("files", refused.getMessage())), Map.of());
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        List<DeployDao.ManifestFile> manifest = new ArrayList<>();
        for (Map.Entry<String, String> file : normalized) {
            manifest.add(new DeployDao.ManifestFile(manifest.size(), file.getKey(), file.getValue()));
        }
        return manifest;
    }

    /**
     * Answers an uploading deploy as it stands, or, when the store holds every file it names, claims
     * it (one request wins), writes its release from the store and installs it as an upload.
     */
    private Deploy continueManifest(Site site, Deploy deploy, List<DeployDao.ManifestFile> manifest, Log log, Quota quota) {
        if (!required(jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElseThrow()).isEmpty()) {
            return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElseThrow();
        }
        log.add("every file is in the content store; writing the release");
        if (jdbi.withExtension(DeployDao.class, dao -> dao.transition(deploy.id(), Deploy.UPLOADING, Deploy.UNPACKING, log.text(),
                clock.instant())) == 0) {
            return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElseThrow();
        }
        queue.claimedHere(deploy.id());
        Map<String, Long> held = contentStore.heldBlobs(manifest.stream().map(DeployDao.ManifestFile::sha256).toList());
        List<String> vanished = manifest.stream().map(DeployDao.ManifestFile::sha256).filter(sha -> !held.containsKey(sha))
                .distinct().toList();
        if (!vanished.isEmpty()) {
            // Swept between their upload and now (the collector keeps what an uploading manifest names, so
            // this takes a race): ask for them again.
            setProved(deploy.id(), vanished, false);
            jdbi.useExtension(DeployDao.class, dao -> dao.transition(deploy.id(), Deploy.UNPACKING, Deploy.UPLOADING, log.text(),
                    clock.instant()));
            return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElseThrow();
        }
        List<ContentDao.Entry> entries = new ArrayList<>();
        for (DeployDao.ManifestFile file : manifest) {
            entries.add(new ContentDao.Entry(entries.size(), file.path(), file.sha256(), NormalizedTarWriter.FILE_MODE,
                    held.get(file.sha256())));
        }
        Path tar = null;
        boolean uploading = false;
        try {
            long free = requireFreeDisk(site, quota);
            tar = Files.createTempFile(spool, "manifest-", ".tar");
            ContentCounts counts;
            try (OutputStream out = Files.newOutputStream(tar)) {
                counts = contentStore.writeTar(entries, contentLimits.withMaxTotalBytes(Math.min(free, contentLimits.maxTotalBytes())),
                        clock.instant(), out);
            }
            log.add("wrote " + counts.files() + " files, " + counts.bytes() + " bytes");
            return deliver(site, deploy, tar, (int) counts.files(), counts.bytes(), log, true);
        } catch (ContentRefusedException refused) {
            fail(deploy, log, refused.getMessage());
            throw refusal(refused, quota);
        } catch (ProblemException problem) {
            if (jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).map(Deploy::status).orElse("").equals(Deploy.UNPACKING)) {
                fail(deploy, log, problem.getMessage());
            }
            throw problem;
        } catch (IOException broken) {
            // A blob swept between the check and the read: the next upload of it goes on from here.
            LOG.warn("Writing the release of manifest deploy {} failed", deploy.id(), broken);
            setProved(deploy.id(), manifest.stream().map(DeployDao.ManifestFile::sha256).distinct()
                    .filter(sha -> !contentStore.heldBlobs(List.of(sha)).containsKey(sha)).toList(), false);
            jdbi.useExtension(DeployDao.class, dao -> dao.transition(deploy.id(), Deploy.UNPACKING, Deploy.UPLOADING, log.text(),
                    clock.instant()));
            uploading = true;
            throw Problems.UNAVAILABLE.with("a file of the manifest could not be read back; ask the deploy which files it requires "
                    + "and upload them again");
        } finally {
            deleteQuietly(tar);
            if (!uploading) {
                // Installed (its release now names the blobs) or failed: the manifest has done its work.
                jdbi.useExtension(DeployDao.class, dao -> dao.deleteManifestFiles(deploy.id()));
            }
        }
    }

    private static ProblemException refusal(ContentRefusedException refused, Quota quota) {
        return switch (refused.rule()) {
            case UPLOAD_TOO_LARGE -> Problems.PAYLOAD_TOO_LARGE.with("the upload is larger than the tenant's maxUploadMib ("
                    + quota.maxUploadMib() + " MiB)");
            case TOO_MANY_BYTES -> Problems.QUOTA_EXCEEDED.with(refused.getMessage() + " (the tenant's diskMib of "
                    + quota.diskMib() + " MiB holds every release kept of every site)");
            default -> new ProblemException(Problems.CONTENT_REFUSED, refused.getMessage(),
                    List.of(new ProblemException.FieldProblem("body", refused.getMessage())), Map.of());
        };
    }

    /** Runs one queued Git deploy: fetch, sanitize, install. Called by the {@link DeployWorker}. */
    void runQueued(Deploy deploy) {
        Site site = jdbi.withExtension(SiteDao.class, dao -> dao.findById(deploy.siteId())).orElse(null);
        Log log = new Log(clock);
        if (site == null || site.deleting()) {
            fail(deploy, log, "the site was deleted");
            return;
        }
        Optional<DeployDao.GitSource> source = sourceOf(site);
        if (source.isEmpty()) {
            fail(deploy, log, "the site no longer deploys from Git");
            return;
        }
        Quota quota = quota(site.tenantId());
        Path tar = null;
        try {
            long free = requireFreeDisk(site, quota);
            log.add("fetching " + source.get().repositoryUrl() + " " + source.get().branch()
                    + (deploy.commitSha() == null ? "" : " at " + deploy.commitSha()));
            tar = Files.createTempFile(spool, "git-", ".tar");
            GitFetcher.Result fetched;
            try (OutputStream out = Files.newOutputStream(tar)) {
                fetched = fetcher.fetch(source.get().repositoryUrl(), gitSecrets.credentials(source.get()), source.get().branch(),
                        source.get().path(), gitLimits.withMaxTotalBytes(free), out);
            }
            if (fetched.hostKey() != null && source.get().knownHostKey() == null
                    && jdbi.withExtension(DeployDao.class, dao -> dao.trustHostKey(source.get().siteId(), fetched.hostKey()))) {
                log.add("trusting the SSH host key " + dev.berth.api.deploys.git.DeployKeys.fingerprint(fetched.hostKey())
                        + " from now on (first use)");
            }
            if (deploy.commitSha() != null && !deploy.commitSha().equals(fetched.commit())) {
                log.add("the branch moved on since the push: publishing its head " + fetched.commit());
            }
            log.add("fetched commit " + fetched.commit() + ": " + fetched.counts().files() + " files, " + fetched.counts().bytes()
                    + " bytes (skipped " + fetched.skippedSymbolicLinks() + " symbolic links, " + fetched.skippedSubmodules()
                    + " submodules)");
            jdbi.useExtension(DeployDao.class, dao -> dao.setCommit(deploy.id(), fetched.commit()));
            deliver(site, deploy, tar, (int) fetched.counts().files(), fetched.counts().bytes(), log, false);
        } catch (ContentRefusedException | RepositoryUrlRefusedException | GitFetchException refused) {
            fail(deploy, log, refused.getMessage());
        } catch (ProblemException problem) {
            fail(deploy, log, problem.getMessage());
        } catch (IOException | RuntimeException failure) {
            LOG.warn("Git deploy {} failed", deploy.id(), failure);
            fail(deploy, log, "fetching failed: " + failure.getMessage());
        } finally {
            deleteQuietly(tar);
        }
    }

    /**
     * Where a site's Git deploys fetch from: its own Git source, or for a branch preview its
     * parent's at the preview's branch (the parent's credentials, which are sealed to the parent).
     */
    private Optional<DeployDao.GitSource> sourceOf(Site site) {
        Optional<DeployDao.GitSource> own = jdbi.withExtension(DeployDao.class, dao -> dao.gitSource(site.id()));
        if (own.isPresent()) {
            return own;
        }
        return sites.previewOf(site.id()).flatMap(preview -> jdbi.withExtension(DeployDao.class, dao -> dao.gitSource(preview.parentSiteId()))
                .map(parent -> new DeployDao.GitSource(parent.siteId(), parent.repositoryUrl(), preview.branch(), parent.path(),
                        parent.secret(), parent.updatedAt(), parent.credential(), parent.tokenUsername(), parent.secretSealed(),
                        parent.deployPublicKey(), parent.knownHostKey())));
    }

    /** Serves an earlier deploy's release again, as a new deploy. */
    public Deploy rollback(Caller caller, String siteName, UUID deployId) {
        Site site = liveSite(caller, siteName);
        Deploy target = jdbi.withExtension(DeployDao.class, dao -> dao.find(site.id(), deployId))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no deploy " + deployId + " of site '" + siteName + "'"));
        if (!target.installedRelease()) {
            throw Problems.CONFLICT.with("deploy " + deployId + " never went live; only deploys that were live can be rolled back to");
        }
        List<String> kept = stored.kept(site.id());
        if (!kept.contains(target.releaseId())) {
            throw Problems.CONFLICT.with("the release of deploy " + deployId + " is no longer kept (the last " + stored.releasesKept()
                    + " of a site are)");
        }
        Instant now = clock.instant();
        Deploy rollback = new Deploy(UUID.randomUUID(), site.id(), site.tenantId(), "rollback", target.commitSha(), null,
                target.releaseId(), Deploy.INSTALLING, null, target.bytes(), target.files(), null,
                "rolling back to deploy " + target.id(), now, now, null);
        long generation = jdbi.inTransaction(handle -> {
            handle.attach(DeployDao.class).insert(rollback);
            handle.attach(SiteDao.class).setRelease(site.id(), target.releaseId(), now);
            long next = handle.attach(SiteDao.class).generation(site.id());
            handle.attach(DeployDao.class).markInstalling(rollback.id(), next, rollback.log(), now);
            return next;
        });
        releaseChanged.accept(site.id());
        return withStatus(rollback, Deploy.INSTALLING, generation);
    }

    public Deploy get(Caller caller, String siteName, UUID deployId) {
        Site site = sites.get(caller, siteName);
        return jdbi.withExtension(DeployDao.class, dao -> dao.find(site.id(), deployId))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no deploy " + deployId + " of site '" + siteName + "'"));
    }

    /**
     * The release a deploy published, to download: found only in the caller's tenant (404
     * otherwise, and for a deploy that published nothing), and only while the site keeps it (410).
     */
    public Archive archive(Caller caller, String siteName, UUID deployId) {
        Deploy deploy = get(caller, siteName, deployId);
        if (!deploy.installedRelease()) {
            throw Problems.NOT_FOUND.with("deploy " + deployId + " did not publish a release");
        }
        if (!stored.kept(deploy.siteId()).contains(deploy.releaseId()) || contentStore.manifest(deploy.releaseId()).isEmpty()) {
            throw Problems.GONE.with("the release of deploy " + deployId + " is no longer kept (the last " + stored.releasesKept()
                    + " of a site are, and the one it serves)");
        }
        return new Archive(siteName + "-" + deploy.releaseId() + ".tar.gz", deploy.releaseId());
    }

    /** Writes a release {@link #archive} found as a tar.gz to {@code sink} (not closed). */
    public void writeArchive(Archive archive, OutputStream sink) throws IOException {
        java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(sink, 64 * 1024);
        contentStore.writeTar(archive.releaseId(), gzip);
        gzip.finish();
    }

    /** A release to download: its file name and its release. */
    public record Archive(String fileName, String releaseId) {
    }

    /** One page of a site's deploys, newest first. */
    public Page list(Caller caller, String siteName, String cursor, int limit) {
        Site site = sites.get(caller, siteName);
        Cursor.TimeAndId before = Cursor.decodeTimeAndId(cursor,
                new Cursor.TimeAndId(Instant.parse("9999-12-31T00:00:00Z"), new UUID(-1L, -1L)));
        List<Deploy> fetched = jdbi.withExtension(DeployDao.class, dao -> dao.list(site.id(), before.time(), before.id(), limit + 1));
        if (fetched.size() <= limit) {
            return new Page(fetched, null);
        }
        List<Deploy> items = fetched.subList(0, limit);
        Deploy last = items.get(limit - 1);
        return new Page(items, Cursor.encode(last.createdAt(), last.id()));
    }

    /**
     * How a Git source proves access: {@code credential} is none, token or deployKey. A token may be
     * left out to keep the one stored; the deploy key is kept until {@code rotateDeployKey}.
     */
    public record GitAccess(String credential, String tokenUsername, String token, boolean rotateDeployKey) {
        public static final GitAccess PUBLIC = new GitAccess(DeployDao.GitSource.NONE, null, null, false);
    }

    /** Sets where the site deploys from; returns the source with a new secret, shown once. */
    public DeployDao.GitSource setGitSource(Caller caller, String siteName, String repositoryUrl, String branch, String path) {
        return setGitSource(caller, siteName, repositoryUrl, branch, path, GitAccess.PUBLIC);
    }

    /**
     * Sets where the site deploys from and how it proves access; returns the source with a new
     * webhook secret, shown once. A deploy key is generated the first time one is asked for and
     * kept across later changes (the tenant added it at the Git host once); the SSH host key
     * trusted so far is forgotten, so the next fetch trusts the key it meets.
     */
    public DeployDao.GitSource setGitSource(Caller caller, String siteName, String repositoryUrl, String branch, String path,
                                            GitAccess access) {
        Site site = liveSite(caller, siteName);
        if (sites.previewOf(site.id()).isPresent()) {
            throw Problems.CONFLICT.with("'" + siteName + "' is a branch preview: it deploys from its site's Git source");
        }
        String credential = access.credential() == null ? DeployDao.GitSource.NONE : access.credential();
        boolean ssh = RepositoryUrlPolicy.isSsh(repositoryUrl);
        if (ssh && !credential.equals(DeployDao.GitSource.DEPLOY_KEY)) {
            throw ProblemException.invalidField("repositoryUrl", "an ssh URL is fetched with the site's deploy key: set credential to deployKey");
        }
        if (!ssh && credential.equals(DeployDao.GitSource.DEPLOY_KEY)) {
            throw ProblemException.invalidField("repositoryUrl", "a deploy key is used over ssh: give the repository's ssh URL, such as"
                    + " git@github.com:org/site.git");
        }
        try {
            urlPolicy.check(repositoryUrl);
        } catch (RepositoryUrlRefusedException refused) {
            throw ProblemException.invalidField("repositoryUrl", refused.getMessage());
        }
        if (!branch.matches("[A-Za-z0-9._/-]{1,255}") || branch.startsWith("/") || branch.endsWith("/") || branch.contains("..")) {
            throw ProblemException.invalidField("branch", "must be a branch name such as main");
        }
        String folder = path == null ? "" : path.replaceAll("^/+|/+$", "");
        if (!folder.isEmpty() && (!folder.matches("[A-Za-z0-9._/ -]{1,1024}") || List.of(folder.split("/")).contains(".."))) {
            throw ProblemException.invalidField("path", "must be a folder inside the repository, such as public or docs/site");
        }
        Optional<DeployDao.GitSource> previous = jdbi.withExtension(DeployDao.class, dao -> dao.gitSource(site.id()));
        String tokenUsername = null;
        String sealed = null;
        String publicKey = previous.map(DeployDao.GitSource::deployPublicKey).orElse(null);
        String keptKey = previous.filter(p -> p.credential().equals(DeployDao.GitSource.DEPLOY_KEY)).map(DeployDao.GitSource::secretSealed)
                .orElse(null);
        switch (credential) {
            case DeployDao.GitSource.TOKEN -> {
                tokenUsername = access.tokenUsername() == null || access.tokenUsername().isBlank() ? "x-access-token" : access.tokenUsername();
                if (!tokenUsername.matches("[A-Za-z0-9._@+-]{1,100}")) {
                    throw ProblemException.invalidField("tokenUsername", "must be 1 to 100 letters, digits or ._@+-");
                }
                if (access.token() != null) {
                    if (!access.token().matches("[\\x21-\\x7e]{1,500}")) {
                        throw ProblemException.invalidField("token", "must be 1 to 500 printable characters without spaces");
                    }
                    sealed = gitSecrets.sealToken(site.id(), access.token());
                } else {
                    sealed = previous.filter(p -> p.credential().equals(DeployDao.GitSource.TOKEN)).map(DeployDao.GitSource::secretSealed)
                            .orElseThrow(() -> ProblemException.invalidField("token", "a token is required (none is stored yet)"));
                }
                publicKey = null;
            }
            case DeployDao.GitSource.DEPLOY_KEY -> {
                if (keptKey == null || publicKey == null || access.rotateDeployKey()) {
                    dev.berth.api.deploys.git.DeployKeys.Generated generated = dev.berth.api.deploys.git.DeployKeys.generate(
                            "berth-deploy-key-" + site.name());
                    sealed = gitSecrets.sealDeployKey(site.id(), generated.privateKeyPkcs8());
                    publicKey = generated.publicKeyOpenSsh();
                } else {
                    sealed = keptKey;
                }
            }
            case DeployDao.GitSource.NONE -> {
                if (access.token() != null) {
                    throw ProblemException.invalidField("token", "a token is given with credential token");
                }
                publicKey = null;
            }
            default -> throw ProblemException.invalidField("credential", "must be none, token or deployKey");
        }
        DeployDao.GitSource source = new DeployDao.GitSource(site.id(), repositoryUrl, branch, folder, Secrets.random("", 32),
                clock.instant(), credential, tokenUsername, sealed, publicKey, null);
        jdbi.useTransaction(handle -> {
            DeployDao dao = handle.attach(DeployDao.class);
            dao.deleteGitSource(site.id());
            dao.insertGitSource(source);
        });
        return source;
    }

    public DeployDao.GitSource gitSource(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        return jdbi.withExtension(DeployDao.class, dao -> dao.gitSource(site.id()))
                .orElseThrow(() -> Problems.NOT_FOUND.with("site '" + siteName + "' has no Git source"));
    }

    public void deleteGitSource(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        if (jdbi.withExtension(DeployDao.class, dao -> dao.deleteGitSource(site.id())) == 0) {
            throw Problems.NOT_FOUND.with("site '" + siteName + "' has no Git source");
        }
    }

    /**
     * Handles a webhook delivery for a site: verifies it, de-duplicates it by delivery id and
     * queues a deploy durably. Unknown sites and sites without a Git source answer 404; a verified
     * delivery for a suspended tenant's site answers 403 {@code tenant-suspended}. Refused
     * deliveries count against the client address, authenticated ones against the site (429 with
     * Retry-After over either budget); a tenant whose queue is full is told to retry (429).
     */
    public WebhookResult receiveWebhook(String siteName, java.util.function.Function<String, String> header, byte[] body,
                                        String clientAddress) {
        String address = clientAddress == null ? "" : clientAddress;
        webhookLimits.refusalsPerAddress().requireAvailable(address);
        Site site = jdbi.withExtension(SiteDao.class, dao -> dao.findByName(siteName))
                .filter(s -> !s.deleting())
                .orElseThrow(() -> refusedDelivery(address, Problems.NOT_FOUND.with("no site '" + siteName + "' deploys from Git")));
        DeployDao.GitSource source = jdbi.withExtension(DeployDao.class, dao -> dao.gitSource(site.id()))
                .orElseThrow(() -> refusedDelivery(address, Problems.NOT_FOUND.with("no site '" + siteName + "' deploys from Git")));
        WebhookOutcome verdict = verifier.verify(header, body, source.secret(), source.branch());
        if (verdict instanceof WebhookOutcome.Rejected rejected) {
            throw refusedDelivery(address, rejected.cause() == WebhookOutcome.Rejected.Cause.UNAUTHENTICATED
                    ? Problems.INVALID_TOKEN.with(rejected.reason()) : Problems.VALIDATION.with(rejected.reason()));
        }
        webhookLimits.deliveriesPerSite().acquire(site.id());
        // An authenticated delivery is the tenant's own write: refused like its API writes while it is suspended.
        if (site.tenantSuspended()) {
            throw Problems.TENANT_SUSPENDED.with("the tenant of site '" + siteName + "' is suspended: nothing is deployed");
        }
        if (verdict instanceof WebhookOutcome.Ignored ignored) {
            return new WebhookResult("ignored", ignored.reason(), null, null);
        }
        if (verdict instanceof WebhookOutcome.BranchDeleted deleted) {
            String branch = deleted.branch();
            return sites.removePreview(site, branch)
                    .map(preview -> new WebhookResult("removed", "branch '" + branch + "' was deleted: its preview is removed", null,
                            preview.name()))
                    .orElseGet(() -> new WebhookResult("ignored", "branch '" + branch + "' was deleted; it has no preview", null, null));
        }
        if (!queue.hasRoom(site.tenantId())) {
            throw new ProblemException(Problems.RATE_LIMITED, "the tenant has " + queue.maxQueuedPerTenant()
                    + " deploys queued already; deliver again once they ran", List.of(), Map.of("Retry-After", "30"));
        }
        WebhookOutcome.Deploy push = (WebhookOutcome.Deploy) verdict;
        Instant now = clock.instant();
        String deliveryId = push.deliveryId().map(id -> id.length() > 128 ? id.substring(0, 128) : id).orElse(null);
        try {
            if (!push.branch().equals(source.branch())) {
                return queuePreview(site, push, deliveryId, now);
            }
            Deploy deploy = newDeploy(site, "git", push.commit(), deliveryId, Deploy.QUEUED);
            jdbi.useTransaction(handle -> queue(handle, site, deploy, now));
            return new WebhookResult("queued", null, deploy.id(), null);
        } catch (UnableToExecuteStatementException failure) {
            if (Sql.isUniqueViolation(failure)) {
                return new WebhookResult("duplicate", "delivery " + deliveryId + " was already received", null, null);
            }
            throw failure;
        }
    }

    /**
     * A push to another branch than the site's: creates the branch's preview (counted in the
     * tenant's quota of sites) or records the push to it, and queues its deploy, in one transaction
     * with the delivery's id.
     */
    private WebhookResult queuePreview(Site parent, WebhookOutcome.Deploy push, String deliveryId, Instant now) {
        List<Deploy> queued = new ArrayList<>(1);
        SiteService.PreviewPush pushed = sites.pushPreview(parent, push.branch(), (handle, preview) -> {
            Deploy deploy = newDeploy(preview, "git", push.commit(), deliveryId, Deploy.QUEUED);
            // The delivery is recorded against the site it was sent to: its id is unique there.
            queue(handle, parent, deploy, now);
            queued.add(deploy);
        });
        return new WebhookResult("queued", (pushed.created() ? "created" : "redeploying") + " the preview of branch '" + push.branch()
                + "'", queued.get(0).id(), pushed.site().name());
    }

    /** Stores a queued Git deploy and the delivery that asked for it (a unique violation when the delivery was seen before). */
    private static void queue(org.jdbi.v3.core.Handle handle, Site receiver, Deploy deploy, Instant now) {
        DeployDao dao = handle.attach(DeployDao.class);
        if (deploy.deliveryId() != null) {
            dao.recordDelivery(receiver.id(), deploy.deliveryId(), now);
        }
        dao.insert(deploy);
    }

    /**
     * Queues a Git deploy of the site's configured branch head (a preview's branch), as a push would;
     * the caller nudges the worker. 404 without a Git source, 429 when the tenant's queue is full.
     */
    public Deploy redeploy(Caller caller, String siteName) {
        Site site = liveSite(caller, siteName);
        sourceOf(site).orElseThrow(() -> Problems.NOT_FOUND.with("site '" + siteName + "' has no Git source to deploy from"));
        if (!queue.hasRoom(site.tenantId())) {
            throw new ProblemException(Problems.RATE_LIMITED, "the tenant has " + queue.maxQueuedPerTenant()
                    + " deploys queued already; redeploy once they ran", List.of(), Map.of("Retry-After", "30"));
        }
        Deploy deploy = newDeploy(site, "git", null, null, Deploy.QUEUED);
        jdbi.useExtension(DeployDao.class, dao -> dao.insert(deploy));
        return deploy;
    }

    private ProblemException refusedDelivery(String address, ProblemException refusal) {
        webhookLimits.refusalsPerAddress().count(address);
        return refusal;
    }

    /**
     * Called when the host reports a site at a generation (the reconciler's applied listener, wired at
     * composition): deploys it made live become live (and say so: deploy.live).
     */
    public static void promote(org.jdbi.v3.core.Handle handle, Site site, long appliedGeneration, Instant now) {
        handle.attach(DeployDao.class).promote(site.id(), appliedGeneration, now).ifPresent(live -> Events.publish(handle, site.tenantId(),
                EventType.DEPLOY_LIVE, now, eventData(site.name(), live, null)));
    }

    /** The data of a deploy event. */
    private static Map<String, Object> eventData(String siteName, Deploy deploy, String error) {
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("site", siteName);
        data.put("deployId", deploy.id().toString());
        data.put("source", deploy.source());
        data.put("commit", deploy.commitSha());
        data.put("error", error);
        return data;
    }

    /**
     * Installs the content, or for a site with a build step builds it first: in the background for
     * an upload or manifest (which answer at once, {@code building}), in line for a Git deploy (on
     * its worker already). The build's lines go to the deploy's log as they come.
     */
    private Deploy deliver(Site site, Deploy deploy, Path tar, int files, long bytes, Log log, boolean inBackground) throws IOException {
        Optional<SiteBuilds.Step> step = builds.stepOf(site);
        if (step.isEmpty()) {
            return install(site, deploy, tar, files, bytes, log);
        }
        log.add("building with `" + step.get().command().replaceAll("\\s+", " ") + "`, publishing " + step.get().outputDirectory() + "/");
        Instant now = clock.instant();
        if (jdbi.withExtension(DeployDao.class, dao -> dao.update(deploy.id(), Deploy.BUILDING, null, bytes, files, log.text(), now)) == 0) {
            throw Problems.CONFLICT.with("the deploy is gone");
        }
        Deploy building = new Deploy(deploy.id(), deploy.siteId(), deploy.tenantId(), deploy.source(), deploy.commitSha(),
                deploy.deliveryId(), deploy.releaseId(), Deploy.BUILDING, null, bytes, files, null, log.text(), deploy.createdAt(), now, null);
        if (!inBackground) {
            return buildAndInstall(site, building, step.get(), tar, log);
        }
        // The sources now belong to the build: the caller's clean-up of its path finds nothing.
        Path sources = Files.createTempFile(spool, "sources-", ".tar");
        Files.move(tar, sources, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        buildRunner.execute(() -> {
            try {
                buildAndInstall(site, building, step.get(), sources, log);
            } catch (ProblemException refused) {
                // Most refusals were recorded on the deploy on their way out; one that was not (the site
                // deleted meanwhile, its transaction rolled back) must not leave it building for ever.
                if (jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).map(Deploy::status)
                        .filter(Deploy.BUILDING::equals).isPresent()) {
                    fail(building, log, refused.getMessage());
                }
            } catch (IOException | RuntimeException failure) {
                LOG.warn("Build deploy {} failed", deploy.id(), failure);
                fail(building, log, "the build could not be published: " + failure.getMessage());
            } finally {
                deleteQuietly(sources);
            }
        });
        return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElse(building);
    }

    private Deploy buildAndInstall(Site site, Deploy deploy, SiteBuilds.Step step, Path sources, Log log) throws IOException {
        Quota quota = quota(site.tenantId());
        long free;
        try {
            free = requireFreeDisk(site, quota);
        } catch (ProblemException full) {
            fail(deploy, log, full.getMessage());
            throw full;
        }
        long[] saved = {0};
        java.util.function.Consumer<String> lines = line -> {
            log.add("| " + line);
            long at = System.nanoTime();
            if (at - saved[0] > 500_000_000L) {
                saved[0] = at;
                jdbi.useExtension(DeployDao.class, dao -> dao.updateBuildLog(deploy.id(), log.text(), clock.instant()));
            }
        };
        SiteBuilds.Built built;
        try {
            specFirst.deliver(site.id());
            built = builds.build(site, step, quota, sources, free, contentLimits, lines);
        } catch (SiteBuilds.BuildFailedException failed) {
            fail(deploy, log, failed.getMessage());
            return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElse(deploy);
        } catch (ContentRefusedException refused) {
            fail(deploy, log, "the build's output: " + refused.getMessage());
            return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElse(deploy);
        } catch (HostException failure) {
            LOG.warn("Building deploy {} of site {} failed: {}", deploy.id(), site.id(), failure.getMessage());
            fail(deploy, log, "the node could not run the build right now; deploy again in a few seconds");
            return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElse(deploy);
        }
        try {
            log.add("built " + built.counts().files() + " files, " + built.counts().bytes() + " bytes");
            return install(site, deploy, built.tar(), (int) built.counts().files(), built.counts().bytes(), log);
        } finally {
            deleteQuietly(built.tar());
        }
    }

    private Deploy install(Site site, Deploy deploy, Path tar, int files, long bytes, Log log) throws IOException {
        ServingRules rules = ReleaseRulesCheck.check(tar);
        if (!rules.isEmpty()) {
            log.add("serving rules: " + rules.redirects().size() + " redirects, " + rules.headers().size() + " headers");
        }
        reserveDisk(site, deploy, files, bytes, log);
        // The store and the node read the tar at the same time. The site names the release only once
        // both hold it (the transaction below), so a release a site serves can always be sent again and
        // downloaded. A node may be left holding a release the store failed to keep, as after a crash
        // between the install and that transaction: no site names it, and the node prunes it as it
        // prunes every release it no longer serves.
        java.util.concurrent.Future<?> storing = releaseStores.submit(() -> contentStore.put(site.id(), deploy.releaseId(), tar));
        HostException notInstalled;
        try {
            notInstalled = installOnNode(site, deploy, tar);
        } catch (IOException | RuntimeException broken) {
            // Awaited all the same: the caller deletes the tar once this returns.
            awaitStored(storing);
            throw broken;
        }
        Throwable notStored = awaitStored(storing);
        if (notStored instanceof IOException unreadable) {
            throw unreadable;
        }
        if (notStored != null) {
            LOG.warn("Storing release {} of site {} failed", deploy.releaseId(), site.id(), notStored);
            fail(deploy, log, "the release could not be stored; deploy again in a few seconds", bytes, files);
            throw Problems.UNAVAILABLE.with("the release could not be stored; retry in a few seconds");
        }
        log.add("stored release " + deploy.releaseId() + " in the content store");
        if (notInstalled != null) {
            HostException failure = notInstalled;
            // The host's message names internal ids and sockets: the operator's log gets it, the tenant a plain sentence.
            LOG.warn("Installing release {} of site {} failed: {}", deploy.releaseId(), site.id(), failure.getMessage());
            fail(deploy, log, failure.retryable() ? "the host could not install the release right now; deploy again in a few seconds"
                    : "the host refused the release", bytes, files);
            throw Problems.UNAVAILABLE.with(failure.retryable()
                    ? "the host is not ready for this site yet; retry in a few seconds" : "the host refused the release");
        }
        log.add("installed release " + deploy.releaseId() + "; switching the site to it");
        Instant now = clock.instant();
        long generation = jdbi.inTransaction(handle -> {
            if (handle.attach(SiteDao.class).setRelease(site.id(), deploy.releaseId(), now) == 0) {
                throw Problems.CONFLICT.with("the site is being deleted");
            }
            long next = handle.attach(SiteDao.class).generation(site.id());
            DeployDao dao = handle.attach(DeployDao.class);
            dao.update(deploy.id(), Deploy.INSTALLING, null, bytes, files, log.text(), now);
            dao.markInstalling(deploy.id(), next, log.text(), now);
            return next;
        });
        releaseChanged.accept(site.id());
        return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id())).orElse(withStatus(deploy, Deploy.INSTALLING, generation));
    }

    /**
     * Streams the release to the site's node; returns the node's refusal rather than throwing it. A
     * node refuses a release for a site it holds no spec of: a site created a moment ago may not have
     * reached its node yet, so its spec goes first (or the push already sending it is awaited).
     */
    private HostException installOnNode(Site site, Deploy deploy, Path tar) throws IOException {
        try (InputStream in = Files.newInputStream(tar)) {
            specFirst.deliver(site.id());
            host.installRelease(site.id(), deploy.releaseId(), in);
            return null;
        } catch (HostException failure) {
            return failure;
        }
    }

    /** Waits for a release's storing; returns why it failed, or null once it is stored. */
    private static Throwable awaitStored(java.util.concurrent.Future<?> storing) {
        try {
            storing.get();
            return null;
        } catch (java.util.concurrent.ExecutionException failed) {
            return failed.getCause();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return interrupted;
        }
    }

    /**
     * The bytes a new release of {@code site} may take: the tenant's diskMib less every release the
     * host keeps, the site's oldest (which the new one pushes out) aside.
     *
     * @throws ProblemException 422 quota-exceeded when nothing is left
     */
    private long requireFreeDisk(Site site, Quota quota) {
        long kept = jdbi.withHandle(handle -> stored.bytesBeforeAdding(handle, site.tenantId(), site.id()));
        long free = quota.diskMib() * MIB - kept;
        if (free <= 0) {
            throw Problems.QUOTA_EXCEEDED.with("the tenant's kept releases fill its diskMib of " + quota.diskMib()
                    + " MiB; delete a site or ask for more space");
        }
        return free;
    }

    /**
     * Counts the unpacked release against the tenant's disk under the tenant's lock, so that two
     * deploys at once cannot both take the same free space; refuses it when it does not fit.
     */
    private void reserveDisk(Site site, Deploy deploy, int files, long bytes, Log log) throws ContentRefusedException {
        Instant now = clock.instant();
        String refusal = jdbi.inTransaction(handle -> {
            handle.attach(TenantDao.class).lock(site.tenantId());
            Quota quota = handle.attach(TenantDao.class).findQuota(site.tenantId()).orElseThrow().quota();
            long kept = stored.bytesBeforeAdding(handle, site.tenantId(), site.id());
            if (kept + bytes > quota.diskMib() * MIB) {
                return "the release (" + bytes + " bytes) does not fit: the tenant's kept releases use " + kept + " of its diskMib of "
                        + quota.diskMib() + " MiB";
            }
            handle.attach(DeployDao.class).update(deploy.id(), Deploy.INSTALLING, null, bytes, files, log.text(), now);
            return null;
        });
        if (refusal != null) {
            // Refused like an archive over the quota: the caller fails the deploy and answers quota-exceeded.
            throw new ContentRefusedException(ContentRefusedException.Rule.TOO_MANY_BYTES, refusal);
        }
    }

    private void fail(Deploy deploy, Log log, String error) {
        fail(deploy, log, error, deploy.bytes(), deploy.files());
    }

    private void fail(Deploy deploy, Log log, String error, long bytes, int files) {
        log.add("failed: " + error);
        String message = error.length() > 2000 ? error.substring(0, 2000) : error;
        Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).lock(deploy.tenantId());
            handle.attach(DeployDao.class).update(deploy.id(), Deploy.FAILED, message, bytes, files, log.text(), now);
            String siteName = handle.attach(SiteDao.class).findById(deploy.siteId()).map(Site::name).orElse(null);
            Events.publish(handle, deploy.tenantId(), EventType.DEPLOY_FAILED, now, eventData(siteName, deploy, message));
        });
    }

    private Site liveSite(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        if (site.deleting()) {
            throw Problems.CONFLICT.with("the site is being deleted");
        }
        return site;
    }

    private Quota quota(UUID tenantId) {
        return jdbi.withExtension(TenantDao.class, dao -> dao.findQuota(tenantId)).orElseThrow().quota();
    }

    private Deploy newDeploy(Site site, String source, String commit, String deliveryId, String status) {
        Instant now = clock.instant();
        String releaseId = RELEASE_TIME.format(now) + "-" + UUID.randomUUID().toString().substring(0, 8);
        return new Deploy(UUID.randomUUID(), site.id(), site.tenantId(), source, commit, deliveryId, releaseId, status, null, 0, 0,
                null, null, now, now, null);
    }

    private static Deploy withStatus(Deploy deploy, String status, long generation) {
        return new Deploy(deploy.id(), deploy.siteId(), deploy.tenantId(), deploy.source(), deploy.commitSha(), deploy.deliveryId(),
                deploy.releaseId(), status, generation, deploy.bytes(), deploy.files(), deploy.error(), deploy.log(), deploy.createdAt(),
                deploy.updatedAt(), deploy.liveAt());
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the spool directory is swept at start-up
            }
        }
    }

    /** The branch previews of a site of the caller's tenant, by branch, with the deploy each serves and its newest. */
    public List<PreviewState> previews(Caller caller, String siteName) {
        return sites.previews(caller, siteName).stream().map(preview -> jdbi.withExtension(DeployDao.class, dao -> new PreviewState(preview,
                dao.live(preview.site().id()).orElse(null), dao.newest(preview.site().id()).orElse(null)))).toList();
    }

    /** A preview, the deploy it serves and its newest deploy (either null when there is none). */
    public record PreviewState(SiteService.PreviewSite preview, Deploy live, Deploy newest) {
    }

    /** A page of deploys and the cursor of the next page, if any. */
    public record Page(List<Deploy> items, String nextCursor) {
    }

    /** What a webhook delivery led to. */
    public record WebhookResult(String outcome, String reason, UUID deployId, String preview) {
    }

    /** A deploy's log lines, timestamped. */
    private static final class Log {
        private final Clock clock;
        private final List<String> lines = new ArrayList<>();

        Log(Clock clock) {
            this.clock = clock;
        }

        /** Goes on with a deploy's log as stored. */
        Log(Clock clock, String stored) {
            this.clock = clock;
            if (stored != null && !stored.isEmpty()) {
                lines.addAll(List.of(stored.split("\n")));
            }
        }

        void add(String line) {
            lines.add(clock.instant() + " " + line);
        }

        String text() {
            return String.join("\n", lines);
        }
    }
}
