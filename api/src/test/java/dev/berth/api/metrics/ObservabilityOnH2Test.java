package dev.berth.api.metrics;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ObservabilityBehaviour} on the embedded default database. */
@ExtendWith(DropwizardExtensionsSupport.class)
class ObservabilityOnH2Test extends ObservabilityBehaviour {
    static final Path LOG = LogFiles.create();
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-observability.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()),
            ConfigOverride.config("logging.appenders[0].currentLogFilename", LOG.toString()));

    @Override
    DropwizardAppExtension<BerthConfiguration> extension() {
        return APP;
    }

    @Override
    Path logFile() {
        return LOG;
    }
}
