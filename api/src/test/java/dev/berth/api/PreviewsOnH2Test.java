package dev.berth.api;

import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link PreviewsBehaviour} on the embedded default database. */
@ExtendWith(DropwizardExtensionsSupport.class)
class PreviewsOnH2Test extends PreviewsBehaviour {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.WithMutableClock.class,
            ResourceHelpers.resourceFilePath("test-deploys.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));

    @Override
    DropwizardAppExtension<BerthConfiguration> extension() {
        return APP;
    }
}
