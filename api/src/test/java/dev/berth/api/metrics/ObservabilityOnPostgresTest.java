package dev.berth.api.metrics;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ObservabilityBehaviour} on a real PostgreSQL (started by {@code make test}). */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
@ExtendWith(DropwizardExtensionsSupport.class)
class ObservabilityOnPostgresTest extends ObservabilityBehaviour {
    private static final Databases.OwnPostgres DATABASE = new Databases.OwnPostgres();
    static final Path LOG = LogFiles.create();
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-observability.yml"), overrides());

    private static ConfigOverride[] overrides() {
        List<ConfigOverride> overrides = new ArrayList<>(DATABASE.overrides());
        overrides.add(ConfigOverride.config("logging.appenders[0].currentLogFilename", LOG.toString()));
        return overrides.toArray(ConfigOverride[]::new);
    }

    @AfterAll
    static void dropDatabase() {
        DATABASE.dropAfter(APP);
    }

    @Override
    DropwizardAppExtension<BerthConfiguration> extension() {
        return APP;
    }

    @Override
    Path logFile() {
        return LOG;
    }
}
