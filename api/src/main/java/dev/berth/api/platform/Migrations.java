package dev.berth.api.platform;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import java.sql.Connection;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;

/** Applies the Liquibase changelog of the migrations module; run at every start-up and by {@code db migrate}. */
public final class Migrations {
    /** The master changelog on the classpath. */
    public static final String CHANGELOG = "db/changelog.xml";

    private Migrations() {
    }

    public static void apply(DataSourceFactory factory, MetricRegistry metrics) throws Exception {
        ManagedDataSource dataSource = factory.build(metrics, "migrations");
        try (Connection connection = dataSource.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
            try (Liquibase liquibase = new Liquibase(CHANGELOG, new ClassLoaderResourceAccessor(), database)) {
                liquibase.update("");
            }
        } finally {
            dataSource.stop();
        }
    }
}
