package dev.berth.api.nodes;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link NodeMovesBehaviour} on a real PostgreSQL (started by {@code make test}). */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
@ExtendWith(DropwizardExtensionsSupport.class)
class NodeMovesOnPostgresTest extends NodeMovesBehaviour {
    private static final Databases.OwnPostgres DATABASE = new Databases.OwnPostgres();

    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.WithMutableClock.class,
            ResourceHelpers.resourceFilePath("test.yml"),
            DATABASE.overrides().toArray(ConfigOverride[]::new));

    @AfterAll
    static void dropDatabase() {
        DATABASE.dropAfter(APP);
    }

    @Override
    DropwizardAppExtension<BerthConfiguration> extension() {
        return APP;
    }
}
