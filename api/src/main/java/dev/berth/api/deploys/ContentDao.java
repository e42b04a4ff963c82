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

/** The content store's tables: blobs by SHA-256, their chunks, release manifests and their entries. */
@RegisterConstructorMapper(ReleaseManifest.class)
@RegisterConstructorMapper(ContentDao.Entry.class)
interface ContentDao {

    @SqlQuery("SELECT release_id, site_id, files, bytes, modified_epoch_nanos, created_at FROM release_manifests WHERE release_id = :releaseId")
    Optional<ReleaseManifest> manifest(@Bind("releaseId") String releaseId);

    @SqlUpdate("""
            INSERT INTO release_manifests (release_id, site_id, files, bytes, modified_epoch_nanos, created_at)
            VALUES (:releaseId, :siteId, :files, :bytes, :modifiedEpochNanos, :createdAt)
            """)
    void insertManifest(@BindMethods ReleaseManifest manifest);

    /** Touches a blob that exists, so that the collector's grace period starts again; 0 when it is missing. */
    @SqlUpdate("UPDATE content_blobs SET touched_at = :now WHERE sha256 = :sha256")
    int touchBlob(@Bind("sha256") String sha256, @Bind("now") Instant now);

    @SqlUpdate("INSERT INTO content_blobs (sha256, size, created_at, touched_at) VALUES (:sha256, :size, :now, :now)")
    void insertBlob(@Bind("sha256") String sha256, @Bind("size") long size, @Bind("now") Instant now);

    @SqlUpdate("INSERT INTO content_chunks (sha256, seq, bytes) VALUES (:sha256, :seq, :bytes)")
    void insertChunk(@Bind("sha256") String sha256, @Bind("seq") int seq, @Bind("bytes") byte[] bytes);

    @SqlQuery("SELECT bytes FROM content_chunks WHERE sha256 = :sha256 AND seq = :seq")
    Optional<byte[]> chunk(@Bind("sha256") String sha256, @Bind("seq") int seq);

    @SqlBatch("""
            INSERT INTO release_files (release_id, seq, path, sha256, mode, size)
            VALUES (:releaseId, :entry.seq, :entry.path, :entry.sha256, :entry.mode, :entry.size)
            """)
    void insertEntries(@Bind("releaseId") String releaseId, @BindMethods("entry") List<Entry> entries);

    @SqlQuery("SELECT seq, path, sha256, mode, size FROM release_files WHERE release_id = :releaseId ORDER BY seq")
    List<Entry> entries(@Bind("releaseId") String releaseId);

    @SqlQuery("SELECT DISTINCT site_id FROM release_manifests")
    List<UUID> sitesWithManifests();

    @SqlQuery("SELECT release_id, site_id, files, bytes, modified_epoch_nanos, created_at FROM release_manifests WHERE site_id = :siteId")
    List<ReleaseManifest> manifestsOf(@Bind("siteId") UUID siteId);

    @SqlUpdate("DELETE FROM release_manifests WHERE release_id IN (<releaseIds>)")
    int deleteManifests(@BindList("releaseIds") List<String> releaseIds);

    /**
     * Deletes blobs no manifest holds, no deploy by manifest still uploading names, and that no release
     * stored since {@code touchedBefore} named:
     * a deploy storing a release touches every blob it reuses in its own transaction, so a blob
     * becoming referenced again is never swept.
     */
    @SqlUpdate("""
            DELETE FROM content_blobs
             WHERE touched_at < :touchedBefore
               AND NOT EXISTS (SELECT 1 FROM release_files f WHERE f.sha256 = content_blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM deploy_manifest_files m WHERE m.sha256 = content_blobs.sha256)
            """)
    int deleteUnreferencedBlobs(@Bind("touchedBefore") Instant touchedBefore);

    /** The sizes of those of {@code sha256s} the store holds complete, touching them (the collector's grace restarts). */
    @SqlQuery("SELECT sha256, size FROM content_blobs WHERE sha256 IN (<sha256s>) AND size >= 0")
    @RegisterConstructorMapper(BlobSize.class)
    List<BlobSize> blobSizes(@BindList("sha256s") List<String> sha256s);

    /** Those of {@code sha256s} that a release of one of the tenant's sites holds. */
    @SqlQuery("""
            SELECT DISTINCT f.sha256 FROM release_files f
              JOIN release_manifests m ON m.release_id = f.release_id
              JOIN sites s ON s.id = m.site_id
             WHERE s.tenant_id = :tenantId AND f.sha256 IN (<sha256s>)
            """)
    List<String> heldByTenant(@Bind("tenantId") UUID tenantId, @BindList("sha256s") List<String> sha256s);

    @SqlUpdate("UPDATE content_blobs SET size = :size WHERE sha256 = :sha256")
    int setBlobSize(@Bind("sha256") String sha256, @Bind("size") long size);

    @SqlQuery("SELECT COALESCE(SUM(size), 0) FROM content_blobs")
    long blobBytes();

    @SqlQuery("SELECT COUNT(*) FROM content_blobs")
    long blobCount();

    /** A stored blob's size. */
    record BlobSize(String sha256, long size) {
    }

    /**
     * One entry of a release, in tar order.
     *
     * @param sha256 the file's blob; null for a directory
     * @param mode   the tar mode ({@link NormalizedTarWriter#FILE_MODE} or {@link NormalizedTarWriter#DIRECTORY_MODE})
     */
    record Entry(int seq, String path, String sha256, int mode, long size) {
        boolean directory() {
            return sha256 == null;
        }
    }
}
