package dev.berth.hostd.accesslog;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.AccessLogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Consumer;

/**
 * The requests of one access log within a time range, oldest first. nginx appends a line when a
 * request ends, so the file is in time order give or take the length of the slowest request:
 * a binary search finds a point {@link #SLACK} before {@code from}, then lines are read forward
 * until one is more than {@link #SLACK} past {@code to}; each line is judged by its own time.
 * Bounded: at most {@code limit} entries and {@link #MAX_SCAN_BYTES} read after the search.
 */
final class RangeScan {
    static final Duration SLACK = Duration.ofMinutes(1);
    static final long MAX_SCAN_BYTES = 512L * 1024 * 1024;
    private static final int BLOCK = 64 * 1024;

    private final FileChannel channel;
    private final ObjectMapper mapper;
    private final long size;

    RangeScan(FileChannel channel, ObjectMapper mapper) throws IOException {
        this.channel = channel;
        this.mapper = mapper;
        this.size = channel.size();
    }

    /** Emits the entries with {@code from <= time < to}, oldest first; returns how many. */
    int scan(Instant from, Instant to, int limit, Consumer<AccessLogEntry> sink) throws IOException {
        long position = searchStart(from.minus(SLACK));
        long stopAfter = Math.min(size, position + MAX_SCAN_BYTES);
        Instant stopAt = to.plus(SLACK);
        int emitted = 0;
        LineReader lines = new LineReader(position, stopAfter);
        for (byte[] line = lines.next(); line != null && emitted < limit; line = lines.next()) {
            AccessLogEntry entry = parse(line);
            Instant time = entry == null ? null : timeOf(entry);
            if (time == null) {
                continue;
            }
            if (time.isAfter(stopAt)) {
                break;
            }
            if (!time.isBefore(from) && time.isBefore(to)) {
                sink.accept(entry);
                emitted++;
            }
        }
        return emitted;
    }

    /** The start of a line at or before the first line stamped {@code notBefore} or later. */
    private long searchStart(Instant notBefore) throws IOException {
        long low = 0;
        long high = size;
        while (high - low > BLOCK) {
            long middle = low + (high - low) / 2;
            Instant time = firstTimeAfter(middle, high);
            if (time != null && time.isBefore(notBefore)) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return low == 0 ? 0 : nextLineStart(low);
    }

    /** The time of the first readable line that starts after {@code position}, or null before {@code limit}. */
    private Instant firstTimeAfter(long position, long limit) throws IOException {
        LineReader lines = new LineReader(nextLineStart(position), limit);
        for (byte[] line = lines.next(); line != null; line = lines.next()) {
            AccessLogEntry entry = parse(line);
            Instant time = entry == null ? null : timeOf(entry);
            if (time != null) {
                return time;
            }
        }
        return null;
    }

    private long nextLineStart(long position) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BLOCK);
        long at = position;
        while (at < size) {
            buffer.clear();
            int read = channel.read(buffer, at);
            if (read <= 0) {
                break;
            }
            for (int i = 0; i < read; i++) {
                if (buffer.get(i) == '\n') {
                    return at + i + 1;
                }
            }
            at += read;
        }
        return size;
    }

    private AccessLogEntry parse(byte[] line) {
        if (line.length < 2 || line[0] != '{') {
            return null;
        }
        try {
            return mapper.readValue(line, AccessLogEntry.class);
        } catch (IOException damaged) {
            return null;
        }
    }

    private static Instant timeOf(AccessLogEntry entry) {
        try {
            return entry.time() == null ? null : OffsetDateTime.parse(entry.time()).toInstant();
        } catch (DateTimeParseException unreadable) {
            return null;
        }
    }

    /** Complete lines (without their newline) from a position; a line longer than nginx writes is skipped; the unfinished last one too. */
    private final class LineReader {
        private final long end;
        private final ByteBuffer buffer = ByteBuffer.allocate(BLOCK);
        private long position;
        private int available;
        private int index;

        LineReader(long start, long end) {
            this.position = start;
            this.end = end;
        }

        byte[] next() throws IOException {
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            boolean tooLong = false;
            while (true) {
                if (index == available) {
                    if (position >= end) {
                        return null;
                    }
                    buffer.clear();
                    buffer.limit((int) Math.min(BLOCK, end - position));
                    available = channel.read(buffer, position);
                    if (available <= 0) {
                        return null;
                    }
                    position += available;
                    index = 0;
                }
                byte next = buffer.get(index++);
                if (next == '\n') {
                    if (!tooLong) {
                        return line.toByteArray();
                    }
                    line.reset();
                    tooLong = false;
                } else if (line.size() < AccessLogReader.MAX_LINE_BYTES) {
                    line.write(next);
                } else {
                    tooLong = true;
                }
            }
        }
    }
}
