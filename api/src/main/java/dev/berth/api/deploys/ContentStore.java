package dev.berth.api.deploys;

import dev.berth.api.platform.Sql;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Every deployed release, kept in the database so that it outlives any host: a manifest per release
 * (its entries in tar order) and the files' bytes by SHA-256, each stored once however many
 * releases, sites and tenants hold it, in chunks of at most {@value #CHUNK_BYTES} bytes.
 *
 * <p>Only normalized tars (written by {@link NormalizedTarWriter}) go in, and a release comes back
 * out as the same normalized tar, byte for byte: what hostd installed is what the store gives back.
 * Storing a release is one transaction, and writes only the blobs that are missing; blobs it reuses
 * are touched, so the {@link ReleaseCollector} does not sweep them while it runs. Thread-safe.
 */
public final class ContentStore {
    static final int CHUNK_BYTES = 1024 * 1024;
    private static final int ATTEMPTS = 3;
    private static final int IN_BATCH = 1000;

    private final Jdbi jdbi;
    private final Clock clock;

    public ContentStore(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /**
     * Stores the normalized tar {@code tar} as release {@code releaseId} of {@code siteId}. Storing a
     * release that is stored already changes nothing and returns its manifest.
     *
     * @throws IOException              when the tar cannot be read
     * @throws IllegalArgumentException when the tar holds anything but directories and regular files
     */
    public ReleaseManifest put(UUID siteId, String releaseId, Path tar) throws IOException {
        Scan scan = scan(tar);
        for (int attempt = 1; ; attempt++) {
            try {
                return jdbi.inTransaction(handle -> store(handle, siteId, releaseId, tar, scan));
            } catch (UnableToExecuteStatementException clash) {
                // Another deploy stored one of the same new blobs first (its blob is there now: reuse it), or
                // the database chose this transaction as a deadlock victim: run it again.
                if (!(Sql.isUniqueViolation(clash) || Sql.isTransient(clash)) || attempt == ATTEMPTS) {
                    throw clash;
                }
            } catch (UncheckedIOException unreadable) {
                throw unreadable.getCause();
            }
        }
    }

    /** The manifest of a stored release. */
    public Optional<ReleaseManifest> manifest(String releaseId) {
        return jdbi.withExtension(ContentDao.class, dao -> dao.manifest(releaseId));
    }

    /**
     * Writes a stored release to {@code sink} as the normalized tar it was stored from (the sink is
     * not closed). Every file is checked against its SHA-256 while it is written.
     *
     * @throws java.util.NoSuchElementException when the release is not stored
     * @throws IOException when the sink fails, or the stored bytes do not match their hash
     */
    public void writeTar(String releaseId, OutputStream sink) throws IOException {
        try {
            jdbi.useHandle(handle -> {
                ContentDao dao = handle.attach(ContentDao.class);
                ReleaseManifest manifest = dao.manifest(releaseId).orElseThrow(() ->
                        new java.util.NoSuchElementException("release " + releaseId + " is not stored"));
                List<ContentDao.Entry> entries = dao.entries(releaseId);
                ContentLimits limits = ContentLimits.defaults().withMaxTotalBytes(manifest.bytes())
                        .withMaxEntries(Math.max(ContentLimits.DEFAULT_MAX_ENTRIES, entries.size()));
                writeEntries(dao, entries, limits, manifest.modifiedAt(), sink);
            });
        } catch (UncheckedIOException failure) {
            throw failure.getCause();
        }
    }

    /**
     * Writes files the store holds as a new normalized tar (the sink is not closed): each entry's
     * blob under its path, parents implied, within {@code limits}.
     *
     * @throws ContentRefusedException when a path or the total breaks {@code limits}
     * @throws IOException              when the sink fails, or a blob is missing or does not match its hash
     */
    ContentCounts writeTar(List<ContentDao.Entry> files, ContentLimits limits, Instant modifiedAt, OutputStream sink) throws IOException {
        try {
            return jdbi.withHandle(handle -> writeEntries(handle.attach(ContentDao.class), files, limits, modifiedAt, sink));
        } catch (UncheckedIOException failure) {
            throw failure.getCause();
        }
    }

    private static ContentCounts writeEntries(ContentDao dao, List<ContentDao.Entry> entries, ContentLimits limits, Instant modifiedAt,
                                              OutputStream sink) {
        try {
            NormalizedTarWriter writer = new NormalizedTarWriter(sink, limits, modifiedAt);
            for (ContentDao.Entry entry : entries) {
                if (entry.directory()) {
                    writer.addDirectory(entry.path());
                } else {
                    writer.addFile(entry.path(), entry.size(), new BlobStream(dao, entry.sha256(), entry.size()));
                }
            }
            writer.finish();
            return writer.counts();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Of {@code sha256s}, the blobs the store holds complete, with their sizes. A blob being uploaded
     * (not committed yet) is not among them.
     */
    public Map<String, Long> heldBlobs(java.util.Collection<String> sha256s) {
        List<String> all = List.copyOf(new java.util.TreeSet<>(sha256s));
        Map<String, Long> held = new java.util.HashMap<>();
        for (int from = 0; from < all.size(); from += IN_BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + IN_BATCH));
            jdbi.withExtension(ContentDao.class, dao -> dao.blobSizes(batch)).forEach(blob -> held.put(blob.sha256(), blob.size()));
        }
        return held;
    }

    /** Of {@code sha256s}, those a release of one of the tenant's sites holds. */
    public Set<String> heldByTenant(UUID tenantId, java.util.Collection<String> sha256s) {
        List<String> all = List.copyOf(new java.util.TreeSet<>(sha256s));
        Set<String> held = new HashSet<>();
        for (int from = 0; from < all.size(); from += IN_BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + IN_BATCH));
            held.addAll(jdbi.withExtension(ContentDao.class, dao -> dao.heldByTenant(tenantId, batch)));
        }
        return held;
    }

    /**
     * Reads one file's bytes from {@code in} and stores them as blob {@code sha256}, unless the store
     * holds it already. Either way the bytes must hash to {@code sha256} and be at most
     * {@code maxBytes}: a caller proves it has the file, it is never taken on its word (the store is
     * shared by every tenant). Storing is one transaction; refused bytes store nothing.
     *
     * @return whether this call stored the blob (false: it was held already, or another upload of the
     *         same bytes stored it first)
     * @throws ContentRefusedException {@code UPLOAD_TOO_LARGE} or {@code DIGEST_MISMATCH}
     * @throws IOException             when {@code in} fails
     */
    public boolean putBlob(String sha256, InputStream in, long maxBytes) throws IOException {
        if (!heldBlobs(List.of(sha256)).isEmpty()) {
            readChecked(sha256, in, maxBytes, chunk -> { });
            return false;
        }
        try {
            jdbi.useTransaction(handle -> {
                ContentDao dao = handle.attach(ContentDao.class);
                // Size -1 until every chunk is in: heldBlobs ignores such a row, and it is never committed so.
                dao.insertBlob(sha256, -1, clock.instant());
                int[] seq = new int[1];
                long size = readChecked(sha256, in, maxBytes, chunk -> dao.insertChunk(sha256, seq[0]++, chunk));
                dao.setBlobSize(sha256, size);
            });
            return true;
        } catch (UnableToExecuteStatementException clash) {
            if (Sql.isUniqueViolation(clash)) {
                return false;
            }
            throw clash;
        }
    }

    /** Reads {@code in} in chunks, handing each to {@code sink}; checks its size and hash. Returns the size. */
    private static long readChecked(String sha256, InputStream in, long maxBytes, java.util.function.Consumer<byte[]> sink)
            throws IOException {
        MessageDigest digest = sha256();
        long size = 0;
        for (byte[] chunk = in.readNBytes(CHUNK_BYTES); chunk.length > 0; chunk = in.readNBytes(CHUNK_BYTES)) {
            size += chunk.length;
            if (size > maxBytes) {
                throw new ContentRefusedException(ContentRefusedException.Rule.UPLOAD_TOO_LARGE, "the file is larger than " + maxBytes + " bytes");
            }
            digest.update(chunk);
            sink.accept(chunk);
        }
        if (!HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
            throw new ContentRefusedException(ContentRefusedException.Rule.DIGEST_MISMATCH,
                    "the body's SHA-256 is not " + sha256 + " (" + size + " bytes received)");
        }
        return size;
    }

    /** Bytes of every distinct file the store holds (each blob once). */
    public long storedBytes() {
        return jdbi.withExtension(ContentDao.class, ContentDao::blobBytes);
    }

    private ReleaseManifest store(Handle handle, UUID siteId, String releaseId, Path tar, Scan scan) {
        ContentDao dao = handle.attach(ContentDao.class);
        Optional<ReleaseManifest> stored = dao.manifest(releaseId);
        if (stored.isPresent()) {
            return stored.get();
        }
        Instant now = clock.instant();
        // Every blob row this release names is touched or inserted in one pass in hash order, so two
        // deploys sharing blobs take their row locks in the same order and cannot deadlock.
        Map<String, Long> sizes = new TreeMap<>();
        for (ContentDao.Entry entry : scan.entries()) {
            if (!entry.directory()) {
                sizes.put(entry.sha256(), entry.size());
            }
        }
        Set<String> missing = new HashSet<>();
        sizes.forEach((sha256, size) -> {
            if (dao.touchBlob(sha256, now) == 0) {
                dao.insertBlob(sha256, size, now);
                missing.add(sha256);
            }
        });
        if (!missing.isEmpty()) {
            writeChunks(dao, tar, scan.entries(), missing);
        }
        ReleaseManifest manifest = new ReleaseManifest(releaseId, siteId, scan.files(), scan.bytes(),
                ReleaseManifest.epochNanos(scan.modifiedAt()), now);
        dao.insertManifest(manifest);
        dao.insertEntries(releaseId, scan.entries());
        return manifest;
    }

    /**
     * Reads the tar again and writes the chunks of the blobs this transaction inserted, each once. The
     * tar's entries come in the order the scan saw them, so each file's hash is known before its
     * bytes are read; a file that no longer matches it fails the transaction.
     */
    private static void writeChunks(ContentDao dao, Path tar, List<ContentDao.Entry> scanned, Set<String> missing) {
        Set<String> written = new HashSet<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar), "UTF-8")) {
            int index = 0;
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry(), index++) {
                ContentDao.Entry expected = scanned.get(index);
                if (expected.directory() || !missing.contains(expected.sha256()) || !written.add(expected.sha256())) {
                    continue;
                }
                MessageDigest digest = sha256();
                int seq = 0;
                for (byte[] chunk = in.readNBytes(CHUNK_BYTES); chunk.length > 0; chunk = in.readNBytes(CHUNK_BYTES)) {
                    digest.update(chunk);
                    dao.insertChunk(expected.sha256(), seq++, chunk);
                }
                if (!HexFormat.of().formatHex(digest.digest()).equals(expected.sha256())) {
                    throw new IOException("the tar changed while it was stored");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** First pass: every entry of the tar with the SHA-256 of each file. */
    private static Scan scan(Path tar) throws IOException {
        List<ContentDao.Entry> entries = new ArrayList<>();
        int files = 0;
        long bytes = 0;
        Instant modifiedAt = null;
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar), "UTF-8")) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (modifiedAt == null) {
                    modifiedAt = entry.getLastModifiedTime().toInstant();
                }
                if (entry.isDirectory()) {
                    String path = entry.getName().endsWith("/") ? entry.getName().substring(0, entry.getName().length() - 1) : entry.getName();
                    entries.add(new ContentDao.Entry(entries.size(), path, null, NormalizedTarWriter.DIRECTORY_MODE, 0));
                } else if (entry.isFile()) {
                    MessageDigest digest = sha256();
                    long size = 0;
                    for (byte[] chunk = in.readNBytes(CHUNK_BYTES); chunk.length > 0; chunk = in.readNBytes(CHUNK_BYTES)) {
                        digest.update(chunk);
                        size += chunk.length;
                    }
                    entries.add(new ContentDao.Entry(entries.size(), entry.getName(), HexFormat.of().formatHex(digest.digest()),
                            NormalizedTarWriter.FILE_MODE, size));
                    files++;
                    bytes += size;
                } else {
                    throw new IllegalArgumentException("a normalized tar holds directories and regular files only, not "
                            + entry.getName());
                }
            }
        }
        return new Scan(entries, files, bytes, modifiedAt == null ? Instant.EPOCH : modifiedAt);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JVM has SHA-256", impossible);
        }
    }

    private record Scan(List<ContentDao.Entry> entries, int files, long bytes, Instant modifiedAt) {
    }

    /** A blob's bytes read chunk by chunk, checked against its hash at the end. */
    private static final class BlobStream extends InputStream {
        private final ContentDao dao;
        private final String sha256;
        private final long size;
        private final MessageDigest digest = sha256();
        private byte[] chunk = new byte[0];
        private int offset;
        private int seq;
        private long read;
        private boolean verified;

        BlobStream(ContentDao dao, String sha256, long size) {
            this.dao = dao;
            this.sha256 = sha256;
            this.size = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int count = read(one, 0, 1);
            return count < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int from, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (offset == chunk.length) {
                if (read == size) {
                    if (!verified) {
                        verified = true;
                        verify();
                    }
                    return -1;
                }
                chunk = dao.chunk(sha256, seq++).orElseThrow(() -> new IOException("blob " + sha256 + " lacks chunk " + (seq - 1)));
                offset = 0;
                digest.update(chunk);
            }
            int count = Math.min(length, chunk.length - offset);
            System.arraycopy(chunk, offset, buffer, from, count);
            offset += count;
            read += count;
            return count;
        }

        private void verify() throws IOException {
            if (!HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
                throw new IOException("blob " + sha256 + " does not match its hash");
            }
        }
    }
}
