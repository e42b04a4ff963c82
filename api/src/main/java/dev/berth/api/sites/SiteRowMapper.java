package dev.berth.api.sites;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Maps {@link SiteDao#COLUMNS} to a {@link Site}. Written by hand because site lists are the
 * API's hottest read: Jdbi's reflective constructor mapper specialises itself on every query.
 * Columns are found by name once per result set ({@link #specialize}), not on every row: a lookup
 * by name upper-cases the label and searches the result's columns each time, 150 times for a
 * page of 10 sites.
 */
public final class SiteRowMapper implements RowMapper<Site> {
    private static final String[] LABELS = {"id", "tenant_id", "tenant_name", "name", "ipv4", "ipv6", "desired_state",
        "observed_state", "last_error", "generation", "observed_generation", "delete_requested_at", "created_at", "updated_at",
        "release_id", "last_error_type", "tenant_suspended_at", "protected_at", "protection_username", "protection_credentials",
        "protection_path_prefix", "protection_allowed", "serve_spa", "serve_clean_urls"};

    @Override
    public RowMapper<Site> specialize(ResultSet rs, StatementContext ctx) throws SQLException {
        int[] index = new int[LABELS.length];
        for (int column = 0; column < LABELS.length; column++) {
            index[column] = rs.findColumn(LABELS[column]);
        }
        return (row, context) -> map(row, index);
    }

    @Override
    public Site map(ResultSet rs, StatementContext ctx) throws SQLException {
        return specialize(rs, ctx).map(rs, ctx);
    }

    private static Site map(ResultSet rs, int[] index) throws SQLException {
        return new Site(
                rs.getObject(index[0], UUID.class),
                rs.getObject(index[1], UUID.class),
                rs.getString(index[2]),
                rs.getString(index[3]),
                rs.getString(index[4]),
                rs.getString(index[5]),
                rs.getString(index[6]),
                rs.getString(index[7]),
                rs.getString(index[8]),
                rs.getLong(index[9]),
                rs.getLong(index[10]),
                instant(rs.getTimestamp(index[11])),
                instant(rs.getTimestamp(index[12])),
                instant(rs.getTimestamp(index[13])),
                rs.getString(index[14]),
                rs.getString(index[15]),
                rs.getTimestamp(index[16]) != null,
                protection(rs, index),
                rs.getBoolean(index[22]),
                rs.getBoolean(index[23]));
    }

    private static Protection protection(ResultSet rs, int[] index) throws SQLException {
        Instant protectedAt = instant(rs.getTimestamp(index[17]));
        if (protectedAt == null) {
            return null;
        }
        return new Protection(rs.getString(index[18]), rs.getString(index[19]), rs.getString(index[20]),
                Protection.allowedOf(rs.getString(index[21])), protectedAt);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
