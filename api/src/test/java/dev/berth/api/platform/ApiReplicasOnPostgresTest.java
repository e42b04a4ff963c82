package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Two API replicas on one real PostgreSQL database: the first leads; a site created through the
 * second is pushed by the first's reconciler at once (test.yml's reconcile period is ten minutes,
 * so only the forwarded nudge explains it); once the first replica ends, the second leads and
 * converges every site on its own. Each replica drives its own fake host, so whose reconciler
 * pushed a spec is visible.
 */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
class ApiReplicasOnPostgresTest {

    private static void within(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Whether a host was handed the site's spec. */
    private static boolean holds(dev.berth.api.support.FakeSiteHost host, String site) {
        return host.specs().values().stream().anyMatch(spec -> spec.name().equals(site));
    }

    @Test
    void theLeaderRunsTheFollowersWorkAndTheFollowerLeadsOnceTheLeaderEnds() throws Exception {
        String[] url = new String[1];
        List<ConfigOverride> firstOverrides = new ArrayList<>(Databases.postgresOverrides(created -> url[0] = created));
        DropwizardAppExtension<BerthConfiguration> first = new DropwizardAppExtension<>(TestApp.class,
                ResourceHelpers.resourceFilePath("test.yml"), firstOverrides.toArray(ConfigOverride[]::new));
        DropwizardAppExtension<BerthConfiguration> second = null;
        try {
            first.before();
            second = new DropwizardAppExtension<>(TestApp.class, ResourceHelpers.resourceFilePath("test.yml"),
                    ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                    ConfigOverride.config("database.url", url[0]),
                    ConfigOverride.config("database.user", "postgres"),
                    ConfigOverride.config("database.password", ""));
            second.before();
            TestApp leader = first.getApplication();
            TestApp follower = second.getApplication();
            assertThat(leader.leadership().leads()).isTrue();
            assertThat(follower.leadership().leads()).isFalse();

            ApiClient followerApi = new ApiClient(second.getLocalPort());
            Session tenant = Tenants.signUp(followerApi, "rp");
            String site = Tenants.unique("rp");
            assertThat(followerApi.post("/sites", tenant.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
            within(Duration.ofSeconds(10), () -> holds(leader.host(), site),
                    "the leader's reconciler pushes a site created through the follower");

            first.after();
            within(Duration.ofSeconds(10), () -> follower.leadership().leads(), "the follower leads once the leader ended");
            within(Duration.ofSeconds(10), () -> holds(follower.host(), site), "the new leader converges every site");
            String another = Tenants.unique("rp");
            assertThat(followerApi.post("/sites", tenant.accessToken(), "{\"name\":\"" + another + "\"}").status()).isEqualTo(201);
            within(Duration.ofSeconds(10), () -> holds(follower.host(), another), "and pushes new sites at once");
        } finally {
            if (second != null) {
                second.after();
            }
            first.after();
            // Each extension restores on after() what the properties held at its before(): the second
            // one saw the first's, which would leak into the next test class's application.
            for (String key : List.of("driverClass", "url", "user", "password")) {
                System.clearProperty("dw.database." + key);
            }
            if (url[0] != null) {
                Databases.dropPostgres(url[0]);
            }
        }
    }
}
