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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Two API replicas on one real PostgreSQL database, behind no balancer: a client that spreads its
 * requests over both gets each budget once, refused with the same 429 problem and headers as from
 * a single replica.
 */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
class RateLimitsAcrossReplicasOnPostgresTest {
    private static final String[] URL = new String[1];
    private static DropwizardAppExtension<BerthConfiguration> first;
    private static DropwizardAppExtension<BerthConfiguration> second;

    /** test.yml with a budget of 5 failed logins per account and counts shared every 100 ms. */
    private static final String CONFIG = "test-shared-limits.yml";

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        first = new DropwizardAppExtension<>(TestApp.class, ResourceHelpers.resourceFilePath(CONFIG),
                Databases.postgresOverrides(created -> URL[0] = created).toArray(ConfigOverride[]::new));
        first.before();
        second = new DropwizardAppExtension<>(TestApp.class, ResourceHelpers.resourceFilePath(CONFIG),
                ConfigOverride.config("database.driverClass", "org.postgresql.Driver"),
                ConfigOverride.config("database.url", URL[0]),
                ConfigOverride.config("database.user", "postgres"),
                ConfigOverride.config("database.password", ""));
        second.before();
    }

    @AfterAll
    static void stopThem() {
        if (second != null) {
            second.after();
        }
        if (first != null) {
            first.after();
        }
        // Each extension restores on after() what the properties held at its before(): the second
        // one saw the first's, which would leak into the next test class's application.
        for (String key : List.of("driverClass", "url", "user", "password")) {
            System.clearProperty("dw.database." + key);
        }
        if (URL[0] != null) {
            Databases.dropPostgres(URL[0]);
        }
    }

    private static ApiClient.Answer login(ApiClient api, String email, String password) {
        return api.post("/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    }

    private static void assertRefusedWithHeaders(ApiClient.Answer refused, String limit) {
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.problem()).isEqualTo("rate-limited");
        assertThat(refused.header("Retry-After")).matches("[1-9][0-9]*");
        assertThat(refused.header("RateLimit-Limit")).isEqualTo(limit);
        assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(refused.header("RateLimit-Reset")).matches("[1-9][0-9]*");
    }

    @Test
    void failedLoginsOfOneAccountAreCountedOverBothReplicas() {
        ApiClient replicaA = new ApiClient(first.getLocalPort());
        ApiClient replicaB = new ApiClient(second.getLocalPort());
        Session session = Tenants.signUp(replicaA, "lim");
        for (int i = 0; i < 3; i++) {
            assertThat(login(replicaA, session.email(), "wrong password " + i).status()).isEqualTo(401);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(login(replicaB, session.email(), "wrong password " + i).status()).isEqualTo(401);
        }
        // The sixth attempt is refused wherever it lands, even with the right password.
        assertRefusedWithHeaders(login(replicaB, session.email(), Tenants.PASSWORD), "5");
        assertRefusedWithHeaders(login(replicaA, session.email(), Tenants.PASSWORD), "5");
    }

    @Test
    void aTenantsApiBudgetIsCountedOverBothReplicas() throws InterruptedException {
        ApiClient replicaA = new ApiClient(first.getLocalPort());
        ApiClient replicaB = new ApiClient(second.getLocalPort());
        Session session = Tenants.signUp(replicaA, "rpm");
        Session admin = Tenants.login(replicaA, "root@berth.test", "admin-password-for-tests", null, "platform");
        Tenants.setQuota(replicaA, admin.accessToken(), session.tenantId(), 10, 5, 5);
        for (int i = 0; i < 3; i++) {
            assertThat(replicaA.get("/sites", session.accessToken()).status()).isEqualTo(200);
        }
        Thread.sleep(500); // a few share intervals: each replica has written its counts and read the other's
        assertThat(replicaB.get("/sites", session.accessToken()).status()).isEqualTo(200);
        ApiClient.Answer last = replicaB.get("/sites", session.accessToken());
        assertThat(last.status()).isEqualTo(200);
        assertThat(last.header("RateLimit-Remaining")).isEqualTo("0");
        assertRefusedWithHeaders(replicaB.get("/sites", session.accessToken()), "5");
        Thread.sleep(500);
        assertRefusedWithHeaders(replicaA.get("/sites", session.accessToken()), "5");
    }
}
