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
 */
public final class SiteRowMapper implements RowMapper<Site> {

    @Override
    public Site map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Site(
                rs.getObject("id", UUID.class),
                rs.getObject("tenant_id", UUID.class),
                rs.getString("tenant_name"),
                rs.getString("name"),
                rs.getString("ipv4"),
                rs.getString("ipv6"),
                rs.getString("desired_state"),
                rs.getString("observed_state"),
                rs.getString("last_error"),
                rs.getLong("generation"),
                rs.getLong("observed_generation"),
                instant(rs.getTimestamp("delete_requested_at")),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("updated_at")),
                rs.getString("release_id"));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
