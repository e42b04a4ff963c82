package dev.berth.api.domains;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.platform.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Custom domains through the API with the fake host and a fake resolver (answers checked against openapi.yaml). */
@ExtendWith(DropwizardExtensionsSupport.class)
class DomainsOnH2Test {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()),
            ConfigOverride.config("platform.publicAddresses", "192.0.2.10,2001:db8::10"));

    private final ApiClient api = new ApiClient(APP.getLocalPort());

    private TestApp app() {
        return APP.getApplication();
    }

    private record Fixture(Session session, String site) {
    }

    private Fixture site() {
        Session session = Tenants.signUp(api, "dom");
        String site = Tenants.unique("m");
        assertThat(api.post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        app().reconciler().runOnce();
        return new Fixture(session, site);
    }

    private ApiClient.Answer add(Fixture fixture, String hostname) {
        return api.post("/sites/" + fixture.site() + "/domains", fixture.session().accessToken(),
                "{\"hostname\":\"" + hostname + "\"}");
    }

    @Test
    void aDomainPointingAtThePlatformIsAddedAndTheHostGetsItInTheSpec() {
        Fixture fixture = site();
        String hostname = Tenants.unique("www") + ".example.org";
        app().resolver().answer(hostname, "2001:db8::10");
        ApiClient.Answer added = add(fixture, hostname.toUpperCase() + ".");
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.json().path("hostname").asText()).isEqualTo(hostname);
        assertThat(add(fixture, hostname).status()).isEqualTo(200);
        assertThat(api.get("/sites/" + fixture.site() + "/domains", fixture.session().accessToken()).json()
                .path("items").get(0).path("hostname").asText()).isEqualTo(hostname);

        app().reconciler().runOnce();
        assertThat(app().host().specs().values().stream().filter(spec -> spec.name().equals(fixture.site())).findFirst()
                .orElseThrow().hostnames()).contains(hostname);

        assertThat(api.delete("/sites/" + fixture.site() + "/domains/" + hostname, fixture.session().accessToken()).status())
                .isEqualTo(204);
        app().reconciler().runOnce();
        assertThat(app().host().specs().values().stream().filter(spec -> spec.name().equals(fixture.site())).findFirst()
                .orElseThrow().hostnames()).doesNotContain(hostname);
        assertThat(api.delete("/sites/" + fixture.site() + "/domains/" + hostname, fixture.session().accessToken()).status())
                .isEqualTo(404);
    }

    @Test
    void aDomainThatDoesNotPointAtThePlatformIsRefusedWithAClearProblem() {
        Fixture fixture = site();
        String elsewhere = Tenants.unique("x") + ".example.org";
        app().resolver().answer(elsewhere, "198.51.100.7");
        ApiClient.Answer refused = add(fixture, elsewhere);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("type").asText()).endsWith("/domain-not-pointing");
        assertThat(refused.json().path("detail").asText()).contains("198.51.100.7").contains("192.0.2.10");

        ApiClient.Answer unknown = add(fixture, Tenants.unique("nx") + ".example.org");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.json().path("detail").asText()).contains("does not resolve");
    }

    @Test
    void aDomainAnotherTenantHoldsIsRefusedWith409() {
        Fixture first = site();
        Fixture second = site();
        String hostname = Tenants.unique("shared") + ".example.org";
        app().resolver().answer(hostname, "192.0.2.10");
        assertThat(add(first, hostname).status()).isEqualTo(201);
        ApiClient.Answer taken = add(second, hostname);
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().path("type").asText()).endsWith("/domain-taken");
        // The other tenant cannot remove it either: their site has no such domain.
        assertThat(api.delete("/sites/" + second.site() + "/domains/" + hostname, second.session().accessToken()).status())
                .isEqualTo(404);
    }

    @Test
    void invalidNamesAndPlatformNamesAreRefusedAndOtherTenantsSitesAreNotFound() {
        Fixture fixture = site();
        assertThat(add(fixture, "not a name").status()).isEqualTo(400);
        assertThat(add(fixture, "nodots").status()).isEqualTo(400);
        ApiClient.Answer platform = add(fixture, "other.berth.test");
        assertThat(platform.status()).isEqualTo(400);
        Session stranger = Tenants.signUp(api, "dom2");
        assertThat(api.get("/sites/" + fixture.site() + "/domains", stranger.accessToken()).status()).isEqualTo(404);
        assertThat(api.get("/sites/" + fixture.site() + "/domains", null).status()).isEqualTo(401);
    }
}
