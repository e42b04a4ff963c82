package dev.berth.api.domains;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Custom domains through the API with the fake host and a fake resolver (answers checked against
 * openapi.yaml): a domain is served only while a TXT record proves its tenant owns it.
 */
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

    private record Fixture(Session session, String site, String token) {
    }

    private Fixture site() {
        Session session = Tenants.signUp(api, "dom");
        String site = Tenants.unique("m");
        assertThat(api.post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        app().reconciler().runOnce();
        String token = api.get("/tenant", session.accessToken()).json().get("domainToken").asText();
        assertThat(token).startsWith("berth-verify-");
        return new Fixture(session, site, token);
    }

    private ApiClient.Answer add(Fixture fixture, String hostname) {
        return api.post("/sites/" + fixture.site() + "/domains", fixture.session().accessToken(),
                "{\"hostname\":\"" + hostname + "\"}");
    }

    private JsonNode domain(Fixture fixture, String hostname) {
        for (JsonNode domain : api.get("/sites/" + fixture.site() + "/domains", fixture.session().accessToken()).json().get("items")) {
            if (domain.get("hostname").asText().equals(hostname)) {
                return domain;
            }
        }
        return null;
    }

    private List<String> servedHostnames(Fixture fixture) {
        app().reconciler().runOnce();
        return app().host().specs().values().stream().filter(spec -> spec.name().equals(fixture.site())).findFirst()
                .orElseThrow().hostnames();
    }

    /** Every domain's check falls due (test.yml: one second) and is run. */
    private void recheck() throws InterruptedException {
        Thread.sleep(1100);
        app().domainService().recheckDue(1000);
    }

    @Test
    void aDomainIsServedOnlyOnceItsTxtRecordHoldsTheTenantsToken() throws Exception {
        Fixture fixture = site();
        String hostname = Tenants.unique("www") + ".example.org";
        app().resolver().answer(hostname, "2001:db8::10");
        ApiClient.Answer pending = add(fixture, hostname.toUpperCase() + ".");
        assertThat(pending.status()).isEqualTo(201);
        assertThat(pending.json().get("hostname").asText()).isEqualTo(hostname);
        assertThat(pending.json().get("status").asText()).isEqualTo("pending");
        assertThat(pending.json().get("reason").asText()).contains("_berth-challenge." + hostname);
        assertThat(pending.json().get("verification").get("recordName").asText()).isEqualTo("_berth-challenge." + hostname);
        assertThat(pending.json().get("verification").get("recordType").asText()).isEqualTo("TXT");
        assertThat(pending.json().get("verification").get("value").asText()).isEqualTo(fixture.token());
        assertThat(servedHostnames(fixture)).doesNotContain(hostname);

        // Somebody else's token proves nothing.
        app().resolver().text("_berth-challenge." + hostname, "berth-verify-someone-else");
        assertThat(add(fixture, hostname).json().get("reason").asText()).contains("does not hold this tenant's token");
        assertThat(servedHostnames(fixture)).doesNotContain(hostname);

        app().resolver().text("_berth-challenge." + hostname, "v=spf1 -all", fixture.token());
        ApiClient.Answer verified = add(fixture, hostname);
        assertThat(verified.status()).isEqualTo(200);
        assertThat(verified.json().get("status").asText()).isEqualTo("verified");
        assertThat(verified.json().has("reason")).isFalse();
        assertThat(servedHostnames(fixture)).contains(hostname);

        assertThat(api.delete("/sites/" + fixture.site() + "/domains/" + hostname, fixture.session().accessToken()).status())
                .isEqualTo(204);
        assertThat(servedHostnames(fixture)).doesNotContain(hostname);
        assertThat(api.delete("/sites/" + fixture.site() + "/domains/" + hostname, fixture.session().accessToken()).status())
                .isEqualTo(404);
    }

    @Test
    void aDomainPointingAtTheNodeThatServesTheSiteIsVerifiedAndTheMessageNamesThatNodesAddress() throws Exception {
        Fixture fixture = site();
        int updated = app().jdbi().withHandle(handle -> handle.createUpdate("UPDATE nodes SET public_ipv4 = '203.0.113.9' WHERE id ="
                + " (SELECT node_id FROM sites s WHERE s.name = :name)").bind("name", fixture.site()).execute());
        assertThat(updated).as("the site is placed on a node").isEqualTo(1);
        String elsewhere = Tenants.unique("n") + ".example.org";
        app().resolver().answer(elsewhere, "198.51.100.7").text("_berth-challenge." + elsewhere, fixture.token());
        ApiClient.Answer pending = add(fixture, elsewhere);
        assertThat(pending.json().get("status").asText()).isEqualTo("pending");
        assertThat(pending.json().get("reason").asText()).contains("203.0.113.9").contains("192.0.2.10");

        String onTheNode = Tenants.unique("n") + ".example.org";
        app().resolver().answer(onTheNode, "203.0.113.9").text("_berth-challenge." + onTheNode, fixture.token());
        ApiClient.Answer verified = add(fixture, onTheNode);
        assertThat(verified.status()).isEqualTo(201);
        assertThat(verified.json().get("status").asText()).isEqualTo("verified");
        assertThat(servedHostnames(fixture)).contains(onTheNode);
    }

    @Test
    void aProvenDomainThatMustAlsoPointAtThePlatformWaitsUntilItDoes() throws Exception {
        Fixture fixture = site();
        String elsewhere = Tenants.unique("x") + ".example.org";
        app().resolver().answer(elsewhere, "198.51.100.7").text("_berth-challenge." + elsewhere, fixture.token());
        ApiClient.Answer pending = add(fixture, elsewhere);
        assertThat(pending.status()).isEqualTo(201);
        assertThat(pending.json().get("status").asText()).isEqualTo("pending");
        assertThat(pending.json().get("reason").asText()).contains("198.51.100.7").contains("192.0.2.10");
        assertThat(servedHostnames(fixture)).doesNotContain(elsewhere);

        app().resolver().answer(elsewhere, "192.0.2.10");
        recheck();
        assertThat(domain(fixture, elsewhere).get("status").asText()).isEqualTo("verified");
        assertThat(servedHostnames(fixture)).contains(elsewhere);
    }

    @Test
    void aDomainThatLosesItsProofStopsBeingServedAndSaysWhyAndComesBackOnceProvenAgain() throws Exception {
        Fixture fixture = site();
        String hostname = Tenants.unique("shop") + ".example.org";
        app().resolver().answer(hostname, "192.0.2.10").text("_berth-challenge." + hostname, fixture.token());
        assertThat(add(fixture, hostname).json().get("status").asText()).isEqualTo("verified");
        assertThat(servedHostnames(fixture)).contains(hostname);

        // DNS that cannot answer takes nothing away.
        app().resolver().failing("_berth-challenge." + hostname, true);
        recheck();
        assertThat(domain(fixture, hostname).get("status").asText()).isEqualTo("verified");
        assertThat(servedHostnames(fixture)).contains(hostname);
        app().resolver().failing("_berth-challenge." + hostname, false);

        // The owner sold the domain: the record is gone.
        app().resolver().text("_berth-challenge." + hostname);
        recheck();
        JsonNode lost = domain(fixture, hostname);
        assertThat(lost.get("status").asText()).isEqualTo("lost");
        assertThat(lost.get("reason").asText()).startsWith("lost its proof").contains("_berth-challenge." + hostname);
        assertThat(servedHostnames(fixture)).doesNotContain(hostname);

        app().resolver().text("_berth-challenge." + hostname, fixture.token());
        recheck();
        assertThat(domain(fixture, hostname).get("status").asText()).isEqualTo("verified");
        assertThat(servedHostnames(fixture)).contains(hostname);
    }

    @Test
    void aHostnameMovesToAnotherTenantOnlyWhenItsDnsProvesTheNewTenantAndNoLongerTheHolder() {
        Fixture holder = site();
        Fixture claimant = site();
        Fixture squatter = site();
        String hostname = Tenants.unique("shared") + ".example.org";
        String challenge = "_berth-challenge." + hostname;
        app().resolver().answer(hostname, "192.0.2.10").text(challenge, holder.token());
        assertThat(add(holder, hostname).json().get("status").asText()).isEqualTo("verified");

        // Without proof, a claim is refused; with both tokens published, the holder keeps it.
        ApiClient.Answer refused = add(claimant, hostname);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.problem()).isEqualTo("domain-taken");
        app().resolver().text(challenge, holder.token(), claimant.token());
        assertThat(add(claimant, hostname).status()).isEqualTo(409);
        // The other tenant cannot remove it either: their site has no such domain.
        assertThat(api.delete("/sites/" + claimant.site() + "/domains/" + hostname, claimant.session().accessToken()).status())
                .isEqualTo(404);

        // The DNS owner hands the domain over: it moves, and leaves the old site's spec.
        app().resolver().text(challenge, claimant.token());
        ApiClient.Answer moved = add(claimant, hostname);
        assertThat(moved.status()).isEqualTo(201);
        assertThat(moved.json().get("status").asText()).isEqualTo("verified");
        assertThat(domain(holder, hostname)).isNull();
        assertThat(servedHostnames(holder)).doesNotContain(hostname);
        assertThat(servedHostnames(claimant)).contains(hostname);

        // An unproven claim never blocks the owner: a squatter's pending row gives way.
        String other = Tenants.unique("free") + ".example.org";
        app().resolver().answer(other, "192.0.2.10");
        assertThat(add(squatter, other).json().get("status").asText()).isEqualTo("pending");
        app().resolver().text("_berth-challenge." + other, holder.token());
        assertThat(add(holder, other).json().get("status").asText()).isEqualTo("verified");
        assertThat(domain(squatter, other)).isNull();
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
        // Each tenant has a token of its own.
        assertThat(api.get("/tenant", stranger.accessToken()).json().get("domainToken").asText()).isNotEqualTo(fixture.token());
    }
}
