package dev.berth.api.platform;

import java.sql.SQLException;

/** Classifies database failures portably across H2 and PostgreSQL (both use SQLSTATE). */
public final class Sql {
    private Sql() {
    }

    /** Whether the failure is a unique-constraint violation (SQLSTATE 23505). */
    public static boolean isUniqueViolation(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
