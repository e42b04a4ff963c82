package dev.berth.api.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.hostprotocol.SiteServing;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.Archives;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Serving switches and rules through HTTP with raw JSON, against the real application with a fake
 * host: the switches stored, shown on the site and carried in the host's spec; refusals that change
 * nothing; a deploy whose _redirects breaks a rule fails with its line and the site keeps its
 * release. Every answer is checked against openapi.yaml. Runs once per database.
 */
abstract class ServingBehaviour {
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    private String siteOf(Session owner) {
        String name = Tenants.unique("sv").substring(0, 13);
        ApiClient.Answer created = api().post("/sites", owner.accessToken(), "{\"name\":\"" + name + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return name;
    }

    private SiteSpec specOf(String siteName) {
        app().reconciler().runOnce();
        return app().host().specs().values().stream().filter(spec -> spec.name().equals(siteName)).findFirst().orElseThrow();
    }

    private ApiClient.Answer serve(Session owner, String site, String body) {
        return api().send("PUT", "/sites/" + site + "/serving", owner.accessToken(), body, "application/json", Map.of());
    }

    private long generation(Session owner, String site) {
        return Long.parseLong(api().get("/sites/" + site, owner.accessToken()).header("ETag").replace("\"", ""));
    }

    @Test
    void theSwitchesAreStoredShownOnTheSiteAndCarriedToTheHostAndAnUnchangedPutKeepsTheGeneration() {
        Session owner = Tenants.signUp(api(), "serve");
        String site = siteOf(owner);
        assertThat(api().get("/sites/" + site, owner.accessToken()).json().get("serving").toString())
                .isEqualTo("{\"spa\":false,\"cleanUrls\":false}");
        assertThat(specOf(site).serving()).as("a plain site's spec leaves the field out").isNull();
        long before = generation(owner, site);

        ApiClient.Answer set = serve(owner, site, "{\"spa\":true,\"cleanUrls\":false}");

        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().toString()).isEqualTo("{\"spa\":true,\"cleanUrls\":false}");
        assertThat(api().get("/sites", owner.accessToken()).json().get("items").get(0).get("serving").get("spa").asBoolean()).isTrue();
        assertThat(specOf(site).serving()).isEqualTo(new SiteServing(true, false));
        long after = generation(owner, site);
        assertThat(after).isGreaterThan(before);
        assertThat(serve(owner, site, "{\"spa\":true,\"cleanUrls\":false}").status()).isEqualTo(200);
        assertThat(generation(owner, site)).isEqualTo(after);

        assertThat(serve(owner, site, "{\"spa\":false,\"cleanUrls\":true}").status()).isEqualTo(200);
        assertThat(specOf(site).serving()).isEqualTo(new SiteServing(false, true));
        assertThat(serve(owner, site, "{\"spa\":false,\"cleanUrls\":false}").status()).isEqualTo(200);
        assertThat(specOf(site).serving()).isNull();
        assertThat(api().get("/audit", owner.accessToken()).json().get("items").get(0).get("action").asText()).isEqualTo("putSiteServing");
    }

    @Test
    void badBodiesAndOtherTenantsSitesChangeNothing() {
        Session owner = Tenants.signUp(api(), "badserve");
        Session other = Tenants.signUp(api(), "otherserve");
        String site = siteOf(owner);
        for (String body : List.of("{}", "{\"spa\":true}", "{\"cleanUrls\":true}", "{\"spa\":\"yes\",\"cleanUrls\":true}")) {
            ApiClient.Answer refused = serve(owner, site, body);
            assertThat(refused.status()).as(body).isEqualTo(400);
        }
        assertThat(serve(other, site, "{\"spa\":true,\"cleanUrls\":true}").status()).isEqualTo(404);
        assertThat(api().send("PUT", "/sites/" + site + "/serving", null, "{\"spa\":true,\"cleanUrls\":true}", "application/json",
                Map.of()).status()).isEqualTo(401);
        assertThat(api().get("/sites/" + site, owner.accessToken()).json().get("serving").toString())
                .isEqualTo("{\"spa\":false,\"cleanUrls\":false}");
    }

    @Test
    void aDeployWithABadRuleFailsWithItsFileAndLineAndTheSiteKeepsItsRelease() {
        Session owner = Tenants.signUp(api(), "badrule");
        String site = siteOf(owner);
        ApiClient.Answer good = api().sendBytes("POST", "/sites/" + site + "/deploys", owner.accessToken(),
                Archives.zip(Archives.texts(Map.of("index.html", "v1", "_redirects", "/old /new 301\n",
                        "_headers", "/*\n  X-Frame-Options: DENY\n"))), "application/zip", Map.of());
        assertThat(good.status()).as(good.toString()).isEqualTo(202);
        String release = specOf(site).release();
        assertThat(release).isNotNull();

        ApiClient.Answer bad = api().sendBytes("POST", "/sites/" + site + "/deploys", owner.accessToken(),
                Archives.zip(Archives.texts(Map.of("index.html", "v2", "_headers", "/*\n  X-A: ok\n  Set-Cookie: session=x\n"))),
                "application/zip", Map.of());

        assertThat(bad.status()).as(bad.toString()).isEqualTo(422);
        assertThat(bad.problem()).isEqualTo("content-refused");
        assertThat(bad.json().get("detail").asText()).isEqualTo("_headers line 3: the header Set-Cookie cannot be set by a site");
        ApiClient.Answer deploys = api().get("/sites/" + site + "/deploys", owner.accessToken());
        assertThat(deploys.json().get("items").get(0).get("status").asText()).isEqualTo("failed");
        assertThat(deploys.json().get("items").get(0).get("error").asText()).startsWith("_headers line 3:");
        assertThat(specOf(site).release()).isEqualTo(release);
    }
}
