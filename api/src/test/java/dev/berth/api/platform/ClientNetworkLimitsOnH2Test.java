package dev.berth.api.platform;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ClientNetworkLimitsBehaviour} on the embedded default database: limits counted in memory. */
@ExtendWith(DropwizardExtensionsSupport.class)
class ClientNetworkLimitsOnH2Test extends ClientNetworkLimitsBehaviour {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-client-address.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()),
            ConfigOverride.config("platform.trustedProxies", "127.0.0.1,::1"));

    @Override
    DropwizardAppExtension<BerthConfiguration> extension() {
        return APP;
    }
}
