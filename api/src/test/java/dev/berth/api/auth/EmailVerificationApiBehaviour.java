package dev.berth.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Address confirmation at signup with {@code auth.emailVerification} on, through HTTP. Runs once
 * per database (see the subclasses).
 */
abstract class EmailVerificationApiBehaviour {
    private static final Pattern LINK = Pattern.compile("/verify-email#token=(berth_ev_[A-Za-z0-9_-]+)");

    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    /** The tokens of the confirmation mails to an address, newest first. */
    List<String> tokensMailedTo(String email) {
        TestApp app = extension().getApplication();
        return app.jdbi().withHandle(handle -> handle.createQuery(
                "SELECT text_body FROM mail_outbox WHERE recipient = :to AND template = 'email-verification' ORDER BY created_at DESC")
                .bind("to", email).mapTo(String.class).list()).stream().map(body -> {
                    Matcher link = LINK.matcher(body);
                    assertThat(link.find()).as(body).isTrue();
                    return link.group(1);
                }).toList();
    }

    ApiClient.Answer confirm(String token) {
        return api().post("/auth/verify-email/confirm", null, "{\"token\":\"" + token + "\"}");
    }

    @Test
    void anUnconfirmedAccountSignsInAndReadsButChangesNothingOutsideItselfUntilItsLinkIsOpened() {
        Session session = Tenants.signUp(api(), "verify");
        List<String> first = tokensMailedTo(session.email());
        assertThat(first).hasSize(1);
        ApiClient.Answer me = api().get("/me", session.accessToken());
        assertThat(me.json().get("emailVerified").asBoolean()).isFalse();
        assertThat(me.json().get("emailVerificationRequired").asBoolean()).isTrue();

        assertThat(api().get("/sites", session.accessToken()).status()).isEqualTo(200);
        ApiClient.Answer refused = api().post("/sites", session.accessToken(), "{\"name\":\"" + Tenants.unique("v") + "\"}");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.problem()).isEqualTo("email-unverified");
        assertThat(refused.json().get("detail").asText()).contains(session.email());
        assertThat(api().post("/tokens", session.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\"]}").problem())
                .isEqualTo("email-unverified");
        // Its own account (/me, /auth) stays in its hands.
        assertThat(api().send("PUT", "/me/password", session.accessToken(), "{\"currentPassword\":\"" + Tenants.PASSWORD
                + "\",\"newPassword\":\"" + Tenants.PASSWORD + "\"}", "application/json", java.util.Map.of()).status()).isEqualTo(204);

        assertThat(api().post("/auth/verify-email", session.accessToken(), null).status()).isEqualTo(202);
        List<String> both = tokensMailedTo(session.email());
        assertThat(both).hasSize(2);
        ApiClient.Answer stale = confirm(first.get(0));
        assertThat(stale.status()).isEqualTo(400);
        assertThat(stale.problem()).isEqualTo("verification-token-invalid");

        assertThat(confirm(both.get(0)).status()).isEqualTo(204);
        assertThat(api().get("/me", session.accessToken()).json().get("emailVerified").asBoolean()).isTrue();
        assertThat(api().get("/me", session.accessToken()).json().get("emailVerificationRequired").asBoolean()).isFalse();
        assertThat(api().post("/sites", session.accessToken(), "{\"name\":\"" + Tenants.unique("v") + "\"}").status()).isEqualTo(201);
        assertThat(confirm(both.get(0)).status()).isEqualTo(400);
        assertThat(api().post("/auth/verify-email", session.accessToken(), null).status()).isEqualTo(409);
    }

    @Test
    void theFirstPlatformAdminNeedsNoConfirmation() {
        Session admin = Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");
        assertThat(api().get("/me", admin.accessToken()).json().get("emailVerified").asBoolean()).isTrue();
        assertThat(api().post("/auth/verify-email", admin.accessToken(), null).status()).isEqualTo(409);
    }
}
