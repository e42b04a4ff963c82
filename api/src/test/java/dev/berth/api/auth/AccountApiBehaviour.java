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

    /** Waits for the reset mail to an address and returns the token of its link. */
    String resetTokenMailedTo(String email) throws InterruptedException {
        java.util.regex.Pattern link = java.util.regex.Pattern.compile("/reset-password#token=(berth_pr_[A-Za-z0-9_-]+)");
        for (int attempt = 0; attempt < 200; attempt++) {
            List<String> bodies = app().jdbi().withHandle(handle -> handle.createQuery(
                    "SELECT text_body FROM mail_outbox WHERE recipient = :to AND template = 'password-reset' ORDER BY created_at DESC")
                    .bind("to", email).mapTo(String.class).list());
            if (!bodies.isEmpty()) {
                java.util.regex.Matcher found = link.matcher(bodies.get(0));
                assertThat(found.find()).as(bodies.get(0)).isTrue();
                return found.group(1);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no reset mail to " + email);
    }

    int mailsTo(String email) {
        return app().jdbi().withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM mail_outbox WHERE recipient = :to")
                .bind("to", email).mapTo(Integer.class).one());
    }

    ApiClient.Answer askReset(String email) {
        return api().post("/auth/password-reset", null, "{\"email\":\"" + email + "\"}");
    }

    ApiClient.Answer confirmReset(String token, String password) {
        return api().post("/auth/password-reset/confirm", null, "{\"token\":\"" + token + "\",\"newPassword\":\"" + password + "\"}");
    }

    @Test
    void aResetLinkSetsThePasswordOnceAndEndsEverySession() throws InterruptedException {
        Session here = Tenants.signUp(api(), "reset");
        Session elsewhere = loginFrom(here, Tenants.PASSWORD, "Other Browser/1.0");

        ApiClient.Answer asked = askReset(here.email());
        assertThat(asked.status()).isEqualTo(202);
        assertThat(asked.body()).isEmpty();
        String token = resetTokenMailedTo(here.email());

        ApiClient.Answer weak = confirmReset(token, "short");
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.problem()).isEqualTo("validation");
        ApiClient.Answer confirmed = confirmReset(token, NEW_PASSWORD);
        assertThat(confirmed.status()).as(confirmed.toString()).isEqualTo(204);

        assertThat(api().get("/me", here.accessToken()).status()).isEqualTo(401);
        assertThat(api().get("/me", elsewhere.accessToken()).status()).isEqualTo(401);
        assertThat(api().post("/auth/refresh", null, refreshBody(here)).status()).isEqualTo(401);
        assertThat(login(here.email(), Tenants.PASSWORD).status()).isEqualTo(401);
        ApiClient.Answer fresh = login(here.email(), NEW_PASSWORD);
        assertThat(fresh.status()).isEqualTo(200);

        ApiClient.Answer again = confirmReset(token, "yet another passphrase");
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.problem()).isEqualTo("reset-token-invalid");
        assertThat(login(here.email(), NEW_PASSWORD).status()).isEqualTo(200);

        JsonNode audit = api().get("/audit", fresh.json().get("accessToken").asText()).json().get("items");
        List<String> actions = new ArrayList<>();
        audit.forEach(item -> actions.add(item.get("action").asText() + ":" + item.get("outcome").asText()));
        assertThat(actions).contains("confirmPasswordReset:success");
    }

    @Test
    void anAddressWithoutAnAccountIsAnsweredAlikeAndBothAreLimitedAlike() throws InterruptedException {
        Session known = Tenants.signUp(api(), "reset-known");
        String unknown = "nobody-" + UUID.randomUUID() + "@example.com";

        ApiClient.Answer forUnknown = askReset(unknown);
        ApiClient.Answer forKnown = askReset(known.email());
        assertThat(forUnknown.status()).isEqualTo(forKnown.status()).isEqualTo(202);
        assertThat(forUnknown.body()).isEqualTo(forKnown.body());
        assertThat(forUnknown.contentType()).isEqualTo(forKnown.contentType());
        // One worker takes the requests in turn: once the known address's mail is queued, the unknown one was dealt with.
        resetTokenMailedTo(known.email());
        assertThat(mailsTo(unknown)).isZero();

        // auth.passwordResetsPerAccountPerHour (3) per address asked about, account or not.
        for (String email : new String[] {unknown, known.email()}) {
            assertThat(askReset(email).status()).isEqualTo(202);
            assertThat(askReset(email).status()).isEqualTo(202);
            ApiClient.Answer limited = askReset(email);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.problem()).isEqualTo("rate-limited");
            assertThat(limited.header("Retry-After")).isNotBlank();
        }
        assertThat(askReset("not an address").status()).isEqualTo(400);
        ApiClient.Answer unknownToken = confirmReset("berth_pr_" + "x".repeat(43), NEW_PASSWORD);
        assertThat(unknownToken.status()).isEqualTo(400);
        assertThat(unknownToken.problem()).isEqualTo("reset-token-invalid");
    }

    @Test
    void withAddressConfirmationOffNothingIsMailedOrRefused() {
        Session session = Tenants.signUp(api(), "noverify");
        ApiClient.Answer me = api().get("/me", session.accessToken());
        assertThat(me.json().get("emailVerified").asBoolean()).isFalse();
        assertThat(me.json().get("emailVerificationRequired").asBoolean()).isFalse();
        int mails = app().jdbi().withHandle(handle -> handle.createQuery(
                "SELECT COUNT(*) FROM mail_outbox WHERE recipient = :to AND template = 'email-verification'")
                .bind("to", session.email()).mapTo(Integer.class).one());
        assertThat(mails).isZero();
        assertThat(api().post("/auth/verify-email", session.accessToken(), null).status()).isEqualTo(409);
        assertThat(api().post("/sites", session.accessToken(), "{\"name\":\"" + Tenants.unique("nv") + "\"}").status()).isEqualTo(201);
    }
}
