package dev.berth.api.protection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.hostprotocol.SiteProtection;
import dev.berth.hostprotocol.SiteSpec;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Protected sites through HTTP with raw JSON, against the real application with a fake host: the
 * stored protection, what the site view and the host's spec carry (a verifier, never the password),
 * refusals that change nothing, tenancy and the audit log. Every answer is checked against
 * openapi.yaml. Runs once per database.
 */
abstract class ProtectionBehaviour {
    private static final String PASSWORD = "correct horse battery";

    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    private String siteOf(Session owner) {
        String name = Tenants.unique("pr").substring(0, 13);
        ApiClient.Answer created = api().post("/sites", owner.accessToken(), "{\"name\":\"" + name + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return name;
    }

    private SiteSpec specOf(String siteName) {
        app().reconciler().runOnce();
        return app().host().specs().values().stream().filter(spec -> spec.name().equals(siteName)).findFirst().orElseThrow();
    }

    private ApiClient.Answer protect(Session owner, String site, String body) {
        return api().send("PUT", "/sites/" + site + "/protection", owner.accessToken(), body, "application/json", Map.of());
    }

    @Test
    void aPasswordWithAPathPrefixIsStoredAsAVerifierTheHostGetsAndTheSiteViewShowsOnlyWhoAndWhere() {
        Session owner = Tenants.signUp(api(), "prot");
        String site = siteOf(owner);
        assertThat(specOf(site).protection()).isNull();
        long generation = Long.parseLong(api().get("/sites/" + site, owner.accessToken()).header("ETag").replace("\"", ""));

        ApiClient.Answer set = protect(owner, site, "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/staging/\"}");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().get("passwordProtected").asBoolean()).isTrue();
        assertThat(set.json().get("username").asText()).isEqualTo("ada");
        assertThat(set.json().get("pathPrefix").asText()).isEqualTo("/staging");
        assertThat(set.json().get("allowedAddresses")).isEmpty();
        assertThat(set.body()).doesNotContain(PASSWORD).doesNotContain("pbkdf2");

        ApiClient.Answer view = api().get("/sites/" + site, owner.accessToken());
        assertThat(view.json().get("protection").get("username").asText()).isEqualTo("ada");
        assertThat(view.body()).doesNotContain(PASSWORD).doesNotContain("pbkdf2");
        assertThat(Long.parseLong(view.header("ETag").replace("\"", ""))).isGreaterThan(generation);
        assertThat(api().get("/sites", owner.accessToken()).json().get("items").get(0).get("protection").get("passwordProtected")
                .asBoolean()).isTrue();

        SiteProtection sent = specOf(site).protection();
        assertThat(sent.pathPrefix()).isEqualTo("/staging");
        assertThat(sent.allowedAddresses()).isEmpty();
        String[] parts = sent.credentials().split(":");
        assertThat(parts[0]).isEqualTo("pbkdf2-sha256");
        assertThat(ProxyCredentials.of("ada", PASSWORD, java.util.HexFormat.of().parseHex(parts[2]), Integer.parseInt(parts[1])))
                .isEqualTo(sent.credentials());
        String stored = app().jdbi().withHandle(handle -> handle.createQuery(
                "SELECT protection_credentials FROM sites WHERE name = :name").bind("name", site).mapTo(String.class).one());
        assertThat(stored).isEqualTo(sent.credentials()).doesNotContain(PASSWORD);

        JsonNode audit = api().get("/audit", owner.accessToken()).json().get("items").get(0);
        assertThat(audit.get("action").asText()).isEqualTo("putSiteProtection");
        assertThat(audit.get("target").asText()).isEqualTo(site);
        assertThat(audit.get("outcome").asText()).isEqualTo("success");
    }

    @Test
    void anAllowListAloneOrWithAPasswordIsStoredAsCanonicalBlocksAndDeleteOpensTheSiteAgain() {
        Session owner = Tenants.signUp(api(), "allow");
        String site = siteOf(owner);
        ApiClient.Answer set = protect(owner, site, "{\"allowedAddresses\":[\"192.0.2.77/24\",\"2001:DB8::1/32\",\"127.0.0.1\"]}");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().get("passwordProtected").asBoolean()).isFalse();
        assertThat(set.json().has("username")).isFalse();
        assertThat(specOf(site).protection()).isEqualTo(new SiteProtection(null, null,
                List.of("192.0.2.0/24", "2001:db8::/32", "127.0.0.1/32")));

        ApiClient.Answer both = protect(owner, site,
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"allowedAddresses\":[\"10.0.0.0/8\"]}");
        assertThat(both.status()).as(both.toString()).isEqualTo(200);
        assertThat(specOf(site).protection().allowedAddresses()).containsExactly("10.0.0.0/8");
        assertThat(specOf(site).protection().credentials()).startsWith("pbkdf2-sha256:");

        ApiClient.Answer opened = api().delete("/sites/" + site + "/protection", owner.accessToken());
        assertThat(opened.status()).as(opened.toString()).isEqualTo(204);
        assertThat(api().get("/sites/" + site, owner.accessToken()).json().has("protection")).isFalse();
        assertThat(specOf(site).protection()).isNull();
        assertThat(api().delete("/sites/" + site + "/protection", owner.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/audit", owner.accessToken()).json().get("items").get(0).get("action").asText())
                .isEqualTo("deleteSiteProtection");
    }

    @Test
    void badInputAnswersAValidationProblemAndChangesNothing() {
        Session owner = Tenants.signUp(api(), "badprot");
        String site = siteOf(owner);
        assertThat(protect(owner, site, "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\"}").status()).isEqualTo(200);
        SiteProtection before = specOf(site).protection();
        String view = api().get("/sites/" + site, owner.accessToken()).json().get("protection").toString();
        for (String body : List.of(
                "{}",
                "{\"username\":\"ada\"}",
                "{\"password\":\"" + PASSWORD + "\"}",
                "{\"username\":\"a:b\",\"password\":\"" + PASSWORD + "\"}",
                "{\"username\":\"a\\nb\",\"password\":\"" + PASSWORD + "\"}",
                "{\"username\":\"" + "u".repeat(65) + "\",\"password\":\"" + PASSWORD + "\"}",
                "{\"username\":\"ada\",\"password\":\"short\"}",
                "{\"username\":\"ada\",\"password\":\"" + "p".repeat(129) + "\"}",
                "{\"username\":\"ada\",\"password\":\"line\\r\\nbreak here\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"staging\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/a/../b\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/a|b\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/a%2e\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"//x\"}",
                "{\"allowedAddresses\":[]}",
                "{\"allowedAddresses\":[\"localhost\"]}",
                "{\"allowedAddresses\":[\"1.2.3.4/33\"]}",
                "{\"allowedAddresses\":[\"1.2.3.4,5.6.7.8\"]}",
                "{\"allowedAddresses\":[\"" + "1.2.3.4\",\"".repeat(51) + "1.2.3.4\"]}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"credentials\":\"pbkdf2-sha256:1000:00:00\"}")) {
            ApiClient.Answer refused = protect(owner, site, body);
            assertThat(refused.status()).as(body + " -> " + refused).isEqualTo(400);
            assertThat(refused.problem()).as(body).isEqualTo("validation");
        }
        assertThat(specOf(site).protection()).isEqualTo(before);
        assertThat(api().get("/sites/" + site, owner.accessToken()).json().get("protection").toString()).isEqualTo(view);
    }

    @Test
    void anotherTenantsSiteAnswers404AndStaysAsItIs() {
        Session owner = Tenants.signUp(api(), "own");
        Session stranger = Tenants.signUp(api(), "strange");
        String site = siteOf(owner);
        ApiClient.Answer put = protect(stranger, site, "{\"allowedAddresses\":[\"127.0.0.1\"]}");
        assertThat(put.status()).as(put.toString()).isEqualTo(404);
        assertThat(put.problem()).isEqualTo("not-found");
        assertThat(protect(owner, site, "{\"allowedAddresses\":[\"10.0.0.0/8\"]}").status()).isEqualTo(200);
        assertThat(api().delete("/sites/" + site + "/protection", stranger.accessToken()).status()).isEqualTo(404);
        assertThat(specOf(site).protection().allowedAddresses()).containsExactly("10.0.0.0/8");
        assertThat(protect(owner, "no-such-site", "{\"allowedAddresses\":[\"10.0.0.0/8\"]}").status()).isEqualTo(404);
    }
}
