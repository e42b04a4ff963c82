package dev.berth.api.platform;

import java.sql.SQLException;
import java.util.Set;

/** Classifies database failures portably across H2 and PostgreSQL (both use SQLSTATE). */
public final class Sql {
    private static final Set<String> UNIQUE_VIOLATION = Set.of("23505");
    /** A deadlock (40P01 on PostgreSQL) or a serialization failure (40001, which H2 also uses for deadlocks). */
    private static final Set<String> TRANSIENT = Set.of("40P01", "40001");

    private Sql() {
    }

    /** Whether the failure is a unique-constraint violation (SQLSTATE 23505). */
    public static boolean isUniqueViolation(Throwable failure) {
        return hasState(failure, UNIQUE_VIOLATION);
    }

    /** Whether the failure is one the database asks the caller to retry: a deadlock or a serialization failure. */
    public static boolean isTransient(Throwable failure) {
        return hasState(failure, TRANSIENT);
    }

    private static boolean hasState(Throwable failure, Set<String> states) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null && states.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
