package dev.berth.api.team;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.platform.Secrets;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Teams through HTTP with raw JSON against the real application: invitations mailed and accepted,
 * roles changed, members removed or leaving, ownership transferred, and every refusal leaving
 * things as they were. Every answer is checked against openapi.yaml. Runs once per database.
 */
abstract class TeamApiBehaviour {
    private static final Pattern LINK = Pattern.compile("/invitations/accept#token=(berth_inv_[A-Za-z0-9_-]+)");
    private static final String NEW_PASSWORD = "a new member's password";

    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    private ApiClient.Answer invite(Session by, String email, String role) {
        return api().post("/tenant/invitations", by.accessToken(), "{\"email\":\"" + email + "\",\"role\":\"" + role + "\"}");
    }

    /** The token of the newest invitation mailed to an address (queued with the invitation, so there at once). */
    private String tokenMailedTo(String email) {
        List<String> bodies = app().jdbi().withHandle(handle -> handle.createQuery(
                "SELECT text_body FROM mail_outbox WHERE recipient = :to AND template = 'invitation' ORDER BY created_at DESC")
                .bind("to", email).mapTo(String.class).list());
        assertThat(bodies).as("invitation mails to " + email).isNotEmpty();
        Matcher found = LINK.matcher(bodies.get(0));
        assertThat(found.find()).as(bodies.get(0)).isTrue();
        return found.group(1);
    }

    private ApiClient.Answer accept(String token, String password) {
        return api().post("/invitations/" + token + "/accept", null, "{\"password\":\"" + password + "\"}");
    }

    /** Invites a new address with a role, accepts, and logs the new member in. */
    private Member join(Session owner, String role) {
        String email = Tenants.unique(role) + "@example.com";
        ApiClient.Answer invited = invite(owner, email, role);
        assertThat(invited.status()).as(invited.toString()).isEqualTo(201);
        ApiClient.Answer accepted = accept(tokenMailedTo(email), NEW_PASSWORD);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(201);
        Session session = Tenants.login(api(), email, NEW_PASSWORD, owner.tenantId(), owner.tenantName());
        return new Member(UUID.fromString(api().get("/me", session.accessToken()).json().get("userId").asText()), session);
    }

    private record Member(UUID id, Session session) {
        String token() {
            return session.accessToken();
        }
    }

    private UUID idOf(Session session) {
        return UUID.fromString(api().get("/me", session.accessToken()).json().get("userId").asText());
    }

    private Map<String, String> rolesOf(Session session) {
        ApiClient.Answer members = api().get("/tenant/members", session.accessToken());
        assertThat(members.status()).as(members.toString()).isEqualTo(200);
        Map<String, String> roles = new java.util.LinkedHashMap<>();
        members.json().get("items").forEach(member -> roles.put(member.get("email").asText(), member.get("role").asText()));
        return roles;
    }

    private ApiClient.Answer patchRole(Session by, UUID userId, String role) {
        return api().send("PATCH", "/tenant/members/" + userId, by.accessToken(), "{\"role\":\"" + role + "\"}", "application/json", Map.of());
    }

    @Test
    void anInvitedAddressJoinsTheTenantWithItsRoleThroughTheMailedSingleUseLink() {
        Session owner = Tenants.signUp(api(), "team");
        String email = Tenants.unique("dev") + "@example.com";
        ApiClient.Answer invited = invite(owner, email.toUpperCase(java.util.Locale.ROOT), "developer");
        assertThat(invited.status()).as(invited.toString()).isEqualTo(201);
        assertThat(invited.json().get("email").asText()).isEqualTo(email);
        assertThat(invited.json().get("invitedBy").asText()).isEqualTo(owner.email());
        JsonNode pending = api().get("/tenant/invitations", owner.accessToken()).json().get("items");
        assertThat(pending).hasSize(1);
        assertThat(pending.get(0).get("role").asText()).isEqualTo("developer");

        String token = tokenMailedTo(email);
        String stored = app().jdbi().withHandle(handle -> handle.createQuery("SELECT token_hash FROM invitations WHERE email = :email")
                .bind("email", email).mapTo(String.class).one());
        assertThat(stored).isEqualTo(Secrets.sha256(token)).doesNotContain(token);

        ApiClient.Answer accepted = accept(token, NEW_PASSWORD);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(201);
        assertThat(accepted.json().get("tenantName").asText()).isEqualTo(owner.tenantName());
        assertThat(accepted.json().get("role").asText()).isEqualTo("developer");
        Session member = Tenants.login(api(), email, NEW_PASSWORD, owner.tenantId(), owner.tenantName());
        JsonNode me = api().get("/me", member.accessToken()).json();
        assertThat(me.get("tenantId").asText()).isEqualTo(owner.tenantId().toString());
        assertThat(me.get("role").asText()).isEqualTo("developer");
        assertThat(rolesOf(owner)).containsExactly(Map.entry(owner.email(), "owner"), Map.entry(email, "developer"));
        assertThat(api().get("/tenant/invitations", owner.accessToken()).json().get("items")).isEmpty();

        ApiClient.Answer again = accept(token, NEW_PASSWORD);
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.problem()).isEqualTo("invitation-invalid");
    }

    @Test
    void anAddressWithAnAccountIsInvitedLikeAnyOtherButCannotAcceptAndNothingChanges() {
        Session owner = Tenants.signUp(api(), "team");
        Session elsewhere = Tenants.signUp(api(), "other");
        ApiClient.Answer invited = invite(owner, elsewhere.email(), "viewer");
        assertThat(invited.status()).as(invited.toString()).isEqualTo(201);

        ApiClient.Answer accepted = accept(tokenMailedTo(elsewhere.email()), NEW_PASSWORD);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(409);
        assertThat(accepted.problem()).isEqualTo("account-exists");
        assertThat(api().get("/me", elsewhere.accessToken()).json().get("tenantId").asText()).isEqualTo(elsewhere.tenantId().toString());
        assertThat(api().get("/me", elsewhere.accessToken()).json().get("role").asText()).isEqualTo("owner");
        assertThat(rolesOf(owner)).containsOnlyKeys(owner.email());
        assertThat(api().get("/tenant/invitations", owner.accessToken()).json().get("items")).hasSize(1);
    }

    @Test
    void badInvitationsAndBadAcceptancesAreProblemsThatChangeNothing() {
        Session owner = Tenants.signUp(api(), "team");
        String email = Tenants.unique("new") + "@example.com";
        assertThat(invite(owner, "not-an-address", "viewer").status()).isEqualTo(400);
        assertThat(invite(owner, email, "owner").status()).isEqualTo(400);
        assertThat(invite(owner, email, "member").status()).isEqualTo(400);
        ApiClient.Answer self = invite(owner, owner.email(), "admin");
        assertThat(self.status()).as(self.toString()).isEqualTo(409);
        assertThat(api().get("/tenant/invitations", owner.accessToken()).json().get("items")).isEmpty();

        assertThat(invite(owner, email, "viewer").status()).isEqualTo(201);
        String token = tokenMailedTo(email);
        ApiClient.Answer weak = accept(token, "short");
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.problem()).isEqualTo("validation");
        ApiClient.Answer unknown = accept("berth_inv_" + "A".repeat(43), NEW_PASSWORD);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.problem()).isEqualTo("invitation-invalid");

        // Inviting again replaces the first link; revoking the second ends the invitation.
        assertThat(invite(owner, email, "admin").status()).isEqualTo(201);
        String second = tokenMailedTo(email);
        assertThat(accept(token, NEW_PASSWORD).problem()).isEqualTo("invitation-invalid");
        JsonNode pending = api().get("/tenant/invitations", owner.accessToken()).json().get("items");
        assertThat(pending).hasSize(1);
        assertThat(pending.get(0).get("role").asText()).isEqualTo("admin");
        String id = pending.get(0).get("id").asText();
        assertThat(api().delete("/tenant/invitations/" + id, owner.accessToken()).status()).isEqualTo(204);
        assertThat(api().delete("/tenant/invitations/" + id, owner.accessToken()).status()).isEqualTo(204);
        assertThat(accept(second, NEW_PASSWORD).problem()).isEqualTo("invitation-invalid");

        // An expired link is refused the same way.
        assertThat(invite(owner, email, "viewer").status()).isEqualTo(201);
        String third = tokenMailedTo(email);
        app().jdbi().useHandle(handle -> handle.createUpdate("UPDATE invitations SET expires_at = created_at WHERE token_hash = :hash")
                .bind("hash", Secrets.sha256(third)).execute());
        ApiClient.Answer expired = accept(third, NEW_PASSWORD);
        assertThat(expired.problem()).isEqualTo("invitation-invalid");
        assertThat(expired.json().get("detail").asText()).contains("expired");
        assertThat(api().post("/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + NEW_PASSWORD + "\"}").status())
                .isEqualTo(401);
        assertThat(rolesOf(owner)).containsOnlyKeys(owner.email());
    }

    @Test
    void anExpiredInvitationStaysListedAndIsResentWithANewLinkThatWorksWhileTheOldOneNoLongerDoes() {
        Session owner = Tenants.signUp(api(), "resend");
        String email = Tenants.unique("late") + "@example.com";
        String firstId = invite(owner, email, "viewer").json().get("id").asText();
        String first = tokenMailedTo(email);
        app().jdbi().useHandle(handle -> handle.createUpdate("UPDATE invitations SET expires_at = created_at WHERE token_hash = :hash")
                .bind("hash", Secrets.sha256(first)).execute());
        JsonNode listed = api().get("/tenant/invitations", owner.accessToken()).json().get("items");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("id").asText()).isEqualTo(firstId);

        ApiClient.Answer resent = api().post("/tenant/invitations/" + firstId + "/resend", owner.accessToken(), null);
        assertThat(resent.status()).as(resent.toString()).isEqualTo(201);
        assertThat(resent.json().get("email").asText()).isEqualTo(email);
        assertThat(resent.json().get("role").asText()).isEqualTo("viewer");
        assertThat(resent.json().get("id").asText()).isNotEqualTo(firstId);
        String second = tokenMailedTo(email);
        assertThat(second).isNotEqualTo(first);
        assertThat(api().get("/tenant/invitations", owner.accessToken()).json().get("items")).hasSize(1);

        ApiClient.Answer again = api().post("/tenant/invitations/" + firstId + "/resend", owner.accessToken(), null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.problem()).isEqualTo("conflict");
        assertThat(api().post("/tenant/invitations/" + UUID.randomUUID() + "/resend", owner.accessToken(), null).status()).isEqualTo(404);
        Session stranger = Tenants.signUp(api(), "stranger");
        assertThat(api().post("/tenant/invitations/" + resent.json().get("id").asText() + "/resend", stranger.accessToken(), null)
                .status()).isEqualTo(404);

        assertThat(accept(first, NEW_PASSWORD).problem()).isEqualTo("invitation-invalid");
        assertThat(accept(second, NEW_PASSWORD).status()).isEqualTo(201);
        assertThat(rolesOf(owner)).containsEntry(email, "viewer");
    }

    @Test
    void anotherTenantsMembersAndInvitationsAnswer404AndStayAsTheyWere() {
        Session owner = Tenants.signUp(api(), "team");
        Member developer = join(owner, "developer");
        String email = Tenants.unique("pending") + "@example.com";
        String invitationId = invite(owner, email, "viewer").json().get("id").asText();
        Session stranger = Tenants.signUp(api(), "stranger");

        assertThat(patchRole(stranger, developer.id(), "viewer").status()).isEqualTo(404);
        assertThat(api().delete("/tenant/members/" + developer.id(), stranger.accessToken()).status()).isEqualTo(404);
        assertThat(api().post("/tenant/members/" + developer.id() + "/transfer-ownership", stranger.accessToken(), null).status())
                .isEqualTo(404);
        assertThat(api().delete("/tenant/invitations/" + invitationId, stranger.accessToken()).status()).isEqualTo(404);
        assertThat(rolesOf(stranger)).containsOnlyKeys(stranger.email());

        assertThat(rolesOf(owner)).containsEntry(developer.session().email(), "developer");
        assertThat(api().get("/tenant/invitations", owner.accessToken()).json().get("items")).hasSize(1);
        assertThat(api().get("/sites", developer.token()).status()).isEqualTo(200);
    }

    @Test
    void adminsManageTheTeamButNotTheOwnerAndOwnershipMovesByTransfer() {
        Session owner = Tenants.signUp(api(), "team");
        UUID ownerId = idOf(owner);
        Member admin = join(owner, "admin");
        Member viewer = join(owner, "viewer");

        // A viewer reads the team and the sites, and changes nothing.
        assertThat(api().get("/sites", viewer.token()).status()).isEqualTo(200);
        ApiClient.Answer create = api().post("/sites", viewer.token(), "{\"name\":\"" + Tenants.unique("v").substring(0, 12) + "\"}");
        assertThat(create.status()).isEqualTo(403);
        assertThat(create.problem()).isEqualTo("forbidden");
        assertThat(patchRole(viewer.session(), admin.id(), "viewer").status()).isEqualTo(403);

        // The admin changes other members, never the owner.
        ApiClient.Answer promoted = patchRole(admin.session(), viewer.id(), "developer");
        assertThat(promoted.status()).as(promoted.toString()).isEqualTo(200);
        assertThat(promoted.json().get("role").asText()).isEqualTo("developer");
        assertThat(api().post("/sites", viewer.token(), "{\"name\":\"" + Tenants.unique("v").substring(0, 12) + "\"}").status())
                .isEqualTo(201);
        assertThat(patchRole(admin.session(), ownerId, "viewer").status()).isEqualTo(403);
        assertThat(api().delete("/tenant/members/" + ownerId, admin.token()).status()).isEqualTo(403);
        assertThat(patchRole(owner, ownerId, "admin").status()).isEqualTo(409);
        assertThat(patchRole(owner, viewer.id(), "owner").status()).isEqualTo(400);
        assertThat(api().post("/tenant/leave", owner.accessToken(), null).status()).isEqualTo(409);
        assertThat(api().post("/tenant/members/" + ownerId + "/transfer-ownership", owner.accessToken(), null).status()).isEqualTo(409);
        assertThat(api().post("/tenant/members/" + viewer.id() + "/transfer-ownership", admin.token(), null).status()).isEqualTo(403);
        assertThat(rolesOf(owner)).containsEntry(owner.email(), "owner").containsEntry(admin.session().email(), "admin");

        // One owner at a time: the old owner becomes an admin.
        ApiClient.Answer transferred = api().post("/tenant/members/" + admin.id() + "/transfer-ownership", owner.accessToken(), null);
        assertThat(transferred.status()).as(transferred.toString()).isEqualTo(200);
        assertThat(rolesOf(owner)).containsExactly(Map.entry(admin.session().email(), "owner"), Map.entry(owner.email(), "admin"),
                Map.entry(viewer.session().email(), "developer"));
        assertThat(api().get("/me", owner.accessToken()).json().get("role").asText()).isEqualTo("admin");
        assertThat(api().post("/tenant/members/" + ownerId + "/transfer-ownership", owner.accessToken(), null).status()).isEqualTo(403);
        assertThat(api().delete("/tenant/members/" + admin.id(), owner.accessToken()).status()).isEqualTo(403);

        // Removing and leaving end the account: its tokens stop working at once.
        assertThat(api().delete("/tenant/members/" + viewer.id(), owner.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/sites", viewer.token()).status()).isEqualTo(401);
        assertThat(api().delete("/tenant/members/" + viewer.id(), owner.accessToken()).status()).isEqualTo(404);
        assertThat(api().post("/tenant/leave", owner.accessToken(), null).status()).isEqualTo(204);
        assertThat(api().get("/me", owner.accessToken()).status()).isEqualTo(401);
        assertThat(rolesOf(admin.session())).containsExactly(Map.entry(admin.session().email(), "owner"));
    }

    @Test
    void aPlatformAdminCreatesATenantWhoseInvitedOwnerBecomesItsOwnerByAccepting() {
        Session root = Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");
        String name = Tenants.unique("closed");
        String email = name + "@example.com";
        ApiClient.Answer created = api().post("/admin/tenants", root.accessToken(),
                "{\"tenantName\":\"" + name + "\",\"ownerEmail\":\"" + email + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.json().get("tenant").get("name").asText()).isEqualTo(name);
        assertThat(created.json().get("invitation").get("role").asText()).isEqualTo("owner");
        assertThat(created.json().get("invitation").has("invitedBy")).isFalse();
        UUID tenantId = UUID.fromString(created.json().get("tenant").get("id").asText());

        ApiClient.Answer taken = api().post("/admin/tenants", root.accessToken(),
                "{\"tenantName\":\"" + name + "\",\"ownerEmail\":\"other-" + email + "\"}");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.problem()).isEqualTo("name-taken");
        assertThat(api().post("/admin/tenants", root.accessToken(), "{\"tenantName\":\"Not A Label\",\"ownerEmail\":\"" + email + "\"}")
                .status()).isEqualTo(400);

        assertThat(accept(tokenMailedTo(email), NEW_PASSWORD).json().get("role").asText()).isEqualTo("owner");
        Session owner = Tenants.login(api(), email, NEW_PASSWORD, tenantId, name);
        assertThat(api().get("/me", owner.accessToken()).json().get("tenantId").asText()).isEqualTo(tenantId.toString());
        assertThat(rolesOf(owner)).containsExactly(Map.entry(email, "owner"));
        assertThat(invite(owner, Tenants.unique("dev") + "@example.com", "developer").status()).isEqualTo(201);
    }
}
