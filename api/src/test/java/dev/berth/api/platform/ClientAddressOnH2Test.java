package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Which address a request is counted against: a client cannot pick its own with X-Forwarded-For,
 * talking to the API directly or through the proxy the API trusts; sprays are limited like any
 * other burst from one address.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ClientAddressOnH2Test {
    static final DropwizardAppExtension<BerthConfiguration> DIRECT = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-client-address.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));

    /** The API as it runs behind a local nginx: loopback is the trusted proxy. */
    static final DropwizardAppExtension<BerthConfiguration> BEHIND_PROXY = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-client-address.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()),
            ConfigOverride.config("platform.trustedProxies", "127.0.0.1,::1"));

    private static ApiClient.Answer login(DropwizardAppExtension<BerthConfiguration> app, String forwardedFor) {
        String email = "spray-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        return new ApiClient(app.getLocalPort()).send("POST", "/auth/login", null,
                "{\"email\":\"" + email + "\",\"password\":\"guess-guess-guess\"}", "application/json",
                Map.of("X-Forwarded-For", forwardedFor));
    }

    private static String randomAddress(int index) {
        return "198.51." + (index % 250) + "." + (1 + index * 7 % 250);
    }

    @Test
    void aLoginSprayRotatingXForwardedForIsLimitedLikeAnyBurstFromOneAddress() {
        List<Integer> statuses = new ArrayList<>();
        for (int attempt = 0; attempt < 8; attempt++) {
            statuses.add(login(DIRECT, randomAddress(attempt)).status());
        }
        assertThat(statuses.subList(0, 5)).containsOnly(401);
        assertThat(statuses.subList(5, 8)).containsOnly(429);
        ApiClient.Answer refused = login(DIRECT, randomAddress(99));
        assertThat(refused.header("Retry-After")).matches("[1-9][0-9]*");
        assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(refused.header("RateLimit-Limit")).isEqualTo("5");
    }

    @Test
    void behindTheTrustedProxyOnlyTheAddressTheProxyAppendedCounts() {
        List<Integer> statuses = new ArrayList<>();
        for (int attempt = 0; attempt < 7; attempt++) {
            // The client's own header first, then what nginx appends: the address it saw.
            statuses.add(login(BEHIND_PROXY, randomAddress(attempt) + ", 203.0.113.77").status());
        }
        assertThat(statuses.subList(0, 5)).containsOnly(401);
        assertThat(statuses.subList(5, 7)).containsOnly(429);
        // Another client behind the same proxy has its own budget: the proxy's address is not what counts.
        assertThat(login(BEHIND_PROXY, "203.0.113.78").status()).isEqualTo(401);
    }

    @Test
    void signupsFromOneAddressAreLimitedWhateverTheHeaderSays() {
        List<Integer> statuses = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            String name = "sp" + UUID.randomUUID().toString().substring(0, 8);
            statuses.add(new ApiClient(DIRECT.getLocalPort()).send("POST", "/signup", null,
                    "{\"email\":\"" + name + "@example.com\",\"password\":\"correct horse battery staple\",\"tenantName\":\"" + name + "\"}",
                    "application/json", Map.of("X-Forwarded-For", randomAddress(attempt))).status());
        }
        assertThat(statuses).containsExactly(201, 201, 429);
    }

    @Test
    void everyPublicEndpointIsLimitedPerClientAddress() {
        ApiClient api = new ApiClient(BEHIND_PROXY.getLocalPort());
        Map<String, String> client = Map.of("X-Forwarded-For", "203.0.113.200");
        int ok = 0;
        ApiClient.Answer limited = null;
        for (int request = 0; request < 40 && limited == null; request++) {
            ApiClient.Answer answer = api.send("GET", request % 2 == 0 ? "/health" : "/platform", null, null, null, client);
            if (answer.status() == 429) {
                limited = answer;
            } else {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(30);
        assertThat(limited).isNotNull();
        assertThat(limited.problem()).isEqualTo("rate-limited");
        assertThat(limited.header("Retry-After")).matches("[1-9][0-9]*");
        assertThat(api.send("GET", "/health", null, null, null, Map.of("X-Forwarded-For", "203.0.113.201")).status()).isEqualTo(200);
    }
}
