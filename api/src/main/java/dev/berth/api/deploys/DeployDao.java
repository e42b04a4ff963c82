package dev.berth.api.deploys;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;
import org.jdbi.v3.sqlobject.transaction.Transaction;

/** Deploys, Git sources and webhook deliveries. */
@RegisterConstructorMapper(Deploy.class)
@RegisterConstructorMapper(DeployDao.GitSource.class)
public interface DeployDao {
    String COLUMNS = "id, site_id, tenant_id, source, commit_sha, delivery_id, release_id, status, generation, bytes, files, error, "
            + "log, created_at, updated_at, live_at";

    @SqlUpdate("""
            INSERT INTO deploys (id, site_id, tenant_id, source, commit_sha, delivery_id, release_id, status, generation, bytes,
                                 files, error, log, created_at, updated_at)
            VALUES (:id, :siteId, :tenantId, :source, :commitSha, :deliveryId, :releaseId, :status, :generation, :bytes,
                    :files, :error, :log, :createdAt, :updatedAt)
            """)
    void insert(@BindMethods Deploy deploy);

    @SqlQuery("SELECT " + COLUMNS + " FROM deploys WHERE id = :id AND site_id = :siteId")
    Optional<Deploy> find(@Bind("siteId") UUID siteId, @Bind("id") UUID id);

    @SqlQuery("SELECT " + COLUMNS + " FROM deploys WHERE id = :id")
    Optional<Deploy> findById(@Bind("id") UUID id);

    /** The deploy a site serves: its newest live one. */
    @SqlQuery("SELECT " + COLUMNS + " FROM deploys WHERE site_id = :siteId AND status = 'live' ORDER BY live_at DESC LIMIT 1")
    Optional<Deploy> live(@Bind("siteId") UUID siteId);

    @SqlQuery("SELECT " + COLUMNS + " FROM deploys WHERE site_id = :siteId ORDER BY created_at DESC, id DESC LIMIT 1")
    Optional<Deploy> newest(@Bind("siteId") UUID siteId);

    @SqlQuery("SELECT " + COLUMNS + """
             FROM deploys
            WHERE site_id = :siteId AND (created_at < :beforeTime OR (created_at = :beforeTime AND id < :beforeId))
            ORDER BY created_at DESC, id DESC LIMIT :limit
            """)
    List<Deploy> list(@Bind("siteId") UUID siteId, @Bind("beforeTime") Instant beforeTime, @Bind("beforeId") UUID beforeId,
                      @Bind("limit") int limit);

    @SqlUpdate("""
            UPDATE deploys SET status = :status, error = :error, bytes = :bytes, files = :files, log = :log, updated_at = :now
            WHERE id = :id
            """)
    int update(@Bind("id") UUID id, @Bind("status") String status, @Bind("error") String error, @Bind("bytes") long bytes,
               @Bind("files") int files, @Bind("log") String log, @Bind("now") Instant now);

    @SqlUpdate("UPDATE deploys SET status = 'installing', generation = :generation, log = :log, updated_at = :now WHERE id = :id")
    int markInstalling(@Bind("id") UUID id, @Bind("generation") long generation, @Bind("log") String log, @Bind("now") Instant now);

    @SqlBatch("INSERT INTO deploy_manifest_files (deploy_id, seq, path, sha256) VALUES (:deployId, :file.seq, :file.path, :file.sha256)")
    void insertManifestFiles(@Bind("deployId") UUID deployId, @BindMethods("file") List<ManifestFile> files);

    /** Counts the files of these digests present for the deploy (its tenant holds them, or it received their bytes). */
    @SqlUpdate("UPDATE deploy_manifest_files SET proved = :proved WHERE deploy_id = :deployId AND sha256 IN (<sha256s>)")
    int setProved(@Bind("deployId") UUID deployId, @BindList("sha256s") List<String> sha256s, @Bind("proved") boolean proved);

    /** The digests the deploy still lacks, once each, in manifest order. */
    @SqlQuery("SELECT sha256 FROM deploy_manifest_files WHERE deploy_id = :deployId AND NOT proved GROUP BY sha256 ORDER BY MIN(seq)")
    List<String> unproved(@Bind("deployId") UUID deployId);

    @SqlQuery("SELECT seq, path, sha256 FROM deploy_manifest_files WHERE deploy_id = :deployId ORDER BY seq")
    @RegisterConstructorMapper(ManifestFile.class)
    List<ManifestFile> manifestFiles(@Bind("deployId") UUID deployId);

    @SqlUpdate("DELETE FROM deploy_manifest_files WHERE deploy_id = :deployId")
    int deleteManifestFiles(@Bind("deployId") UUID deployId);

    /** A building deploy's log so far (the build's lines as they come). */
    @SqlUpdate("UPDATE deploys SET log = :log, updated_at = :now WHERE id = :id AND status = 'building'")
    int updateBuildLog(@Bind("id") UUID id, @Bind("log") String log, @Bind("now") Instant now);

    /** Moves a deploy from {@code from} to {@code to}; 0 when it was not in {@code from} (another request moved it). */
    @SqlUpdate("UPDATE deploys SET status = :to, log = :log, updated_at = :now WHERE id = :id AND status = :from")
    int transition(@Bind("id") UUID id, @Bind("from") String from, @Bind("to") String to, @Bind("log") String log,
                   @Bind("now") Instant now);

    /** The site's deploys still uploading (at most one, unless two manifests raced). */
    @SqlQuery("SELECT " + COLUMNS + " FROM deploys WHERE site_id = :siteId AND status = 'uploading'")
    List<Deploy> uploading(@Bind("siteId") UUID siteId);

    /** Deploys left uploading since before {@code before}, anywhere. */
    @SqlQuery("SELECT " + COLUMNS + " FROM deploys WHERE status = 'uploading' AND updated_at < :before")
    List<Deploy> uploadingSince(@Bind("before") Instant before);

    /**
     * One file a deploy by manifest publishes.
     *
     * @param seq its place in path order
     */
    record ManifestFile(int seq, String path, String sha256) {
    }

    @SqlUpdate("UPDATE deploys SET commit_sha = :commit WHERE id = :id")
    int setCommit(@Bind("id") UUID id, @Bind("commit") String commit);

    /**
     * The queued deploy to run next (see {@link DeployQueue}): of a site with no Git deploy running
     * since {@code staleBefore}, of the tenant whose last deploy started longest ago (never: first),
     * that tenant's oldest.
     */
    @SqlQuery("SELECT " + COLUMNS + """
             FROM deploys d
            WHERE d.status = 'queued'
              AND NOT EXISTS (SELECT 1 FROM deploys r WHERE r.site_id = d.site_id AND r.source = 'git' AND r.started_at > :staleBefore
                                AND (r.status IN ('unpacking', 'building') OR (r.status = 'installing' AND r.generation IS NULL)))
            ORDER BY (SELECT MAX(s.started_at) FROM deploys s WHERE s.tenant_id = d.tenant_id) NULLS FIRST, d.created_at, d.id
            LIMIT 1
            """)
    Optional<Deploy> nextClaimable(@Bind("staleBefore") Instant staleBefore);

    @SqlQuery("SELECT id FROM sites WHERE id = :siteId FOR UPDATE")
    Optional<UUID> lockSite(@Bind("siteId") UUID siteId);

    /** Git deploys of a site running (claimed, fetching or being installed) since {@code staleBefore}. */
    @SqlQuery("""
            SELECT COUNT(*) FROM deploys
            WHERE site_id = :siteId AND source = 'git' AND started_at > :staleBefore
              AND (status IN ('unpacking', 'building') OR (status = 'installing' AND generation IS NULL))
            """)
    int countRunning(@Bind("siteId") UUID siteId, @Bind("staleBefore") Instant staleBefore);

    /** Claims a queued deploy; 0 when another worker claimed it first. */
    @SqlUpdate("""
            UPDATE deploys SET status = 'unpacking', started_at = :now, updated_at = :now, claimed_by = :replica
            WHERE id = :id AND status = 'queued'
            """)
    int markStarted(@Bind("id") UUID id, @Bind("now") Instant now, @Bind("replica") int replica);

    @SqlQuery("SELECT COUNT(*) FROM deploys WHERE tenant_id = :tenantId AND status = 'queued'")
    int countQueued(@Bind("tenantId") UUID tenantId);

    /**
     * Deploys whose replica ended before they reached the host (none of {@code alive} claims them): Git ones
     * are queued again, uploads failed (their body is gone).
     */
    @SqlUpdate("""
            UPDATE deploys SET status = CASE WHEN source = 'git' THEN 'queued' ELSE 'failed' END,
                   error = CASE WHEN source = 'git' THEN NULL ELSE 'interrupted by a restart of the API; upload again' END,
                   claimed_by = NULL, updated_at = :now
            WHERE (status IN ('unpacking', 'building') OR (status = 'installing' AND generation IS NULL))
              AND (claimed_by IS NULL OR claimed_by NOT IN (<alive>))
            """)
    int recoverInterrupted(@Bind("now") Instant now, @BindList("alive") java.util.Collection<Integer> alive);

    /** Records that this replica runs the deploy. */
    @SqlUpdate("UPDATE deploys SET claimed_by = :replica WHERE id = :id")
    int claimedBy(@Bind("id") UUID id, @Bind("replica") int replica);

    /**
     * Marks live the newest deploy the host has applied, and supersedes the ones it replaces.
     * Called in the transaction that records the host's report. Returns the deploy that went live, if one did.
     */
    @Transaction
    default Optional<Deploy> promote(UUID siteId, long appliedGeneration, Instant now) {
        Optional<Deploy> newest = newestInstalledUpTo(siteId, appliedGeneration);
        if (newest.isEmpty()) {
            return newest;
        }
        supersedeOthers(siteId, newest.get().id(), now);
        markLive(newest.get().id(), now);
        return newest;
    }

    @SqlQuery("SELECT " + COLUMNS + """
             FROM deploys WHERE site_id = :siteId AND status = 'installing' AND generation <= :applied
            ORDER BY generation DESC LIMIT 1
            """)
    Optional<Deploy> newestInstalledUpTo(@Bind("siteId") UUID siteId, @Bind("applied") long appliedGeneration);

    @SqlUpdate("""
            UPDATE deploys SET status = 'superseded', updated_at = :now
            WHERE site_id = :siteId AND id <> :keep AND (status = 'live' OR (status = 'installing' AND generation IS NOT NULL
                  AND generation < (SELECT generation FROM deploys WHERE id = :keep)))
            """)
    int supersedeOthers(@Bind("siteId") UUID siteId, @Bind("keep") UUID keep, @Bind("now") Instant now);

    @SqlUpdate("UPDATE deploys SET status = 'live', live_at = :now, updated_at = :now WHERE id = :id")
    int markLive(@Bind("id") UUID id, @Bind("now") Instant now);

    /**
     * One row per release installed on a host (or being installed), with its size and its position
     * among its site's releases, newest installation first: what {@link StoredReleases} counts. A
     * rollback installs nothing, so a release's age is its first deploy's.
     */
    String INSTALLED_RELEASES = """
            SELECT d.site_id, d.release_id, MAX(d.bytes) AS bytes,
                   ROW_NUMBER() OVER (PARTITION BY d.site_id ORDER BY MIN(d.created_at) DESC, d.release_id DESC) AS position
              FROM deploys d
             WHERE d.status IN ('installing', 'live', 'superseded') AND """;
    String BY_RELEASE = " GROUP BY d.site_id, d.release_id";

    /** The releases the host keeps of a site: its {@code kept} newest and the one it serves. */
    @SqlQuery("SELECT r.release_id FROM (" + INSTALLED_RELEASES + " d.site_id = :siteId" + BY_RELEASE + """
            ) r JOIN sites s ON s.id = r.site_id
             WHERE r.position <= :kept OR r.release_id = s.release_id
             ORDER BY r.position
            """)
    List<String> keptReleases(@Bind("siteId") UUID siteId, @Bind("kept") int kept);

    /**
     * Bytes of every release the host keeps for a tenant's sites; in {@code makingRoomIn} one
     * position fewer, for the release about to be added there (the nil UUID: none).
     */
    @SqlQuery("SELECT COALESCE(SUM(r.bytes), 0) FROM (" + INSTALLED_RELEASES + " d.tenant_id = :tenantId" + BY_RELEASE + """
            ) r JOIN sites s ON s.id = r.site_id
             WHERE r.position <= CASE WHEN r.site_id = :makingRoomIn THEN :kept - 1 ELSE :kept END OR r.release_id = s.release_id
            """)
    long keptBytes(@Bind("tenantId") UUID tenantId, @Bind("kept") int kept, @Bind("makingRoomIn") UUID makingRoomIn);

    @SqlQuery("""
            SELECT site_id, repository_url, branch, path, secret, updated_at, credential, token_username, secret_sealed,
                   deploy_public_key, known_host_key
            FROM git_sources WHERE site_id = :siteId
            """)
    Optional<GitSource> gitSource(@Bind("siteId") UUID siteId);

    /** Trusts {@code hostKey} for the site's SSH source if it trusts none yet (the first fetch); false if it already did. */
    @SqlUpdate("UPDATE git_sources SET known_host_key = :hostKey WHERE site_id = :siteId AND known_host_key IS NULL")
    boolean trustHostKey(@Bind("siteId") UUID siteId, @Bind("hostKey") String hostKey);

    @SqlUpdate("DELETE FROM git_sources WHERE site_id = :siteId")
    int deleteGitSource(@Bind("siteId") UUID siteId);

    @SqlUpdate("""
            INSERT INTO git_sources (site_id, repository_url, branch, path, secret, updated_at, credential, token_username, secret_sealed,
                                     deploy_public_key, known_host_key)
            VALUES (:siteId, :repositoryUrl, :branch, :path, :secret, :updatedAt, :credential, :tokenUsername, :secretSealed,
                    :deployPublicKey, :knownHostKey)
            """)
    void insertGitSource(@BindMethods GitSource source);

    /** Records a webhook delivery id; a repeat violates the primary key. */
    @SqlUpdate("INSERT INTO webhook_deliveries (site_id, delivery_id, received_at) VALUES (:siteId, :deliveryId, :now)")
    void recordDelivery(@Bind("siteId") UUID siteId, @Bind("deliveryId") String deliveryId, @Bind("now") Instant now);

    /** Where a site's Git deploys come from. */
    /**
     * Where a site deploys from. {@code secret} is the webhook secret; {@code credential} is
     * {@link #NONE}, {@link #TOKEN} or {@link #DEPLOY_KEY}; {@code secretSealed} the sealed token or
     * deploy key (never shown); {@code deployPublicKey} the deploy key's OpenSSH line;
     * {@code knownHostKey} the SSH host key trusted on first use.
     */
    record GitSource(UUID siteId, String repositoryUrl, String branch, String path, String secret, Instant updatedAt, String credential,
                     String tokenUsername, String secretSealed, String deployPublicKey, String knownHostKey) {
        @org.jdbi.v3.core.mapper.reflect.JdbiConstructor
        public GitSource {
        }

        public static final String NONE = "none";
        public static final String TOKEN = "token";
        public static final String DEPLOY_KEY = "deployKey";

        /** A public source. */
        public GitSource(UUID siteId, String repositoryUrl, String branch, String path, String secret, Instant updatedAt) {
            this(siteId, repositoryUrl, branch, path, secret, updatedAt, NONE, null, null, null, null);
        }

        @Override
        public String toString() {
            return "GitSource[siteId=" + siteId + ", repositoryUrl=" + repositoryUrl + ", branch=" + branch + ", credential=" + credential + "]";
        }
    }
}
