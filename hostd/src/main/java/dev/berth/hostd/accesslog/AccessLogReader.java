package dev.berth.hostd.accesslog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.AccessLogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Reads the per-site JSON access logs nginx writes (one object per line, format {@code berth_json}).
 *
 * <p>The file of a site is derived from its id only ({@code logOf}); no caller ever names a path.
 * Every read is bounded: {@link #tail} looks at most {@link #MAX_TAIL_BYTES} back from the end and
 * returns at most {@link #MAX_LINES} entries; {@link #requests} reads only what was appended since
 * its previous call, at most {@link #MAX_COUNT_BYTES} per call. Lines that are not complete JSON
 * objects (a write in progress, a line longer than {@link #MAX_LINE_BYTES}) are skipped.
 * Thread-safe.
 */
public final class AccessLogReader {
    public static final int MAX_LINES = 200;
    static final int MAX_TAIL_BYTES = 1024 * 1024;
    static final int MAX_LINE_BYTES = 16 * 1024;
    static final long MAX_COUNT_BYTES = 64L * 1024 * 1024;
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final byte[] BYTES_SENT_KEY = "\"bytesSent\":".getBytes(StandardCharsets.US_ASCII);

    private final Function<UUID, Path> logOf;
    private final ObjectMapper mapper = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Map<UUID, Counter> counters = new ConcurrentHashMap<>();

    /** @param logOf the access log file of a site (the path nginx's configuration names for it) */
    public AccessLogReader(Function<UUID, Path> logOf) {
        this.logOf = Objects.requireNonNull(logOf, "logOf");
    }

    /**
     * The last {@code lines} requests of a site, newest first; empty when the site has no log yet.
     *
     * @throws IllegalArgumentException if {@code lines} is not between 1 and {@link #MAX_LINES}
     * @throws IOException              if the log exists but cannot be read
     */
    public List<AccessLogEntry> tail(UUID siteId, int lines) throws IOException {
        if (lines < 1 || lines > MAX_LINES) {
            throw new IllegalArgumentException("lines must be between 1 and " + MAX_LINES);
        }
        Path log = logOf.apply(siteId);
        byte[] window;
        boolean fromStart;
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long end = channel.size();
            long floor = Math.max(0, end - MAX_TAIL_BYTES);
            long position = end;
            byte[] tailBytes = new byte[0];
            int newlines = 0;
            // Read backwards a chunk at a time until the window holds enough whole lines.
            while (position > floor && newlines <= lines) {
                int length = (int) Math.min(CHUNK_BYTES, position - floor);
                position -= length;
                ByteBuffer chunk = ByteBuffer.allocate(length);
                while (chunk.hasRemaining() && channel.read(chunk, position + chunk.position()) > 0) {
                    // keep reading until the chunk is full
                }
                byte[] joined = new byte[length + tailBytes.length];
                System.arraycopy(chunk.array(), 0, joined, 0, length);
                System.arraycopy(tailBytes, 0, joined, length, tailBytes.length);
                tailBytes = joined;
                for (int i = 0; i < length; i++) {
                    if (joined[i] == '\n') {
                        newlines++;
                    }
                }
            }
            window = tailBytes;
            fromStart = position == 0;
        } catch (NoSuchFileException absent) {
            return List.of();
        }
        List<AccessLogEntry> newestFirst = new ArrayList<>();
        // Whatever follows the last newline is a line nginx is still writing; whatever precedes the
        // first one is the end of a line cut by the window (unless the window starts the file).
        int lineEnd = lastIndexOf(window, window.length - 1);
        while (lineEnd >= 0 && newestFirst.size() < lines) {
            int newline = lastIndexOf(window, lineEnd - 1);
            if (newline < 0 && !fromStart) {
                break;
            }
            parse(window, newline + 1, lineEnd, newestFirst);
            lineEnd = newline;
        }
        return List.copyOf(newestFirst);
    }

    /**
     * How many requests the site served since this reader first counted it (the first call sets the
     * baseline and answers 0). The count only grows; a truncated or replaced log is counted again
     * from its start. A new hostd process starts from 0, so callers compare successive values and
     * treat a decrease as a restart.
     *
     * @throws IOException if the log exists but cannot be read
     */
    public long requests(UUID siteId) throws IOException {
        return traffic(siteId).requests();
    }

    /** Requests and body bytes sent, counted alike (see {@link #requests}). */
    public record Traffic(long requests, long bytesSent) {
    }

    /**
     * The site's requests and the body bytes nginx sent for them ({@code bytesSent} of each line),
     * counted like {@link #requests}: both only grow while this reader lives.
     *
     * @throws IOException if the log exists but cannot be read
     */
    public Traffic traffic(UUID siteId) throws IOException {
        Counter counter = counters.computeIfAbsent(siteId, id -> new Counter());
        synchronized (counter) {
            Path log = logOf.apply(siteId);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(log, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException absent) {
                counter.offset = 0;
                counter.fileKey = null;
                counter.started = true;
                return counter.traffic();
            }
            if (!attributes.isRegularFile()) {
                return counter.traffic();
            }
            long size = attributes.size();
            if (!counter.started) {
                counter.started = true;
                counter.fileKey = attributes.fileKey();
                counter.offset = size;
                return counter.traffic();
            }
            if (!Objects.equals(counter.fileKey, attributes.fileKey()) || size < counter.offset) {
                counter.fileKey = attributes.fileKey();
                counter.offset = 0;
            }
            if (size > counter.offset) {
                countNewLines(log, counter, Math.min(size, counter.offset + MAX_COUNT_BYTES));
            }
            return counter.traffic();
        }
    }

    /** The most entries one {@link #range} call returns. */
    public static final int MAX_RANGE_ENTRIES = 100_000;

    /**
     * The site's requests stamped {@code from <= time < to}, oldest first, at most {@code limit}
     * (see {@link RangeScan} for how the file is searched and what bounds the read); returns how
     * many were given to {@code sink}. A site without a log has none.
     *
     * @throws IllegalArgumentException if {@code limit} is not between 1 and {@link #MAX_RANGE_ENTRIES} or {@code to} is not after {@code from}
     * @throws IOException              if the log exists but cannot be read
     */
    public int range(UUID siteId, java.time.Instant from, java.time.Instant to, int limit, java.util.function.Consumer<AccessLogEntry> sink)
            throws IOException {
        if (limit < 1 || limit > MAX_RANGE_ENTRIES) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_RANGE_ENTRIES);
        }
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("to must be after from");
        }
        try (FileChannel channel = FileChannel.open(logOf.apply(siteId), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return new RangeScan(channel, mapper).scan(from, to, limit, sink);
        } catch (NoSuchFileException absent) {
            return 0;
        }
    }

    /** Drops the counters of sites not in {@code held}, so a deleted site's state does not linger. */
    public void retainOnly(Set<UUID> held) {
        counters.keySet().retainAll(held);
    }

    private static void countNewLines(Path log, Counter counter, long until) throws IOException {
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES);
            byte[] line = new byte[MAX_LINE_BYTES];
            int lineLength = 0;
            long position = counter.offset;
            long afterLastNewline = counter.offset;
            while (position < until) {
                buffer.clear();
                buffer.limit((int) Math.min(CHUNK_BYTES, until - position));
                int read = channel.read(buffer, position);
                if (read <= 0) {
                    break;
                }
                byte[] bytes = buffer.array();
                for (int i = 0; i < read; i++) {
                    if (bytes[i] == '\n') {
                        counter.count++;
                        // A line longer than any nginx writes is counted as a request but adds no bytes.
                        counter.bytesSent += lineLength < line.length ? bytesSent(line, lineLength) : 0;
                        lineLength = 0;
                        afterLastNewline = position + i + 1;
                    } else if (lineLength < line.length) {
                        line[lineLength++] = bytes[i];
                    }
                }
                position += read;
            }
            // A line still being written is counted once its newline arrives.
            counter.offset = afterLastNewline;
        }
    }

    /**
     * The number after {@code "bytesSent":} in a line, 0 when absent. nginx writes the line with
     * {@code escape=json}, so a quote inside a tenant's URI or user agent arrives as {@code \"} and
     * can never form this key: only nginx's own field matches.
     */
    static long bytesSent(byte[] line, int length) {
        outer:
        for (int start = 0; start + BYTES_SENT_KEY.length <= length; start++) {
            for (int k = 0; k < BYTES_SENT_KEY.length; k++) {
                if (line[start + k] != BYTES_SENT_KEY[k]) {
                    continue outer;
                }
            }
            long value = 0;
            int digits = 0;
            for (int i = start + BYTES_SENT_KEY.length; i < length && line[i] >= '0' && line[i] <= '9' && digits < 18; i++, digits++) {
                value = value * 10 + (line[i] - '0');
            }
            return value;
        }
        return 0;
    }

    private void parse(byte[] bytes, int from, int to, List<AccessLogEntry> into) {
        int length = to - from;
        if (length <= 1 || length > MAX_LINE_BYTES) {
            return;
        }
        String line = new String(bytes, from, length, StandardCharsets.UTF_8).trim();
        if (!line.startsWith("{")) {
            return;
        }
        try {
            into.add(mapper.readValue(line, AccessLogEntry.class));
        } catch (IOException unreadable) {
            // a damaged or foreign line: not a request we can show
        }
    }

    private static int lastIndexOf(byte[] bytes, int from) {
        for (int i = from; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static final class Counter {
        boolean started;
        Object fileKey;
        long offset;
        long count;
        long bytesSent;

        Traffic traffic() {
            return new Traffic(count, bytesSent);
        }
    }
}
