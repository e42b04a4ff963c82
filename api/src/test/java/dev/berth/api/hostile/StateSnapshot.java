package dev.berth.api.hostile;

import dev.berth.api.support.FakeSiteHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;

/**
 * Everything a request could change, captured so that two captures can be compared: every row of
 * every table of the database (whatever the changelog holds, so a new table is covered without
 * touching this class), every file under the data directory, and what the fake host was asked and
 * holds. Columns that record that a credential was presented, not what it did, are left out.
 */
record StateSnapshot(Map<String, List<Map<String, String>>> tables, List<String> files, List<String> hostCalls, String hostSpecs) {
    /**
     * Written when a personal access token authenticates (at most once a minute), refused call or
     * not; and by the event worker's own thread as it fans out events that earlier cases caused.
     */
    private static final Set<String> PRESENTATION_COLUMNS = Set.of("personal_access_tokens.last_used_at", "events.dispatched_at",
            // A node's heartbeat: written when it answers a reconciler pass, whatever requests arrive.
            "nodes.last_seen_at", "nodes.last_error");
    /**
     * Written on a clock by the usage archive's sampler (once a minute), whatever requests arrive; and
     * the rate limits' shared counts (on PostgreSQL), which count every request, refused or not: that
     * is what a rate limit is for.
     */
    private static final Set<String> SAMPLED_TABLES = Set.of("usage_points", "rate_limit_counts", "rate_limit_buckets");

    static StateSnapshot capture(Jdbi jdbi, Path dataDirectory, FakeSiteHost host) {
        Map<String, List<Map<String, String>>> tables = jdbi.withHandle(handle -> {
            try {
                return readAll(handle.getConnection());
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the database", e);
            }
        });
        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dataDirectory)) {
            walk.sorted().forEach(path -> files.add(dataDirectory.relativize(path) + (Files.isRegularFile(path) ? " " + size(path) : "/")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new StateSnapshot(tables, files, host.calls(), new TreeMap<>(host.specs()).toString());
    }

    private static Map<String, List<Map<String, String>>> readAll(Connection connection) throws SQLException {
        Map<String, List<Map<String, String>>> tables = new TreeMap<>();
        DatabaseMetaData metadata = connection.getMetaData();
        List<String> names = new ArrayList<>();
        try (ResultSet found = metadata.getTables(null, null, "%", new String[] {"TABLE"})) {
            while (found.next()) {
                String schema = found.getString("TABLE_SCHEM");
                if (schema != null && schema.equalsIgnoreCase("public")) {
                    names.add(found.getString("TABLE_NAME"));
                }
            }
        }
        try (Statement statement = connection.createStatement()) {
            for (String name : names) {
                String table = name.toLowerCase(Locale.ROOT);
                if (SAMPLED_TABLES.contains(table)) {
                    continue;
                }
                List<Map<String, String>> rows = new ArrayList<>();
                try (ResultSet result = statement.executeQuery("SELECT * FROM " + name)) {
                    ResultSetMetaData columns = result.getMetaData();
                    while (result.next()) {
                        Map<String, String> row = new TreeMap<>();
                        for (int i = 1; i <= columns.getColumnCount(); i++) {
                            String column = columns.getColumnLabel(i).toLowerCase(Locale.ROOT);
                            if (!PRESENTATION_COLUMNS.contains(table + "." + column)) {
                                // As text: a CLOB's object form names the handle it was read through, not its content.
                                row.put(column, String.valueOf(result.getString(i)));
                            }
                        }
                        rows.add(row);
                    }
                }
                tables.put(table, rows);
            }
        }
        return tables;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What changed between this capture and {@code after} that the case does not allow; empty when
     * the request had no side effect.
     *
     * @param status the answer's status, which the refused call's own audit entry must carry
     */
    List<String> unexplainedChanges(StateSnapshot after, Set<HostileCase.Allowed> allowed, int status) {
        List<String> changes = new ArrayList<>();
        Set<String> names = new java.util.TreeSet<>(tables.keySet());
        names.addAll(after.tables.keySet());
        for (String table : names) {
            List<Map<String, String>> before = tables.getOrDefault(table, List.of());
            List<Map<String, String>> now = after.tables.getOrDefault(table, List.of());
            List<Map<String, String>> added = minus(now, before);
            List<Map<String, String>> removed = minus(before, now);
            if (added.isEmpty() && removed.isEmpty()) {
                continue;
            }
            if (table.equals("audit_log") && removed.isEmpty() && added.size() <= 1 && added.stream().allMatch(row -> isRecordOf(row, status))) {
                continue; // the audit log records every mutating call, refused ones as denied or failed: that is its job
            }
            if (table.equals("deploys") && allowed.contains(HostileCase.Allowed.FAILED_DEPLOY) && removed.isEmpty()
                    && added.size() == 1 && added.get(0).get("status").equals("failed")) {
                continue;
            }
            if (table.equals("site_domains") && allowed.contains(HostileCase.Allowed.PENDING_DOMAIN) && removed.isEmpty()
                    && added.size() == 1 && added.get(0).get("status").equals("pending")) {
                continue;
            }
            if (table.equals("events") && allowed.contains(HostileCase.Allowed.FAILED_DEPLOY) && removed.isEmpty()
                    && added.size() == 1 && added.get(0).get("type").equals("deploy.failed")) {
                continue; // the failed deploy's own event, announced to the tenant's endpoints
            }
            if (table.equals("refresh_tokens") && allowed.contains(HostileCase.Allowed.SESSION_REVOKED)
                    && onlyRevoked(removed, added)) {
                continue;
            }
            changes.add(table + ": added " + added + ", removed " + removed);
        }
        if (!files.equals(after.files)) {
            changes.add("data directory: " + files + " became " + after.files);
        }
        if (!hostCalls.equals(after.hostCalls)) {
            changes.add("host calls: " + after.hostCalls.subList(Math.min(hostCalls.size(), after.hostCalls.size()), after.hostCalls.size()));
        }
        if (!hostSpecs.equals(after.hostSpecs)) {
            changes.add("host specs changed: " + after.hostSpecs);
        }
        return changes;
    }

    /** Whether an audit entry records the call that was answered {@code status}, with the matching outcome. */
    private static boolean isRecordOf(Map<String, String> row, int status) {
        String outcome = status < 400 ? "success" : status == 401 || status == 403 ? "denied" : "failure";
        return outcome.equals(row.get("outcome")) && String.valueOf(status).equals(row.get("status"));
    }

    /** Rows that changed only by being revoked now. */
    private static boolean onlyRevoked(List<Map<String, String>> removed, List<Map<String, String>> added) {
        if (removed.size() != added.size() || added.isEmpty()) {
            return false;
        }
        List<Map<String, String>> before = new ArrayList<>();
        List<Map<String, String>> after = new ArrayList<>();
        for (Map<String, String> row : removed) {
            if (!"null".equals(row.get("revoked_at"))) {
                return false;
            }
            before.add(without(row, "revoked_at"));
        }
        for (Map<String, String> row : added) {
            if ("null".equals(row.get("revoked_at"))) {
                return false;
            }
            after.add(without(row, "revoked_at"));
        }
        return minus(before, after).isEmpty() && minus(after, before).isEmpty();
    }

    private static Map<String, String> without(Map<String, String> row, String column) {
        Map<String, String> copy = new TreeMap<>(row);
        copy.remove(column);
        return copy;
    }

    /** Multiset difference. */
    private static List<Map<String, String>> minus(List<Map<String, String>> from, List<Map<String, String>> take) {
        Map<Map<String, String>, Integer> counts = new HashMap<>();
        take.forEach(row -> counts.merge(row, 1, Integer::sum));
        List<Map<String, String>> left = new ArrayList<>();
        for (Map<String, String> row : from) {
            Integer count = counts.get(row);
            if (count == null || count == 0) {
                left.add(row);
            } else {
                counts.put(row, count - 1);
            }
        }
        return left;
    }
}
