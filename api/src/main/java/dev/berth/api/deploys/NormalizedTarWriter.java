package dev.berth.api.deploys;

import static dev.berth.api.deploys.ContentRefusedException.printable;

import dev.berth.api.deploys.ContentRefusedException.Rule;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes the only format the host daemon accepts: a POSIX tar of regular files (mode 0644) and
 * directories (mode 0755), owner and group 0, one modification time, relative UTF-8 names that
 * {@link #normalize(String, ContentLimits)} accepted, no duplicates, parents before children.
 *
 * <p>Every rule about names, counts and sizes is enforced here, whatever the source (archive or Git
 * tree), so no caller can forget one. Not thread-safe: one writer per deploy.
 */
public final class NormalizedTarWriter implements Closeable {
    public static final int FILE_MODE = 0100644;
    public static final int DIRECTORY_MODE = 040755;
    private static final Pattern DRIVE_LETTER = Pattern.compile("^[A-Za-z]:.*", Pattern.DOTALL);
    private static final int COPY_BUFFER_BYTES = 64 * 1024;

    private enum Kind { FILE, IMPLICIT_DIRECTORY, EXPLICIT_DIRECTORY }

    private final TarArchiveOutputStream tar;
    private final ContentLimits limits;
    private final FileTime modificationTime;
    private final Map<String, Kind> paths = new HashMap<>();
    private final Set<String> topLevelNames = new HashSet<>();
    private long entries;
    private long files;
    private long directories;
    private long bytes;
    private long nameTableBytes;

    public NormalizedTarWriter(OutputStream sink, ContentLimits limits, Instant modificationTime) {
        this.tar = new TarArchiveOutputStream(sink, StandardCharsets.UTF_8.name());
        this.tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        this.tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        this.tar.setAddPaxHeadersForNonAsciiNames(true);
        this.limits = limits;
        this.modificationTime = FileTime.from(modificationTime);
    }

    /**
     * Checks an untrusted entry name and returns it as a relative path without {@code .} segments,
     * empty segments or a trailing slash; the empty string stands for the site root itself.
     *
     * @throws ContentRefusedException stating the broken rule
     */
    public static String normalize(String name, ContentLimits limits) throws ContentRefusedException {
        String shown = printable(name);
        if (name == null) {
            throw new ContentRefusedException(Rule.CORRUPT_ARCHIVE, "", "an entry has no name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                throw new ContentRefusedException(Rule.CONTROL_CHARACTER, shown,
                        "entry '" + shown + "' has a NUL or control character in its name");
            }
            if (c == 0xfffd || Character.isSurrogate(c) && !validSurrogatePair(name, i)) {
                throw new ContentRefusedException(Rule.INVALID_ENCODING, shown, "entry '" + shown + "' has a name that is not valid UTF-8");
            }
        }
        if (name.indexOf('\\') >= 0) {
            throw new ContentRefusedException(Rule.BACKSLASH, shown,
                    "entry '" + shown + "' has a backslash in its name, which some tools read as a path separator");
        }
        if (name.startsWith("/")) {
            throw new ContentRefusedException(Rule.ABSOLUTE_PATH, shown, "entry '" + shown + "' is an absolute path");
        }
        if (DRIVE_LETTER.matcher(name).matches()) {
            throw new ContentRefusedException(Rule.DRIVE_LETTER, shown, "entry '" + shown + "' starts with a drive letter");
        }
        StringBuilder normalized = new StringBuilder();
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw new ContentRefusedException(Rule.PARENT_SEGMENT, shown,
                        "entry '" + shown + "' has a '..' segment and could escape the site directory");
            }
            int segmentBytes = segment.getBytes(StandardCharsets.UTF_8).length;
            if (segmentBytes > limits.maxSegmentBytes()) {
                throw new ContentRefusedException(Rule.SEGMENT_TOO_LONG, shown, "entry '" + shown + "' has a name segment of "
                        + segmentBytes + " bytes; at most " + limits.maxSegmentBytes() + " are allowed");
            }
            if (normalized.length() > 0) {
                normalized.append('/');
            }
            normalized.append(segment);
        }
        String path = normalized.toString();
        int pathBytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (pathBytes > limits.maxPathBytes()) {
            throw new ContentRefusedException(Rule.PATH_TOO_LONG, shown, "entry '" + shown + "' has a path of " + pathBytes
                    + " bytes; at most " + limits.maxPathBytes() + " are allowed");
        }
        return path;
    }

    /** Checks raw name bytes strictly, for sources that expose them (zip); lenient decoders hide bad bytes. */
    public static void requireUtf8(byte[] rawName, String shownName) throws ContentRefusedException {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(rawName));
        } catch (CharacterCodingException invalid) {
            String shown = printable(shownName);
            throw new ContentRefusedException(Rule.INVALID_ENCODING, shown, "entry '" + shown + "' has a name that is not valid UTF-8");
        }
    }

    private static boolean validSurrogatePair(String name, int index) {
        char c = name.charAt(index);
        if (Character.isHighSurrogate(c)) {
            return index + 1 < name.length() && Character.isLowSurrogate(name.charAt(index + 1));
        }
        return index > 0 && Character.isHighSurrogate(name.charAt(index - 1));
    }

    /** Counts an entry that the source holds but that is deliberately not published. */
    public void skip(String name) throws ContentRefusedException {
        countEntry(name);
    }

    /** Adds a directory; repeating an implicit parent is fine, repeating an explicit one is not. */
    public void addDirectory(String name) throws IOException {
        countEntry(name);
        String path = normalize(name, limits);
        if (path.isEmpty()) {
            return;
        }
        Kind existing = paths.get(path);
        if (existing == Kind.FILE) {
            throw clash(path);
        }
        if (existing == Kind.EXPLICIT_DIRECTORY) {
            throw new ContentRefusedException(Rule.DUPLICATE_PATH, printable(path), "entry '" + printable(path) + "' appears twice");
        }
        ensureParents(path);
        if (existing == null) {
            register(path, Kind.EXPLICIT_DIRECTORY);
            writeDirectory(path);
        } else {
            paths.put(path, Kind.EXPLICIT_DIRECTORY);
        }
    }

    /**
     * Adds a regular file of exactly {@code sizeBytes} bytes read from {@code content} (which is not
     * closed). The size is checked against the byte budget before copying, and the content against
     * the size while copying.
     */
    public void addFile(String name, long sizeBytes, InputStream content) throws IOException {
        countEntry(name);
        String path = normalize(name, limits);
        String shown = printable(path);
        if (path.isEmpty()) {
            throw new ContentRefusedException(Rule.CORRUPT_ARCHIVE, printable(name), "entry '" + printable(name) + "' is a file without a name");
        }
        Kind existing = paths.get(path);
        if (existing == Kind.FILE) {
            throw new ContentRefusedException(Rule.DUPLICATE_PATH, shown, "entry '" + shown + "' appears twice");
        }
        if (existing != null) {
            throw clash(path);
        }
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("file size must be known; spool the content first");
        }
        if (bytes + sizeBytes > limits.maxTotalBytes()) {
            throw tooManyBytes();
        }
        ensureParents(path);
        register(path, Kind.FILE);
        TarArchiveEntry entry = new TarArchiveEntry(path, TarConstants.LF_NORMAL);
        normalizeMetadata(entry, FILE_MODE);
        entry.setSize(sizeBytes);
        tar.putArchiveEntry(entry);
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        long remaining = sizeBytes;
        while (remaining > 0) {
            int read = content.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (read < 0) {
                throw new ContentRefusedException(Rule.SIZE_MISMATCH, shown, "entry '" + shown + "' is shorter than its declared size of "
                        + sizeBytes + " bytes");
            }
            tar.write(buffer, 0, read);
            remaining -= read;
        }
        if (content.read() >= 0) {
            throw new ContentRefusedException(Rule.SIZE_MISMATCH, shown, "entry '" + shown + "' is longer than its declared size of "
                    + sizeBytes + " bytes");
        }
        tar.closeArchiveEntry();
        bytes += sizeBytes;
        files++;
    }

    /** The limits this writer enforces. */
    public ContentLimits limits() {
        return limits;
    }

    /** What has been written so far. */
    public ContentCounts counts() {
        return new ContentCounts(files, directories, bytes);
    }

    /**
     * The one top-level directory that holds everything, if there is exactly one and no top-level
     * file: such an archive (like a typical html.zip) is published from inside that directory.
     */
    public Optional<String> singleTopLevelDirectory() {
        if (topLevelNames.size() != 1) {
            return Optional.empty();
        }
        String only = topLevelNames.iterator().next();
        return paths.get(only) == Kind.FILE ? Optional.empty() : Optional.of(only);
    }

    /** Finishes the tar (end-of-archive blocks) and flushes it; does not close the sink. */
    public void finish() throws IOException {
        tar.finish();
        tar.flush();
    }

    /** Finishes the tar and closes the sink. */
    @Override
    public void close() throws IOException {
        tar.close();
    }

    private void countEntry(String name) throws ContentRefusedException {
        if (++entries > limits.maxEntries()) {
            throw new ContentRefusedException(Rule.TOO_MANY_ENTRIES, printable(name), "the content has more than " + limits.maxEntries()
                    + " entries");
        }
    }

    private void ensureParents(String path) throws IOException {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return;
        }
        String parent = path.substring(0, slash);
        Kind existing = paths.get(parent);
        if (existing == Kind.FILE) {
            throw clash(parent);
        }
        if (existing != null) {
            return;
        }
        ensureParents(parent);
        register(parent, Kind.IMPLICIT_DIRECTORY);
        writeDirectory(parent);
    }

    private void register(String path, Kind kind) throws ContentRefusedException {
        nameTableBytes += path.getBytes(StandardCharsets.UTF_8).length + 1;
        if (nameTableBytes > limits.maxNameTableBytes()) {
            throw new ContentRefusedException(Rule.NAME_TABLE_TOO_LARGE, printable(path), "the content's names add up to more than "
                    + limits.maxNameTableBytes() + " bytes");
        }
        paths.put(path, kind);
        int slash = path.indexOf('/');
        topLevelNames.add(slash < 0 ? path : path.substring(0, slash));
    }

    private void writeDirectory(String path) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(path + "/", TarConstants.LF_DIR);
        normalizeMetadata(entry, DIRECTORY_MODE);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
        directories++;
    }

    private void normalizeMetadata(TarArchiveEntry entry, int mode) {
        entry.setMode(mode);
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
        entry.setLastModifiedTime(modificationTime);
    }

    private ContentRefusedException clash(String path) {
        String shown = printable(path);
        return new ContentRefusedException(Rule.FILE_DIRECTORY_CLASH, shown, "entry '" + shown + "' is both a file and a directory");
    }

    private ContentRefusedException tooManyBytes() {
        return new ContentRefusedException(Rule.TOO_MANY_BYTES, "the content is larger than the " + limits.maxTotalBytes()
                + " bytes allowed (disk quota)");
    }
}
