package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Tenants;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An IPv6 client rotating its source address through its /64 is one client to the per-address
 * limits, behind the proxy the API trusts (test-client-address.yml's small budgets). Runs once per
 * database (see the subclasses): in memory on H2, in the shared buckets on PostgreSQL. Each test
 * uses networks of its own, since the application and its budgets live as long as the class.
 */
abstract class ClientNetworkLimitsBehaviour {
    /** The running application, with loopback as its trusted proxy. */
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    private ApiClient.Answer from(String clientAddress, String method, String path, String json) {
        // What nginx appends: the address it saw.
        return new ApiClient(extension().getLocalPort()).send(method, path, null, json, "application/json",
                Map.of("X-Forwarded-For", clientAddress));
    }

    private ApiClient.Answer signup(String clientAddress, String name) {
        return from(clientAddress, "POST", "/signup",
                "{\"email\":\"" + name + "@example.com\",\"password\":\"" + Tenants.PASSWORD + "\",\"tenantName\":\"" + name + "\"}");
    }

    private ApiClient.Answer login(String clientAddress, String email, String password) {
        return from(clientAddress, "POST", "/auth/login", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    }

    @Test
    void signupsFromEveryAddressOfOneIpv6NetworkShareItsBudgetWhileAnotherNetworkHasItsOwn() {
        List<Integer> statuses = new ArrayList<>();
        for (int attempt = 1; attempt <= 5; attempt++) {
            // Each from another address of 2001:db8:51:1::/64, as a client with a /64 can pick them.
            statuses.add(signup("2001:db8:51:1:" + Integer.toHexString(attempt * 4099) + ":" + attempt + "::" + attempt,
                    Tenants.unique("net")).status());
        }
        assertThat(statuses).containsExactly(201, 201, 429, 429, 429);
        assertThat(signup("2001:DB8:51:1:FFFF:FFFF:FFFF:FFFF", Tenants.unique("net")).problem()).isEqualTo("rate-limited");
        assertThat(signup("2001:db8:51:2::1", Tenants.unique("net")).status()).isEqualTo(201);
    }

    @Test
    void aLoginSprayRotatingThroughOneIpv6NetworkIsLimitedLikeOneAddress() {
        List<Integer> statuses = new ArrayList<>();
        for (int attempt = 1; attempt <= 8; attempt++) {
            statuses.add(login("2001:db8:52:1::" + Integer.toHexString(attempt * 257), Tenants.unique("spray") + "@example.com",
                    "guess-guess-guess").status());
        }
        assertThat(statuses.subList(0, 5)).containsOnly(401);
        assertThat(statuses.subList(5, 8)).containsOnly(429);
        assertThat(login("2001:db8:52:2::1", Tenants.unique("spray") + "@example.com", "guess-guess-guess").status()).isEqualTo(401);
    }

    @Test
    void anIpv4MappedAddressIsCountedAsTheIpv4AddressItMaps() {
        List<Integer> statuses = new ArrayList<>();
        statuses.add(signup("198.51.100.53", Tenants.unique("mapped")).status());
        statuses.add(signup("::ffff:198.51.100.53", Tenants.unique("mapped")).status());
        statuses.add(signup("::ffff:198.51.100.53", Tenants.unique("mapped")).status());
        assertThat(statuses).containsExactly(201, 201, 429);
    }

    @Test
    void theSessionStillShowsTheClientsFullAddress() {
        String name = Tenants.unique("full");
        assertThat(signup("2001:db8:54:1::5", name).status()).isEqualTo(201);
        ApiClient.Answer login = login("2001:db8:54:1:0:0:0:abcd", name + "@example.com", Tenants.PASSWORD);
        assertThat(login.status()).isEqualTo(200);
        JsonNode sessions = new ApiClient(extension().getLocalPort())
                .get("/me/sessions", login.json().get("accessToken").asText()).json().get("items");
        assertThat(sessions).hasSize(1);
        assertThat(sessions.get(0).get("clientAddress").asText()).isEqualTo("2001:db8:54:1:0:0:0:abcd");
    }
}
