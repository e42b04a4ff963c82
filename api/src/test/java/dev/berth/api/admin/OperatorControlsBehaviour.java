package dev.berth.api.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.deploys.webhooks.PushPayloads;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.hostprotocol.SiteSpec;
import java.nio.charset.StandardCharsets;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Operator controls through HTTP with raw JSON, against the real application with a fake host:
 * suspending a tenant (its writes refused, its reads kept, its sites flagged for the host), stopping,
 * starting and deleting any site, and the filtered platform-wide audit log. Every answer is checked
 * against openapi.yaml. Runs once per database.
 */
abstract class OperatorControlsBehaviour {
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    Session admin() {
        return Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");
    }

    private String siteOf(Session owner) {
        String name = Tenants.unique("op").substring(0, 13);
        ApiClient.Answer created = api().post("/sites", owner.accessToken(), "{\"name\":\"" + name + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return name;
    }

    private SiteSpec specOf(String siteName) {
        app().reconciler().runOnce();
        return app().host().specs().values().stream().filter(spec -> spec.name().equals(siteName)).findFirst().orElseThrow();
    }

    private ApiClient.Answer suspend(Session admin, UUID tenantId, String body) {
        return api().post("/admin/tenants/" + tenantId + "/suspend", admin.accessToken(), body);
    }

    @Test
    void aSuspendedTenantsWritesAnswer403TenantSuspendedWhileReadsAndLogoutStillWork() {
        Session admin = admin();
        Session owner = Tenants.signUp(api(), "susp");
        String site = siteOf(owner);
        String token = api().post("/tokens", owner.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\",\"write\"]}")
                .json().get("token").asText();
        assertThat(specOf(site).suspended()).isFalse();

        ApiClient.Answer suspended = suspend(admin, owner.tenantId(), "{\"reason\":\"phishing pages reported\"}");
        assertThat(suspended.status()).as(suspended.toString()).isEqualTo(200);
        assertThat(suspended.json().get("suspensionReason").asText()).isEqualTo("phishing pages reported");
        assertThat(suspended.json().get("suspendedAt").asText()).isNotBlank();

        for (String credential : new String[] {owner.accessToken(), token}) {
            ApiClient.Answer write = api().post("/sites/" + site + "/stop", credential, null);
            assertThat(write.status()).as(write.toString()).isEqualTo(403);
            assertThat(write.problem()).isEqualTo("tenant-suspended");
            assertThat(api().post("/sites", credential, "{\"name\":\"another\"}").problem()).isEqualTo("tenant-suspended");
            assertThat(api().delete("/sites/" + site, credential).problem()).isEqualTo("tenant-suspended");
            assertThat(api().get("/sites/" + site, credential).status()).isEqualTo(200);
            ApiClient.Answer tenant = api().get("/tenant", credential);
            assertThat(tenant.status()).isEqualTo(200);
            assertThat(tenant.json().get("suspensionReason").asText()).isEqualTo("phishing pages reported");
        }
        // The refused write changed nothing, and the host is told to show the "suspended" page.
        assertThat(api().get("/sites/" + site, owner.accessToken()).json().get("desiredState").asText()).isEqualTo("running");
        assertThat(specOf(site).suspended()).isTrue();
        assertThat(specOf(site).running()).isTrue();

        ApiClient.Answer logout = api().post("/auth/logout", owner.accessToken(), "{\"refreshToken\":\"" + owner.refreshToken() + "\"}");
        assertThat(logout.status()).as(logout.toString()).isEqualTo(204);

        ApiClient.Answer lifted = api().post("/admin/tenants/" + owner.tenantId() + "/unsuspend", admin.accessToken(), null);
        assertThat(lifted.status()).as(lifted.toString()).isEqualTo(200);
        assertThat(lifted.json().has("suspendedAt")).isFalse();
        assertThat(lifted.json().has("suspensionReason")).isFalse();
        assertThat(api().post("/sites/" + site + "/stop", token, null).status()).isEqualTo(202);
        assertThat(specOf(site).suspended()).isFalse();
    }

    @Test
    void aVerifiedGitPushForASuspendedTenantsSiteDeploysNothing() {
        Session admin = admin();
        Session owner = Tenants.signUp(api(), "push");
        String site = siteOf(owner);
        app().repositoryResolver().answer("git.example.com", "140.82.121.3");
        ApiClient.Answer source = api().send("PUT", "/sites/" + site + "/git", owner.accessToken(),
                "{\"repositoryUrl\":\"https://git.example.com/ada/site.git\",\"branch\":\"main\"}", "application/json", Map.of());
        assertThat(source.status()).as(source.toString()).isEqualTo(200);
        String secret = source.json().get("secret").asText();
        assertThat(suspend(admin, owner.tenantId(), "{\"reason\":\"no deploys\"}").status()).isEqualTo(200);

        byte[] payload = PushPayloads.github("refs/heads/main", "a".repeat(40), false).getBytes(StandardCharsets.UTF_8);
        ApiClient.Answer push = api().sendBytes("POST", "/hooks/git/" + site, null, payload, "application/json",
                Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", UUID.randomUUID().toString(),
                        "X-Hub-Signature-256", "sha256=" + WebhookVerifier.sign(payload, secret)));
        assertThat(push.status()).as(push.toString()).isEqualTo(403);
        assertThat(push.problem()).isEqualTo("tenant-suspended");
        assertThat(api().get("/sites/" + site + "/deploys", owner.accessToken()).json().get("items")).isEmpty();
    }

    @Test
    void suspendingTwiceKeepsTheFirstTimeAndTakesTheNewReasonAndUnsuspendingAnActiveTenantChangesNothing() {
        Session admin = admin();
        Session owner = Tenants.signUp(api(), "twice");
        ApiClient.Answer lifted = api().post("/admin/tenants/" + owner.tenantId() + "/unsuspend", admin.accessToken(), null);
        assertThat(lifted.status()).isEqualTo(200);
        assertThat(lifted.json().has("suspendedAt")).isFalse();
        String first = suspend(admin, owner.tenantId(), "{\"reason\":\"unpaid\"}").json().get("suspendedAt").asText();
        ApiClient.Answer again = suspend(admin, owner.tenantId(), "{\"reason\":\"unpaid, second notice\"}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("suspendedAt").asText()).isEqualTo(first);
        assertThat(again.json().get("suspensionReason").asText()).isEqualTo("unpaid, second notice");
    }

    @Test
    void aSuspensionNeedsAReasonOf1To500CharactersAndAKnownTenant() {
        Session admin = admin();
        Session owner = Tenants.signUp(api(), "reason");
        for (String body : new String[] {"{}", "{\"reason\":\"\"}", "{\"reason\":\"   \"}", "{\"reason\":\"" + "x".repeat(501) + "\"}",
            "{\"reason\":\"ok\",\"extra\":1}"}) {
            ApiClient.Answer refused = suspend(admin, owner.tenantId(), body);
            assertThat(refused.status()).as(body).isEqualTo(400);
            assertThat(refused.problem()).isEqualTo("validation");
        }
        assertThat(api().get("/tenant", owner.accessToken()).json().has("suspendedAt")).isFalse();
        assertThat(suspend(admin, owner.tenantId(), "{\"reason\":\"" + "x".repeat(500) + "\"}").status()).isEqualTo(200);
        assertThat(suspend(admin, UUID.randomUUID(), "{\"reason\":\"abuse\"}").status()).isEqualTo(404);
        assertThat(api().post("/admin/tenants/" + UUID.randomUUID() + "/unsuspend", admin.accessToken(), null).status()).isEqualTo(404);
    }

    @Test
    void onlyPlatformAdminsReachTheOperatorControls() {
        Session owner = Tenants.signUp(api(), "nonadm");
        Session other = Tenants.signUp(api(), "victim");
        String site = siteOf(other);
        List<ApiClient.Answer> answers = List.of(
                suspend(owner, other.tenantId(), "{\"reason\":\"x\"}"),
                api().post("/admin/tenants/" + other.tenantId() + "/unsuspend", owner.accessToken(), null),
                api().post("/admin/sites/" + site + "/stop", owner.accessToken(), null),
                api().post("/admin/sites/" + site + "/start", owner.accessToken(), null),
                api().delete("/admin/sites/" + site, owner.accessToken()),
                api().get("/admin/audit", owner.accessToken()));
        for (ApiClient.Answer answer : answers) {
            assertThat(answer.status()).as(answer.toString()).isEqualTo(403);
            assertThat(answer.problem()).isEqualTo("forbidden");
        }
        assertThat(api().get("/tenant", other.accessToken()).json().has("suspendedAt")).isFalse();
        assertThat(api().get("/sites/" + site, other.accessToken()).json().get("desiredState").asText()).isEqualTo("running");
    }

    @Test
    void anAdminStopsStartsAndDeletesAnySiteAuditedWithTheAdminAsActorAndTheSitesTenant() {
        Session admin = admin();
        String adminId = api().get("/me", admin.accessToken()).json().get("userId").asText();
        Session owner = Tenants.signUp(api(), "ctl");
        String site = siteOf(owner);

        ApiClient.Answer stopped = api().post("/admin/sites/" + site + "/stop", admin.accessToken(), null);
        assertThat(stopped.status()).as(stopped.toString()).isEqualTo(202);
        assertThat(api().get(path(stopped), admin.accessToken()).status()).isEqualTo(200);
        assertThat(api().get("/sites/" + site, owner.accessToken()).json().get("desiredState").asText()).isEqualTo("stopped");
        assertThat(specOf(site).running()).isFalse();
        ApiClient.Answer started = api().post("/admin/sites/" + site + "/start", admin.accessToken(), null);
        assertThat(started.status()).isEqualTo(202);
        // The tenant reads the operation an admin started on its site.
        assertThat(api().get(path(started), owner.accessToken()).status()).isEqualTo(200);
        assertThat(api().get("/sites/" + site, owner.accessToken()).json().get("desiredState").asText()).isEqualTo("running");
        ApiClient.Answer deleted = api().delete("/admin/sites/" + site, admin.accessToken());
        assertThat(deleted.status()).isEqualTo(202);
        // Deleting until the host has removed it; the removal is pushed at once, so it may be gone already.
        ApiClient.Answer deleting = api().get("/sites/" + site, owner.accessToken());
        assertThat(deleting.status() == 404 || "deleting".equals(deleting.json().path("observedState").asText()))
                .as(deleting.toString()).isTrue();

        for (String path : new String[] {"/admin/sites/no-such-site/stop", "/admin/sites/no-such-site/start"}) {
            ApiClient.Answer missing = api().post(path, admin.accessToken(), null);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.problem()).isEqualTo("not-found");
        }
        assertThat(api().delete("/admin/sites/no-such-site", admin.accessToken()).status()).isEqualTo(404);

        JsonNode entries = api().get("/admin/audit?tenantId=" + owner.tenantId() + "&actorId=" + adminId, admin.accessToken())
                .json().get("items");
        List<String> actions = new ArrayList<>();
        entries.forEach(entry -> {
            actions.add(entry.get("action").asText());
            assertThat(entry.get("actorLabel").asText()).isEqualTo("root@berth.test");
            assertThat(entry.get("target").asText()).isEqualTo(site);
        });
        assertThat(actions).containsExactly("adminDeleteSite", "adminStartSite", "adminStopSite");
    }

    @Test
    void theAuditLogIsFilteredByTenantActorActionAndTimeAndPagedWithACursor() {
        Session admin = admin();
        // Taken before the tenant exists, so that nothing of it is older, however slow the machine.
        Instant before = Instant.now().minusSeconds(1);
        Session owner = Tenants.signUp(api(), "aud");
        String ownerId = api().get("/me", owner.accessToken()).json().get("userId").asText();
        for (int index = 0; index < 3; index++) {
            siteOf(owner);
        }
        assertThat(suspend(admin, owner.tenantId(), "{\"reason\":\"audit test\"}").status()).isEqualTo(200);
        assertThat(api().post("/admin/tenants/" + owner.tenantId() + "/unsuspend", admin.accessToken(), null).status()).isEqualTo(200);

        String tenant = "/admin/audit?tenantId=" + owner.tenantId();
        assertThat(actions(api().get(tenant + "&action=createSite", admin.accessToken()))).containsExactly("createSite", "createSite",
                "createSite");
        assertThat(actions(api().get(tenant + "&actorId=" + ownerId + "&action=createSite", admin.accessToken()))).hasSize(3);
        assertThat(actions(api().get(tenant + "&action=adminSuspendTenant", admin.accessToken()))).containsExactly("adminSuspendTenant");
        // The tenant forgot the reason on unsuspend; its audit entry keeps it.
        assertThat(api().get("/tenant", owner.accessToken()).json().has("suspensionReason")).isFalse();
        ApiClient.Answer suspensions = api().get(tenant + "&action=adminSuspendTenant", admin.accessToken());
        assertThat(suspensions.json().get("items").get(0).get("detail").asText()).isEqualTo("audit test");
        assertThat(api().get(tenant + "&action=adminUnsuspendTenant", admin.accessToken()).json().get("items").get(0).has("detail"))
                .isFalse();
        assertThat(actions(api().get(tenant + "&since=" + before, admin.accessToken())))
                .startsWith("adminUnsuspendTenant", "adminSuspendTenant").contains("createSite");
        assertThat(actions(api().get(tenant + "&until=" + before, admin.accessToken()))).isEmpty();
        assertThat(actions(api().get(tenant + "&since=" + before.atOffset(java.time.ZoneOffset.ofHours(2)).toString().replace("+", "%2B")
                + "&until=" + Instant.now().plusSeconds(60), admin.accessToken()))).hasSizeGreaterThanOrEqualTo(5);

        List<String> paged = new ArrayList<>();
        String cursor = null;
        do {
            ApiClient.Answer page = api().get(tenant + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin.accessToken());
            assertThat(page.json().get("items").size()).isLessThanOrEqualTo(2);
            paged.addAll(actions(page));
            cursor = page.json().path("nextCursor").asText(null);
        } while (cursor != null);
        assertThat(paged).isEqualTo(actions(api().get(tenant + "&limit=200", admin.accessToken())));
        assertThat(paged).hasSizeGreaterThanOrEqualTo(5);

        Map<String, String> bad = Map.of(
                "tenantId=not-a-uuid", "tenantId", "actorId=nope", "actorId", "action=create-site", "action",
                "since=yesterday", "since", "until=2026-13-01T00:00:00Z", "until",
                "since=2026-12-05T10:00:00Z&until=2026-12-05T09:00:00Z", "until", "limit=0", "limit");
        bad.forEach((query, field) -> {
            ApiClient.Answer refused = api().get("/admin/audit?" + query, admin.accessToken());
            assertThat(refused.status()).as(query).isEqualTo(400);
            assertThat(refused.problem()).isEqualTo("validation");
        });
    }

    private ApiClient.Answer patchUser(Session admin, String userId, String body) {
        return api().send("PATCH", "/admin/users/" + userId, admin.accessToken(), body, "application/json", Map.of());
    }

    private ApiClient.Answer login(Session who) {
        return api().post("/auth/login", null, "{\"email\":\"" + who.email() + "\",\"password\":\"" + Tenants.PASSWORD + "\"}");
    }

    @Test
    void aDisabledAccountCannotLogInAndItsSessionsAndTokensAreRefusedAtOnceUntilAnAdminEnablesItAgain() {
        Session admin = admin();
        String adminId = api().get("/me", admin.accessToken()).json().get("userId").asText();
        Session owner = Tenants.signUp(api(), "dis");
        String ownerId = api().get("/me", owner.accessToken()).json().get("userId").asText();
        String token = api().post("/tokens", owner.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\"]}").json().get("token").asText();

        ApiClient.Answer disabled = patchUser(admin, ownerId, "{\"disabled\":true}");
        assertThat(disabled.status()).as(disabled.toString()).isEqualTo(200);
        assertThat(disabled.json().get("disabledAt").asText()).isNotBlank();
        for (String credential : new String[] {owner.accessToken(), token}) {
            ApiClient.Answer refused = api().get("/me", credential);
            assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
            assertThat(refused.problem()).isEqualTo("invalid-token");
        }
        assertThat(api().post("/auth/refresh", null, "{\"refreshToken\":\"" + owner.refreshToken() + "\"}").status()).isEqualTo(401);
        ApiClient.Answer loginRefused = login(owner);
        assertThat(loginRefused.status()).as(loginRefused.toString()).isEqualTo(403);
        assertThat(loginRefused.problem()).isEqualTo("account-disabled");
        // Without the password nothing tells a stranger that the account exists or is disabled.
        ApiClient.Answer wrong = api().post("/auth/login", null, "{\"email\":\"" + owner.email() + "\",\"password\":\"not the password\"}");
        assertThat(wrong.problem()).isEqualTo("invalid-credentials");
        assertThat(patchUser(admin, ownerId, "{\"disabled\":true}").status()).isEqualTo(200);
        JsonNode listed = api().get("/admin/users?limit=200", admin.accessToken()).json().get("items");
        listed.forEach(user -> {
            if (user.get("id").asText().equals(ownerId)) {
                assertThat(user.get("disabledAt").asText()).isEqualTo(disabled.json().get("disabledAt").asText());
            }
        });

        ApiClient.Answer enabled = patchUser(admin, ownerId, "{\"disabled\":false}");
        assertThat(enabled.status()).as(enabled.toString()).isEqualTo(200);
        assertThat(enabled.json().has("disabledAt")).isFalse();
        assertThat(api().get("/me", token).status()).isEqualTo(200);
        // The sessions ended for good: the old refresh token stays refused, a new login works.
        assertThat(api().post("/auth/refresh", null, "{\"refreshToken\":\"" + owner.refreshToken() + "\"}").status()).isEqualTo(401);
        assertThat(login(owner).status()).isEqualTo(200);

        ApiClient.Answer self = patchUser(admin, adminId, "{\"disabled\":true}");
        assertThat(self.status()).isEqualTo(409);
        assertThat(self.problem()).isEqualTo("conflict");
        assertThat(patchUser(admin, UUID.randomUUID().toString(), "{\"disabled\":true}").status()).isEqualTo(404);
        assertThat(patchUser(owner, ownerId, "{\"disabled\":false}").status()).isIn(401, 403);

        JsonNode entries = api().get("/admin/audit?tenantId=" + owner.tenantId() + "&actorId=" + adminId + "&action=adminUpdateUser",
                admin.accessToken()).json().get("items");
        assertThat(entries.size()).isGreaterThanOrEqualTo(3);
        entries.forEach(entry -> assertThat(entry.get("actorLabel").asText()).isEqualTo("root@berth.test"));
    }

    @Test
    void aTenantsOnlyOwnerIsNotRemovedWhileTheTenantHasASiteButIsOnceItHasNone() {
        Session admin = admin();
        Session owner = Tenants.signUp(api(), "own");
        String ownerId = api().get("/me", owner.accessToken()).json().get("userId").asText();
        siteOf(owner);

        ApiClient.Answer refused = api().delete("/admin/users/" + ownerId, admin.accessToken());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.problem()).isEqualTo("tenant-owner");
        assertThat(api().get("/me", owner.accessToken()).status()).isEqualTo(200);

        Session alone = Tenants.signUp(api(), "alone");
        String aloneId = api().get("/me", alone.accessToken()).json().get("userId").asText();
        assertThat(api().delete("/admin/users/" + aloneId, admin.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/me", alone.accessToken()).status()).isEqualTo(401);
    }

    /** The API path of an answer's Location. */
    private static String path(ApiClient.Answer answer) {
        String location = answer.header("Location");
        return location.substring(location.indexOf("/api/v1") + "/api/v1".length());
    }

    private static List<String> actions(ApiClient.Answer page) {
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        List<String> actions = new ArrayList<>();
        page.json().get("items").forEach(entry -> actions.add(entry.get("action").asText()));
        return actions;
    }
}
