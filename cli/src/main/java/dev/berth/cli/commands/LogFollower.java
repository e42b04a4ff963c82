package dev.berth.cli.commands;

import dev.berth.sdk.model.AccessLogEntry;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds the new requests in successive polls of a site's access log. Each poll answers the newest
 * requests (newest first, at most the poll's limit); nginx stamps them to the second, so the
 * follower remembers the newest second it printed and how many identical entries of that second
 * it printed, and prints only what lies beyond. Not thread-safe: one follower per command.
 */
final class LogFollower {
    private OffsetDateTime newestPrinted;
    private Map<String, Integer> printedInNewestSecond = new HashMap<>();

    /** What a poll brought: the entries to print, oldest first, and whether some may have been missed. */
    record Batch(List<AccessLogEntry> entries, boolean mayHaveMissed) {
    }

    /**
     * @param newestFirst the poll's answer
     * @param limit       the poll's limit: a full answer that is entirely new may have left older requests out
     */
    Batch next(List<AccessLogEntry> newestFirst, int limit) {
        List<AccessLogEntry> oldestFirst = new ArrayList<>(newestFirst);
        java.util.Collections.reverse(oldestFirst);
        List<AccessLogEntry> fresh = new ArrayList<>();
        Map<String, Integer> seenInNewestSecond = new HashMap<>();
        for (AccessLogEntry entry : oldestFirst) {
            OffsetDateTime time = entry.getTime();
            if (newestPrinted == null || time.isAfter(newestPrinted)) {
                fresh.add(entry);
            } else if (time.isEqual(newestPrinted)) {
                String key = key(entry);
                int seen = seenInNewestSecond.merge(key, 1, Integer::sum);
                if (seen > printedInNewestSecond.getOrDefault(key, 0)) {
                    fresh.add(entry);
                }
            }
        }
        boolean mayHaveMissed = newestPrinted != null && newestFirst.size() >= limit
                && oldestFirst.stream().allMatch(entry -> entry.getTime().isAfter(newestPrinted));
        if (!oldestFirst.isEmpty()) {
            OffsetDateTime newest = oldestFirst.get(oldestFirst.size() - 1).getTime();
            if (newestPrinted == null || !newest.isBefore(newestPrinted)) {
                Map<String, Integer> counts = new HashMap<>();
                for (AccessLogEntry entry : oldestFirst) {
                    if (entry.getTime().isEqual(newest)) {
                        counts.merge(key(entry), 1, Integer::sum);
                    }
                }
                newestPrinted = newest;
                printedInNewestSecond = counts;
            }
        }
        return new Batch(fresh, mayHaveMissed);
    }

    private static String key(AccessLogEntry entry) {
        return String.join("\u0000", Objects.toString(entry.getHost()), Objects.toString(entry.getRemoteAddress()),
                entry.getMethod(), entry.getUri(), String.valueOf(entry.getStatus()), Objects.toString(entry.getBytesSent()),
                Objects.toString(entry.getRequestSeconds()), Objects.toString(entry.getUserAgent()));
    }
}
