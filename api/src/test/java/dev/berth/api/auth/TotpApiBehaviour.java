package dev.berth.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.util.encoders.Base32;
import org.junit.jupiter.api.Test;

/**
 * Two-factor sign-in through HTTP with raw JSON, with codes computed as an authenticator app would:
 * enrolment, confirmation, login with a code or a recovery code, replay, turning it off, and the
 * requirement for platform admins ({@code auth.requireTotpForAdmins} is on in both subclasses).
 * Runs once per database; every answer is checked against openapi.yaml.
 */
abstract class TotpApiBehaviour {
    private static final TotpCodes APP = new TotpCodes();

    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    /** An enrolled account: its session, its secret and the step of the code that confirmed it. */
    record Enrolled(Session session, byte[] secret, long confirmedStep, List<String> recoveryCodes) {
        String code(long step) {
            return APP.codeAt(secret, step);
        }
    }

    Enrolled enrol(Session session) {
        ApiClient.Answer started = api().post("/me/totp", session.accessToken(), null);
        assertThat(started.status()).as(started.toString()).isEqualTo(200);
        assertThat(started.header("Cache-Control")).contains("no-store");
        byte[] secret = Base32.decode(started.json().get("secret").asText());
        long step = TotpCodes.stepOf(Instant.now());
        ApiClient.Answer confirmed = api().post("/me/totp/confirm", session.accessToken(), "{\"code\":\"" + APP.codeAt(secret, step) + "\"}");
        assertThat(confirmed.status()).as(confirmed.toString()).isEqualTo(200);
        List<String> recovery = new ArrayList<>();
        confirmed.json().get("recoveryCodes").forEach(code -> recovery.add(code.asText()));
        return new Enrolled(session, secret, step, recovery);
    }

    ApiClient.Answer login(String email, String password, String extra) {
        return api().post("/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"" + extra + "}");
    }

    @Test
    void enrolmentGivesASecretAndKeyUriAndChangesNothingUntilConfirmed() {
        Session ada = Tenants.signUp(api(), "totp-enrol");
        ApiClient.Answer started = api().post("/me/totp", ada.accessToken(), null);

        assertThat(started.status()).isEqualTo(200);
        String secret = started.json().get("secret").asText();
        assertThat(started.json().get("otpauthUri").asText())
                .startsWith("otpauth://totp/Berth:" + ada.email().replace("@", "%40") + "?secret=" + secret + "&issuer=Berth");
        JsonNode status = api().get("/me/totp", ada.accessToken()).json();
        assertThat(status.get("enabled").asBoolean()).isFalse();
        assertThat(status.get("enrolmentPending").asBoolean()).isTrue();
        assertThat(login(ada.email(), Tenants.PASSWORD, "").status()).as("not active before a code confirms it").isEqualTo(200);

        ApiClient.Answer wrong = api().post("/me/totp/confirm", ada.accessToken(), "{\"code\":\"000000\"}");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.problem()).isEqualTo("wrong-code");
        assertThat(api().get("/me/totp", ada.accessToken()).json().get("enabled").asBoolean()).isFalse();
    }

    @Test
    void aConfirmedSecretMakesLoginAskForACodeAndEachCodeWorksOnce() {
        Session ada = Tenants.signUp(api(), "totp-login");
        Session otherBrowser = Tenants.login(api(), ada.email(), Tenants.PASSWORD, ada.tenantId(), ada.tenantName());
        Enrolled enrolled = enrol(ada);

        assertThat(enrolled.recoveryCodes()).hasSize(10).doesNotHaveDuplicates();
        assertThat(api().get("/me", otherBrowser.accessToken()).status()).as("sessions opened with the password alone end").isEqualTo(401);
        assertThat(api().get("/me", ada.accessToken()).json().get("totpEnabled").asBoolean()).isTrue();
        JsonNode status = api().get("/me/totp", ada.accessToken()).json();
        assertThat(status.get("recoveryCodesLeft").asInt()).isEqualTo(10);
        assertThat(status.get("enabledAt").asText()).isNotEmpty();

        ApiClient.Answer passwordOnly = login(ada.email(), Tenants.PASSWORD, "");
        assertThat(passwordOnly.status()).isEqualTo(401);
        assertThat(passwordOnly.problem()).isEqualTo("totp-required");
        assertThat(passwordOnly.body()).doesNotContain("accessToken");
        ApiClient.Answer wrongPassword = login(ada.email(), "not the password", ",\"totpCode\":\"" + enrolled.code(enrolled.confirmedStep() + 1) + "\"");
        assertThat(wrongPassword.problem()).as("a wrong password says nothing of the code").isEqualTo("invalid-credentials");

        ApiClient.Answer confirmingCodeAgain = login(ada.email(), Tenants.PASSWORD, ",\"totpCode\":\"" + enrolled.code(enrolled.confirmedStep()) + "\"");
        assertThat(confirmingCodeAgain.status()).isEqualTo(401);
        assertThat(confirmingCodeAgain.problem()).as("the code that confirmed the secret is used").isEqualTo("totp-invalid");
        String next = enrolled.code(enrolled.confirmedStep() + 1);
        ApiClient.Answer withCode = login(ada.email(), Tenants.PASSWORD, ",\"totpCode\":\"" + next + "\"");
        assertThat(withCode.status()).as(withCode.toString()).isEqualTo(200);
        assertThat(withCode.json().get("accessToken").asText()).isNotEmpty();
        ApiClient.Answer replayed = login(ada.email(), Tenants.PASSWORD, ",\"totpCode\":\"" + next + "\"");
        assertThat(replayed.status()).isEqualTo(401);
        assertThat(replayed.problem()).isEqualTo("totp-invalid");
        ApiClient.Answer stale = login(ada.email(), Tenants.PASSWORD, ",\"totpCode\":\"" + enrolled.code(enrolled.confirmedStep() - 2) + "\"");
        assertThat(stale.problem()).isEqualTo("totp-invalid");
    }

    @Test
    void aRecoveryCodeSignsInOnceInPlaceOfACode() {
        Session ada = Tenants.signUp(api(), "totp-recovery");
        Enrolled enrolled = enrol(ada);
        String recovery = enrolled.recoveryCodes().get(3);

        // Typed in capitals and without hyphens, it is the same code.
        String typed = recovery.replace("-", "").toUpperCase(java.util.Locale.ROOT);
        ApiClient.Answer used = login(ada.email(), Tenants.PASSWORD, ",\"recoveryCode\":\"" + typed + "\"");
        assertThat(used.status()).as(used.toString()).isEqualTo(200);
        ApiClient.Answer again = login(ada.email(), Tenants.PASSWORD, ",\"recoveryCode\":\"" + recovery + "\"");
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.problem()).isEqualTo("totp-invalid");
        assertThat(api().get("/me/totp", ada.accessToken()).json().get("recoveryCodesLeft").asInt()).isEqualTo(9);

        ApiClient.Answer regenerated = api().post("/me/totp/recovery-codes", ada.accessToken(),
                "{\"recoveryCode\":\"" + enrolled.recoveryCodes().get(4) + "\"}");
        assertThat(regenerated.status()).as(regenerated.toString()).isEqualTo(200);
        assertThat(regenerated.json().get("recoveryCodes")).hasSize(10);
        ApiClient.Answer oldCode = login(ada.email(), Tenants.PASSWORD, ",\"recoveryCode\":\"" + enrolled.recoveryCodes().get(5) + "\"");
        assertThat(oldCode.problem()).as("the old codes stop working").isEqualTo("totp-invalid");
        String fresh = regenerated.json().get("recoveryCodes").get(0).asText();
        assertThat(login(ada.email(), Tenants.PASSWORD, ",\"recoveryCode\":\"" + fresh + "\"").status()).isEqualTo(200);
    }

    @Test
    void turningItOffNeedsProofAndLoginThenTakesThePasswordAlone() {
        Session ada = Tenants.signUp(api(), "totp-off");
        Enrolled enrolled = enrol(ada);

        ApiClient.Answer wrongPassword = api().send("DELETE", "/me/totp", ada.accessToken(), "{\"password\":\"not the password\"}",
                "application/json", java.util.Map.of());
        assertThat(wrongPassword.status()).isEqualTo(403);
        assertThat(wrongPassword.problem()).isEqualTo("wrong-password");
        ApiClient.Answer usedCode = api().send("DELETE", "/me/totp", ada.accessToken(),
                "{\"totpCode\":\"" + enrolled.code(enrolled.confirmedStep()) + "\"}", "application/json", java.util.Map.of());
        assertThat(usedCode.problem()).isEqualTo("wrong-code");
        ApiClient.Answer nothing = api().send("DELETE", "/me/totp", ada.accessToken(), "{}", "application/json", java.util.Map.of());
        assertThat(nothing.status()).isEqualTo(400);
        assertThat(login(ada.email(), Tenants.PASSWORD, "").problem()).isEqualTo("totp-required");

        ApiClient.Answer off = api().send("DELETE", "/me/totp", ada.accessToken(), "{\"password\":\"" + Tenants.PASSWORD + "\"}",
                "application/json", java.util.Map.of());
        assertThat(off.status()).as(off.toString()).isEqualTo(204);
        assertThat(login(ada.email(), Tenants.PASSWORD, "").status()).isEqualTo(200);
        assertThat(api().get("/me/totp", ada.accessToken()).json().get("enabled").asBoolean()).isFalse();
        assertThat(api().send("DELETE", "/me/totp", ada.accessToken(), "{\"password\":\"" + Tenants.PASSWORD + "\"}",
                "application/json", java.util.Map.of()).status()).isEqualTo(404);

        List<String> actions = new ArrayList<>();
        api().get("/audit", ada.accessToken()).json().get("items").forEach(item -> actions.add(item.get("action").asText() + ":" + item.get("outcome").asText()));
        assertThat(actions).contains("disableTotp:success", "disableTotp:denied", "confirmTotp:success", "startTotpEnrolment:success");
    }

    @Test
    void wrongCodesSpendTheAccountsFailedLoginBudget() {
        Session ada = Tenants.signUp(api(), "totp-budget");
        enrol(ada);
        int refused = 0;
        ApiClient.Answer answer;
        do {
            answer = login(ada.email(), Tenants.PASSWORD, ",\"totpCode\":\"" + String.format("%06d", refused) + "\"");
            refused++;
        } while (answer.status() == 401 && refused < 50);
        assertThat(answer.status()).as("the 10 failures a window allows, then 429").isEqualTo(429);
        assertThat(refused).isBetween(9, 12);
    }

    @Test
    void aPersonalAccessTokenCanNeitherEnrolNorTurnItOff() {
        Session ada = Tenants.signUp(api(), "totp-pat");
        String pat = api().post("/tokens", ada.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\",\"write\"]}").json().get("token").asText();

        assertThat(api().post("/me/totp", pat, null).problem()).isEqualTo("forbidden");
        enrol(ada);
        assertThat(api().send("DELETE", "/me/totp", pat, "{\"password\":\"" + Tenants.PASSWORD + "\"}", "application/json",
                java.util.Map.of()).problem()).isEqualTo("forbidden");
        assertThat(api().get("/me", pat).status()).as("tokens made before keep working").isEqualTo(200);
        assertThat(api().post("/me/totp", ada.accessToken(), null).status()).as("one app at a time").isEqualTo(409);
    }

    @Test
    void aPlatformAdminWithoutTwoFactorReachesOnlyEnrolmentWhileItIsRequired() {
        Session root = Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");

        JsonNode me = api().get("/me", root.accessToken()).json();
        assertThat(me.get("totpEnrolmentRequired").asBoolean()).isTrue();
        ApiClient.Answer refused = api().get("/admin/tenants", root.accessToken());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.problem()).isEqualTo("totp-enrolment-required");
        assertThat(api().get("/sites", root.accessToken()).problem()).isEqualTo("totp-enrolment-required");
        assertThat(api().get("/me/totp", root.accessToken()).json().get("required").asBoolean()).isTrue();
        Session tenant = Tenants.signUp(api(), "totp-notadmin");
        assertThat(api().get("/sites", tenant.accessToken()).status()).as("other accounts are not held").isEqualTo(200);

        Enrolled enrolled = enrol(root);

        assertThat(api().get("/admin/tenants", root.accessToken()).status()).isEqualTo(200);
        List<String> enrolledUsers = new ArrayList<>();
        api().get("/admin/users?limit=200", root.accessToken()).json().get("items").forEach(item -> {
            if (item.get("totpEnabled").asBoolean()) {
                enrolledUsers.add(item.get("email").asText());
            }
        });
        assertThat(enrolledUsers).as("the admin listing says who signs in with two factors").contains("root@berth.test")
                .doesNotContain(tenant.email());
        assertThat(api().get("/me", root.accessToken()).json().get("totpEnrolmentRequired").asBoolean()).isFalse();
        ApiClient.Answer login = login("root@berth.test", "admin-password-for-tests",
                ",\"totpCode\":\"" + enrolled.code(enrolled.confirmedStep() + 1) + "\"");
        assertThat(login.status()).isEqualTo(200);
        assertThat(api().post("/auth/logout", root.accessToken(), "{\"refreshToken\":\"" + root.refreshToken() + "\"}").status()).isEqualTo(204);
    }
}
