package dev.berth.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The caller's own account through HTTP with raw JSON: changing the password and listing and
 * ending login sessions. Runs once per database (see the subclasses); every answer is checked
 * against openapi.yaml.
 */
abstract class AccountApiBehaviour {
    static final String NEW_PASSWORD = "a brand new passphrase";

    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    /** Logs the same account in again, as another browser would. */
    Session loginFrom(Session account, String password, String userAgent) {
        ApiClient.Answer login = api().send("POST", "/auth/login", null,
                "{\"email\":\"" + account.email() + "\",\"password\":\"" + password + "\"}", "application/json",
                Map.of("User-Agent", userAgent));
        assertThat(login.status()).as(login.toString()).isEqualTo(200);
        return new Session(account.email(), account.tenantId(), account.tenantName(), login.json().get("accessToken").asText(),
                login.json().get("refreshToken").asText());
    }

    ApiClient.Answer changePassword(Session session, String current, String next) {
        return api().send("PUT", "/me/password", session.accessToken(),
                "{\"currentPassword\":\"" + current + "\",\"newPassword\":\"" + next + "\"}", "application/json", Map.of());
    }

    ApiClient.Answer login(String email, String password) {
        return api().post("/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    }

    static String refreshBody(Session session) {
        return "{\"refreshToken\":\"" + session.refreshToken() + "\"}";
    }

    @Test
    void changingThePasswordEndsEveryOtherSessionAndKeepsTheCallers() {
        Session here = Tenants.signUp(api(), "chpw");
        Session elsewhere = loginFrom(here, Tenants.PASSWORD, "Other Browser/1.0");

        ApiClient.Answer changed = changePassword(here, Tenants.PASSWORD, NEW_PASSWORD);
        assertThat(changed.status()).as(changed.toString()).isEqualTo(204);

        assertThat(api().get("/me", here.accessToken()).status()).isEqualTo(200);
        assertThat(api().get("/me", elsewhere.accessToken()).status()).isEqualTo(401);
        assertThat(api().post("/auth/refresh", null, refreshBody(elsewhere)).status()).isEqualTo(401);
        assertThat(api().post("/auth/refresh", null, refreshBody(here)).status()).isEqualTo(200);
        assertThat(login(here.email(), Tenants.PASSWORD).status()).isEqualTo(401);
        assertThat(login(here.email(), NEW_PASSWORD).status()).isEqualTo(200);

        JsonNode audit = api().get("/audit", here.accessToken()).json().get("items").get(0);
        assertThat(audit.get("action").asText()).isEqualTo("changePassword");
        assertThat(audit.get("outcome").asText()).isEqualTo("success");
        assertThat(audit.get("target").asText()).isEqualTo(here.email());
    }

    @Test
    void aWrongCurrentPasswordOrAWeakNewOneChangesNothing() {
        Session here = Tenants.signUp(api(), "chpw-no");
        Session elsewhere = loginFrom(here, Tenants.PASSWORD, "Other Browser/1.0");

        ApiClient.Answer wrong = changePassword(here, "not the password", NEW_PASSWORD);
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.problem()).isEqualTo("wrong-password");
        ApiClient.Answer weak = changePassword(here, Tenants.PASSWORD, "short");
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.problem()).isEqualTo("validation");
        assertThat(weak.json().get("errors").get(0).get("field").asText()).contains("newPassword");

        assertThat(api().get("/me", elsewhere.accessToken()).status()).isEqualTo(200);
        assertThat(login(here.email(), Tenants.PASSWORD).status()).isEqualTo(200);
        assertThat(login(here.email(), NEW_PASSWORD).status()).isEqualTo(401);
        JsonNode audit = api().get("/audit", here.accessToken()).json().get("items");
        List<String> actions = new ArrayList<>();
        audit.forEach(item -> actions.add(item.get("action").asText() + ":" + item.get("outcome").asText()));
        assertThat(actions).contains("changePassword:denied");
    }

    @Test
    void aPersonalAccessTokenCanNeitherChangeThePasswordNorEndSessions() {
        Session here = Tenants.signUp(api(), "chpw-pat");
        String pat = api().post("/tokens", here.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\",\"write\"]}").json().get("token").asText();

        ApiClient.Answer refused = api().send("PUT", "/me/password", pat,
                "{\"currentPassword\":\"" + Tenants.PASSWORD + "\",\"newPassword\":\"" + NEW_PASSWORD + "\"}", "application/json", Map.of());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.problem()).isEqualTo("forbidden");
        String sessionId = api().get("/me/sessions", pat).json().get("items").get(0).get("id").asText();
        assertThat(api().delete("/me/sessions/" + sessionId, pat).status()).isEqualTo(403);
        assertThat(api().get("/me", here.accessToken()).status()).isEqualTo(200);
        // The password change leaves personal access tokens alone.
        assertThat(changePassword(here, Tenants.PASSWORD, NEW_PASSWORD).status()).isEqualTo(204);
        assertThat(api().get("/me", pat).status()).isEqualTo(200);
    }

    @Test
    void sessionsAreListedWithTheirClientAndTheCallersIsMarkedCurrent() {
        Session here = Tenants.signUp(api(), "sess");
        Session elsewhere = loginFrom(here, Tenants.PASSWORD, "Other Browser/1.0");
        ApiClient.Answer rotated = api().send("POST", "/auth/refresh", null, refreshBody(elsewhere), "application/json",
                Map.of("User-Agent", "Other Browser/2.0"));
        assertThat(rotated.status()).isEqualTo(200);

        JsonNode items = api().get("/me/sessions", here.accessToken()).json().get("items");
        assertThat(items).hasSize(2);
        // Most recently used first: the refreshed one.
        JsonNode other = items.get(0);
        JsonNode mine = items.get(1);
        assertThat(other.get("current").asBoolean()).isFalse();
        assertThat(other.get("userAgent").asText()).isEqualTo("Other Browser/2.0");
        assertThat(other.get("clientAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(mine.get("current").asBoolean()).isTrue();
        assertThat(java.time.OffsetDateTime.parse(other.get("lastUsedAt").asText()))
                .isAfterOrEqualTo(java.time.OffsetDateTime.parse(other.get("createdAt").asText()));
        // A refresh keeps the session's id.
        String refreshedAccess = rotated.json().get("accessToken").asText();
        JsonNode seenByOther = api().get("/me/sessions", refreshedAccess).json().get("items");
        assertThat(seenByOther.get(0).get("id")).isEqualTo(other.get("id"));
        assertThat(seenByOther.get(0).get("current").asBoolean()).isTrue();
    }

    @Test
    void endingASessionRevokesItAtOnceAndAnotherUsersSessionIsNotFound() {
        Session here = Tenants.signUp(api(), "end");
        Session elsewhere = loginFrom(here, Tenants.PASSWORD, "Other Browser/1.0");
        Session stranger = Tenants.signUp(api(), "end-other");
        String strangersSession = api().get("/me/sessions", stranger.accessToken()).json().get("items").get(0).get("id").asText();
        String otherId = null;
        for (JsonNode item : api().get("/me/sessions", here.accessToken()).json().get("items")) {
            if (!item.get("current").asBoolean()) {
                otherId = item.get("id").asText();
            }
        }

        ApiClient.Answer foreign = api().delete("/me/sessions/" + strangersSession, here.accessToken());
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.problem()).isEqualTo("not-found");
        assertThat(api().get("/me", stranger.accessToken()).status()).isEqualTo(200);
        assertThat(api().delete("/me/sessions/" + UUID.randomUUID(), here.accessToken()).status()).isEqualTo(404);
        assertThat(api().delete("/me/sessions/not-a-uuid", here.accessToken()).status()).isEqualTo(404);

        assertThat(api().delete("/me/sessions/" + otherId, here.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/me", elsewhere.accessToken()).status()).isEqualTo(401);
        assertThat(api().post("/auth/refresh", null, refreshBody(elsewhere)).status()).isEqualTo(401);
        assertThat(api().delete("/me/sessions/" + otherId, here.accessToken()).status()).isEqualTo(404);
        assertThat(api().get("/me/sessions", here.accessToken()).json().get("items")).hasSize(1);

        // Ending one's own session is a logout.
        String mine = api().get("/me/sessions", here.accessToken()).json().get("items").get(0).get("id").asText();
        assertThat(api().delete("/me/sessions/" + mine, here.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/me", here.accessToken()).status()).isEqualTo(401);
    }
}
