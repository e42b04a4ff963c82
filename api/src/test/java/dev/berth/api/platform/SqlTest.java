package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SqlTest {

    private static RuntimeException wrapped(String sqlState) {
        return new IllegalStateException("statement failed", new SQLException("driver message", sqlState));
    }

    @Test
    void aDeadlockOrSerializationFailureDeepInTheCausesIsTransient() {
        assertThat(Sql.isTransient(wrapped("40P01"))).as("PostgreSQL deadlock").isTrue();
        assertThat(Sql.isTransient(wrapped("40001"))).as("serialization failure, H2's deadlock").isTrue();
        assertThat(Sql.isUniqueViolation(wrapped("40P01"))).isFalse();
    }

    @Test
    void otherFailuresAreNeitherTransientNorUniqueViolations() {
        assertThat(Sql.isTransient(wrapped("23505"))).isFalse();
        assertThat(Sql.isUniqueViolation(wrapped("23505"))).isTrue();
        assertThat(Sql.isTransient(wrapped("23503"))).as("foreign key").isFalse();
        assertThat(Sql.isTransient(wrapped(null))).isFalse();
        assertThat(Sql.isTransient(new IllegalStateException("no SQL cause"))).isFalse();
    }
}
