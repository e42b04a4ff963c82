package dev.berth.hostd.content;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostprotocol.SiteSpec;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Releases on disk: {@code SITES/ID/releases/RELEASE/} (immutable once installed) and
 * {@code SITES/ID/current -> releases/RELEASE}, replaced with rename(2). Files are world-readable and
 * owned by root, so the unprivileged server (a distinct uid per site) can read but never change them.
 */
public final class ReleaseStore implements Content {
    /** The release a new site serves until it gets content. Not a valid release id, so never clashes. */
    static final String WELCOME = "_welcome";
    private static final Pattern RELEASE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * Limits of one archive ({@code maxEntries}, {@code maxTotalBytes}), how many releases a site
     * keeps, and the site's disk ceiling: the bytes of every release it keeps, a new one included.
     */
    public record Limits(int maxEntries, long maxTotalBytes, int keepReleases, long maxSiteBytes) {
        public Limits {
            if (maxSiteBytes < 1 || keepReleases < 1) {
                throw new IllegalArgumentException("keepReleases and maxSiteBytes must be positive");
            }
        }
    }

    private final Path sites;
    private final Limits limits;
    /** Bytes of each installed release (immutable, so computed once) and of each site (dropped on every change). */
    private final java.util.Map<Path, Long> releaseBytes = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<UUID, Long> siteBytes = new java.util.concurrent.ConcurrentHashMap<>();

    private final Precompressor precompressor;

    public ReleaseStore(Path sites, Limits limits) {
        this(sites, limits, null);
    }

    /** @param precompressor makes each installed release's compressed copies, or null for none */
    public ReleaseStore(Path sites, Limits limits, Precompressor precompressor) {
        this.sites = sites;
        this.limits = limits;
        this.precompressor = precompressor;
    }

    /** The release directory a spec serves: its release, or the welcome page while it has none. */
    public static String servedRelease(SiteSpec spec) {
        return spec.release() == null ? WELCOME : spec.release();
    }

    @Override
    public Path siteDirectory(UUID siteId) {
        return sites.resolve(siteId.toString());
    }

    private Path releases(UUID siteId) {
        return siteDirectory(siteId).resolve("releases");
    }

    /** The compressed copies of the site's releases, {@code variants/RELEASE/PATH.gz|.br} ({@link Precompressor}). */
    Path variants(UUID siteId) {
        return siteDirectory(siteId).resolve("variants");
    }

    @Override
    public void ensure(SiteSpec spec) throws HostOperationException {
        Path site = siteDirectory(spec.siteId());
        try {
            Files.createDirectories(releases(spec.siteId()));
            Files.setPosixFilePermissions(site, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path welcome = releases(spec.siteId()).resolve(WELCOME);
            if (!Files.exists(welcome.resolve("index.html"))) {
                Path incoming = releases(spec.siteId()).resolve(".incoming-" + UUID.randomUUID());
                Files.createDirectories(incoming);
                Files.writeString(incoming.resolve("index.html"), welcomePage(spec.name()), StandardCharsets.UTF_8);
                publish(incoming, welcome);
                siteBytes.remove(spec.siteId());
            }
            String release = servedRelease(spec);
            if (!Files.isDirectory(releases(spec.siteId()).resolve(release))) {
                throw new HostOperationException("release " + release + " is not installed");
            }
            Path current = site.resolve("current");
            Path target = Path.of("releases", release);
            // The release served until now stays until the next switch: nginx names it until its reload.
            String previous = Files.isSymbolicLink(current) ? Files.readSymbolicLink(current).getFileName().toString() : release;
            if (!Files.isSymbolicLink(current) || !Files.readSymbolicLink(current).equals(target)) {
                Path link = site.resolve(".current-" + UUID.randomUUID());
                Files.createSymbolicLink(link, target);
                Files.move(link, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            prune(spec.siteId(), new java.util.HashSet<>(List.of(release, previous)));
            if (precompressor != null) {
                // A release installed before copies were made, or whose copies a stopped hostd left unmade.
                precompressor.submit(releases(spec.siteId()).resolve(release), variants(spec.siteId()));
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot prepare content: " + e.getMessage(), e);
        }
    }

    private static String welcomePage(String siteName) {
        // siteName is a validated DNS label: nothing to escape.
        return """
                <!DOCTYPE html>
                <html lang="en">
                <head><meta charset="utf-8"><title>%1$s · Berth</title></head>
                <body style="font-family:system-ui,sans-serif;text-align:center;margin-top:15vh">
                <h1>Welcome to %1$s</h1>
                <p>This site is live on Berth. Upload content or push to its Git repository to replace this page.</p>
                </body>
                </html>
                """.formatted(siteName);
    }

    /** Keeps the newest releases (by installation time) and the ones in {@code inUse}; deletes the others. */
    private void prune(UUID siteId, java.util.Set<String> inUse) throws IOException {
        List<Path> installed = installed(siteId);
        for (int index = limits.keepReleases(); index < installed.size(); index++) {
            Path release = installed.get(index);
            if (!inUse.contains(release.getFileName().toString())) {
                deleteTree(release);
                deleteTree(variants(siteId).resolve(release.getFileName().toString()));
                releaseBytes.remove(release);
                siteBytes.remove(siteId);
            }
        }
    }

    /** The installed releases of a site (not the welcome page), newest first by installation time. */
    private List<Path> installed(UUID siteId) throws IOException {
        try (Stream<Path> entries = Files.list(releases(siteId))) {
            return entries.filter(Files::isDirectory)
                    .filter(path -> RELEASE.matcher(path.getFileName().toString()).matches())
                    .sorted(Comparator.comparing(ReleaseStore::modified).reversed())
                    .toList();
        }
    }

    private static FileTime modified(Path path) {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    @Override
    public boolean install(UUID siteId, String releaseId, InputStream archive) throws InvalidSpecException, HostOperationException {
        if (releaseId == null || !RELEASE.matcher(releaseId).matches()) {
            throw new InvalidSpecException("release must be 1 to 64 characters of A-Z a-z 0-9 . _ - and must not start with a dot or hyphen");
        }
        Path target = releases(siteId).resolve(releaseId);
        if (Files.isDirectory(target)) {
            return false;
        }
        Path incoming = releases(siteId).resolve(".incoming-" + UUID.randomUUID());
        try {
            long kept = bytesKeptBeside(siteId);
            Files.createDirectories(incoming);
            extract(archive, incoming, limits, limits.maxSiteBytes() - kept, kept);
            Files.setLastModifiedTime(incoming, FileTime.from(Instant.now()));
            publish(incoming, target);
            if (precompressor != null) {
                precompressor.submit(target, variants(siteId));
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new HostOperationException("cannot install release " + releaseId + ": " + e.getMessage(), e);
        } finally {
            siteBytes.remove(siteId);
            try {
                deleteTree(incoming);
            } catch (IOException ignored) {
                // a leftover .incoming directory goes with the site, or at hostd's next start (removeIncomplete)
            }
        }
    }

    private static void publish(Path incoming, Path target) throws IOException {
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        try {
            Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename atomically into " + target.getParent(), e);
        }
    }

    /**
     * The bytes a site keeps beside a release installed now, once it is made current: the newest
     * {@code keepReleases - 1} releases, the one served now (kept until the next switch) and the
     * welcome page. Older ones are pruned at that switch.
     */
    private long bytesKeptBeside(UUID siteId) throws IOException {
        Path releases = releases(siteId);
        if (!Files.isDirectory(releases)) {
            return 0;
        }
        List<Path> installed = installed(siteId);
        Set<Path> kept = new HashSet<>(installed.subList(0, Math.min(installed.size(), limits.keepReleases() - 1)));
        Path current = siteDirectory(siteId).resolve("current");
        if (Files.isSymbolicLink(current)) {
            kept.add(releases.resolve(Files.readSymbolicLink(current).getFileName()));
        }
        kept.add(releases.resolve(WELCOME));
        long bytes = 0;
        for (Path release : kept) {
            bytes += releaseBytes(release);
        }
        return bytes;
    }

    private long releaseBytes(Path release) throws IOException {
        Long known = releaseBytes.get(release);
        if (known != null) {
            return known;
        }
        long bytes = treeBytes(release);
        releaseBytes.put(release, bytes);
        return bytes;
    }

    /** The bytes of the regular files below {@code directory} (links are not followed); 0 if it is gone. */
    private static long treeBytes(Path directory) throws IOException {
        if (!Files.isDirectory(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long[] bytes = {0};
        Files.walkFileTree(directory, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    bytes[0] += attributes.size();
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return bytes[0];
    }

    /**
     * What the site's directory holds now, in bytes (every release kept, the welcome page); 0 for a
     * site without content. Cached until the next install, switch or removal.
     */
    @Override
    public long diskBytes(UUID siteId) {
        Long known = siteBytes.get(siteId);
        if (known != null) {
            return known;
        }
        try {
            // The releases only: their compressed copies are the platform's, not the tenant's content.
            long bytes = treeBytes(releases(siteId));
            siteBytes.put(siteId, bytes);
            return bytes;
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /**
     * Extracts into {@code into}, refusing the archive as soon as it unpacks to more than
     * {@code maxTotalBytes} or to more than {@code room} (what the site's ceiling leaves beside the
     * {@code kept} bytes of its other releases).
     */
    public static void extract(InputStream raw, Path into, Limits limits, long room, long kept) throws IOException, InvalidSpecException {
        BufferedInputStream buffered = new BufferedInputStream(raw);
        buffered.mark(2);
        int first = buffered.read();
        int second = buffered.read();
        buffered.reset();
        InputStream stream = first == 0x1f && second == 0x8b ? new GzipCompressorInputStream(buffered) : buffered;
        long total = 0;
        int entries = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(stream)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (++entries > limits.maxEntries()) {
                    throw new InvalidSpecException("the archive holds more than " + limits.maxEntries() + " entries");
                }
                Path destination = safeDestination(into, entry.getName());
                if (destination == null) {
                    continue;
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                    continue;
                }
                // isFile() alone is lenient (it accepts any non-directory type flag), so links,
                // devices and FIFOs are refused by name.
                if (entry.isSymbolicLink() || entry.isLink() || entry.isCharacterDevice() || entry.isBlockDevice()
                        || entry.isFIFO() || !entry.isFile()) {
                    throw new InvalidSpecException("the archive entry " + printable(entry.getName())
                            + " is a link, device or other special file; only files and directories are accepted");
                }
                Files.createDirectories(destination.getParent());
                try (OutputStream out = Files.newOutputStream(destination, java.nio.file.StandardOpenOption.CREATE_NEW)) {
                    byte[] buffer = new byte[64 * 1024];
                    int read;
                    while ((read = tar.read(buffer)) > 0) {
                        total += read;
                        if (total > limits.maxTotalBytes()) {
                            throw new InvalidSpecException("the archive unpacks to more than " + limits.maxTotalBytes() + " bytes");
                        }
                        if (total > room) {
                            throw new DiskCeilingException("the site would hold more than its disk ceiling of "
                                    + limits.maxSiteBytes() + " bytes (content.maxSiteBytes): its other kept releases hold "
                                    + kept + " bytes and this one unpacks to more than " + Math.max(0, room) + " bytes");
                        }
                        out.write(buffer, 0, read);
                    }
                } catch (FileAlreadyExistsException e) {
                    throw new InvalidSpecException("the archive holds " + printable(entry.getName()) + " twice");
                }
                Files.setPosixFilePermissions(destination, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        try (Stream<Path> walk = Files.walk(into)) {
            for (Path path : walk.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    /** The entry's path inside {@code into}, null for the archive root, or a refusal if it escapes. */
    static Path safeDestination(Path into, String name) throws InvalidSpecException {
        String cleaned = name.startsWith("./") ? name.substring(2) : name;
        if (cleaned.isEmpty() || cleaned.equals(".") || cleaned.equals("./")) {
            return null;
        }
        if (cleaned.startsWith("/") || cleaned.contains("\\") || cleaned.indexOf('\0') >= 0) {
            throw new InvalidSpecException("the archive entry " + printable(name) + " has an absolute or malformed path");
        }
        for (String part : cleaned.split("/")) {
            if (part.equals("..")) {
                throw new InvalidSpecException("the archive entry " + printable(name) + " escapes the release directory");
            }
        }
        Path destination = into.resolve(cleaned).normalize();
        if (!destination.startsWith(into) || destination.equals(into)) {
            throw new InvalidSpecException("the archive entry " + printable(name) + " escapes the release directory");
        }
        return destination;
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    @Override
    public void remove(UUID siteId) throws HostOperationException {
        siteBytes.remove(siteId);
        releaseBytes.keySet().removeIf(release -> release.startsWith(siteDirectory(siteId)));
        try {
            deleteTree(siteDirectory(siteId));
        } catch (IOException e) {
            throw new HostOperationException("cannot remove content: " + e.getMessage(), e);
        }
    }

    @Override
    public void removeIncomplete() throws HostOperationException {
        try {
            for (UUID siteId : sites()) {
                for (Path parent : List.of(siteDirectory(siteId), releases(siteId), variants(siteId))) {
                    if (!Files.isDirectory(parent, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    try (Stream<Path> entries = Files.list(parent)) {
                        for (Path entry : entries.toList()) {
                            String name = entry.getFileName().toString();
                            if (name.startsWith(".incoming-") || name.startsWith(".current-")) {
                                deleteTree(entry);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot remove incomplete content: " + e.getMessage(), e);
        }
    }

    public static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // Files.walk does not follow symbolic links, so `current` is removed as a link only.
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Override
    public Set<UUID> sites() throws HostOperationException {
        Set<UUID> ids = new HashSet<>();
        if (!Files.isDirectory(sites)) {
            return ids;
        }
        try (Stream<Path> entries = Files.list(sites)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                try {
                    ids.add(UUID.fromString(entry.getFileName().toString()));
                } catch (IllegalArgumentException ignored) {
                    // not a site directory
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot list site directories: " + e.getMessage(), e);
        }
        return ids;
    }
}
