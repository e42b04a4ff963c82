package dev.berth.api.auth;

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

/** {@link EmailVerificationApiBehaviour} on a real PostgreSQL (started by {@code make test}). */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
@ExtendWith(DropwizardExtensionsSupport.class)
class EmailVerificationOnPostgresTest extends EmailVerificationApiBehaviour {
    private static final Databases.OwnPostgres DATABASE = new Databases.OwnPostgres();

    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-email-verification.yml"),
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
