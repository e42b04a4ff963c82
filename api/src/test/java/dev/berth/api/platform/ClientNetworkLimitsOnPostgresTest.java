package dev.berth.api.platform;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ClientNetworkLimitsBehaviour} on a real PostgreSQL: limits counted in the shared buckets. */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
@ExtendWith(DropwizardExtensionsSupport.class)
class ClientNetworkLimitsOnPostgresTest extends ClientNetworkLimitsBehaviour {
    private static final Databases.OwnPostgres DATABASE = new Databases.OwnPostgres();

    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-client-address.yml"), overrides());

    private static ConfigOverride[] overrides() {
        List<ConfigOverride> overrides = new ArrayList<>(DATABASE.overrides());
        overrides.add(ConfigOverride.config("platform.trustedProxies", "127.0.0.1,::1"));
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
}
