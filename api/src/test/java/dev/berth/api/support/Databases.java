package dev.berth.api.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The databases tests run on: H2 in memory, and a real PostgreSQL given by the environment
 * variable {@code BERTH_TEST_PG_URL} (a JDBC URL with a superuser, e.g. to the {@code postgres}
 * database). {@code make test} starts that PostgreSQL and sets the variable and
 * {@code -Dberth.requirePostgres=true}, so the PostgreSQL runs cannot silently be skipped there.
 */
public final class Databases {
    private Databases() {
    }

    /** A fresh, private H2 file database, like the embedded default, in a temporary directory. */
    public static String h2Url() {
        try {
            java.nio.file.Path directory = java.nio.file.Files.createTempDirectory("berth-h2-");
            directory.toFile().deleteOnExit();
            return "jdbc:h2:file:" + directory.resolve("berth") + ";LOCK_TIMEOUT=10000";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether a PostgreSQL is available; fails instead of answering false when one is required. */
    public static boolean postgresAvailable() {
        String url = System.getenv("BERTH_TEST_PG_URL");
        if ((url == null || url.isBlank()) && Boolean.getBoolean("berth.requirePostgres")) {
            throw new IllegalStateException("BERTH_TEST_PG_URL is not set but PostgreSQL runs are required (run `make test`)");
        }
        return url != null && !url.isBlank();
    }

    /**
     * Creates a fresh database for one test class and returns its JDBC URL. The database is named
     * after the run, so leftovers of an earlier run never collide; it is dropped by {@link #dropPostgres}.
     */
    public static String createPostgres() {
        String admin = System.getenv("BERTH_TEST_PG_URL");
        String name = "berth_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection connection = DriverManager.getConnection(admin); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database on " + admin, e);
        }
        return admin.replaceFirst("/[A-Za-z0-9_]+(\\?|$)", "/" + name + "$1");
    }

    /**
     * The configuration overrides that point an application at a fresh PostgreSQL database made by
     * {@link #createPostgres}; {@code created} receives its URL so that the test can drop it.
     */
    public static java.util.List<io.dropwizard.testing.ConfigOverride> postgresOverrides(java.util.function.Consumer<String> created) {
        return java.util.List.of(
                io.dropwizard.testing.ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                io.dropwizard.testing.ConfigOverride.config("database.url", () -> {
                    String url = createPostgres();
                    created.accept(url);
                    return url;
                }),
                io.dropwizard.testing.ConfigOverride.config("database.user", "postgres"),
                io.dropwizard.testing.ConfigOverride.config("database.password", ""));
    }

    /**
     * A PostgreSQL database of its own for one test class's application: {@link #overrides} point
     * the application at it (created when the application starts), {@link #dropAfter} stops the
     * application and drops it once the class is done. Declare it before the application extension.
     */
    public static final class OwnPostgres {
        private volatile String url;

        /** The overrides of {@link #postgresOverrides}, remembering the database they create. */
        public java.util.List<io.dropwizard.testing.ConfigOverride> overrides() {
            return postgresOverrides(created -> url = created);
        }

        /** Stops {@code app} and drops the database, if the application ever created one. */
        public void dropAfter(io.dropwizard.testing.junit5.DropwizardAppExtension<?> app) {
            if (url != null) {
                app.after();
                dropPostgres(url);
            }
        }
    }

    public static void dropPostgres(String url) {
        String admin = System.getenv("BERTH_TEST_PG_URL");
        String name = url.replaceFirst("^.*/([A-Za-z0-9_]+)(\\?.*)?$", "$1");
        try (Connection connection = DriverManager.getConnection(admin); Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name, e);
        }
    }

    /** PostgreSQL databases {@link #migratedBoth} made, dropped when the test JVM exits. */
    private static final java.util.List<String> CREATED_FOR_DAO_TESTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> CREATED_FOR_DAO_TESTS.forEach(url -> {
            try {
                dropPostgres(url);
            } catch (RuntimeException ignored) {
                // the server may be gone already: make test stops it anyway
            }
        }), "drop-test-databases"));
    }

    /**
     * Fresh databases with the real changelog applied twice (as at every restart): H2, and a new
     * PostgreSQL database when one is available (dropped when the JVM exits). For DAO and service
     * tests that must hold on both: {@code @MethodSource("dev.berth.api.support.Databases#migratedBoth")}.
     */
    public static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> migratedBoth() throws Exception {
        java.util.List<org.junit.jupiter.params.provider.Arguments> databases = new java.util.ArrayList<>();
        databases.add(org.junit.jupiter.params.provider.Arguments.of("h2", migrated("org.h2.Driver", h2Url(), "berth")));
        if (postgresAvailable()) {
            String url = createPostgres();
            CREATED_FOR_DAO_TESTS.add(url);
            databases.add(org.junit.jupiter.params.provider.Arguments.of("postgresql", migrated("org.postgresql.Driver", url, "postgres")));
        }
        return databases.stream();
    }

    /** A database with the real changelog applied twice, as at every restart (H2: user berth; PostgreSQL from {@link #createPostgres}: user postgres). */
    public static org.jdbi.v3.core.Jdbi migrated(String driver, String url, String user) throws Exception {
        io.dropwizard.db.DataSourceFactory factory = new io.dropwizard.db.DataSourceFactory();
        factory.setDriverClass(driver);
        factory.setUrl(url);
        factory.setUser(user);
        factory.setPassword("");
        dev.berth.api.platform.Migrations.apply(factory, new com.codahale.metrics.MetricRegistry());
        dev.berth.api.platform.Migrations.apply(factory, new com.codahale.metrics.MetricRegistry());
        return org.jdbi.v3.core.Jdbi.create(factory.build(new com.codahale.metrics.MetricRegistry(), "test"))
                .installPlugin(new org.jdbi.v3.sqlobject.SqlObjectPlugin());
    }

    /** A fresh H2 file database with the real changelog applied, for service-level tests. */
    public static org.jdbi.v3.core.Jdbi migratedH2() throws Exception {
        return migrated("org.h2.Driver", h2Url(), "berth");
    }

    /**
     * A fresh PostgreSQL database (see {@link #createPostgres}) with the real changelog applied;
     * {@code created} receives its URL so that the test can drop it.
     */
    public static org.jdbi.v3.core.Jdbi migratedPostgres(java.util.function.Consumer<String> created) throws Exception {
        String url = createPostgres();
        created.accept(url);
        return migrated("org.postgresql.Driver", url, "postgres");
    }
}
