package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.deploys.webhooks.PushPayloads;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.testkit.GitHttpServer;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Branch previews through the HTTP API, once per database (see the subclasses): a push to another
 * branch than the site's deploys {@code BRANCH--SITE} from a real Git server on loopback; deleting
 * the branch, deleting the site or {@code deploys.previewDays} without a push removes it. Every
 * answer is checked against openapi.yaml. The application runs on {@link TestApp.WithMutableClock}.
 */
abstract class PreviewsBehaviour {
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    private ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    private TestApp app() {
        return (TestApp) extension().getApplication();
    }

    private void converge() {
        app().reconciler().runOnce();
        app().reconciler().runOnce();
    }

    /** A tenant's site on the host, deploying {@code repository}'s main branch from its public folder. */
    private record Fixture(Session session, String site, String secret) {
        String hook() {
            return "/hooks/git/" + site;
        }

        String previews() {
            return "/sites/" + site + "/previews";
        }
    }

    private Fixture siteFromGit(String repositoryUrl) {
        Session session = Tenants.signUp(api(), "prev");
        String site = Tenants.unique("p");
        assertThat(api().post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        converge();
        ApiClient.Answer set = api().send("PUT", "/sites/" + site + "/git", session.accessToken(),
                "{\"repositoryUrl\":\"" + repositoryUrl + "\",\"branch\":\"main\",\"path\":\"public\"}", "application/json", Map.of());
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        return new Fixture(session, site, set.json().get("secret").asText());
    }

    /** A GitHub push of {@code commit} to {@code branch} (a deletion when the commit is null), as a fresh delivery unless one is given. */
    private ApiClient.Answer push(Fixture fixture, String branch, String commit, String delivery) {
        String payload = commit == null ? PushPayloads.github("refs/heads/" + branch, "0".repeat(40), true)
                : PushPayloads.github("refs/heads/" + branch, commit, false);
        return api().send("POST", fixture.hook(), null, payload, "application/json", Map.of("X-GitHub-Event", "push",
                "X-GitHub-Delivery", delivery, "X-Hub-Signature-256",
                "sha256=" + WebhookVerifier.sign(payload.getBytes(StandardCharsets.UTF_8), fixture.secret())));
    }

    private ApiClient.Answer push(Fixture fixture, String branch, String commit) {
        return push(fixture, branch, commit, UUID.randomUUID().toString());
    }

    private JsonNode awaitDone(Session session, String site, String deployId) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String path = "/sites/" + site + "/deploys/" + deployId;
        JsonNode deploy = api().get(path, session.accessToken()).json();
        while (System.nanoTime() < deadline && !Set.of("live", "failed").contains(deploy.get("status").asText())) {
            app().deployWorker().runOne();
            converge();
            Thread.sleep(50);
            deploy = api().get(path, session.accessToken()).json();
        }
        return deploy;
    }

    private String servedIndex(String site) throws IOException {
        var spec = app().host().specs().values().stream().filter(s -> s.name().equals(site)).findFirst().orElseThrow();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(app().host().release(spec.siteId(),
                spec.release())))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.getName().equals("index.html")) {
                    return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no index.html served by " + site);
    }

    /** The site is being deleted or gone already (its node hears at once), and gone once the reconciler ran. */
    private void assertRemoved(Session session, String site) {
        ApiClient.Answer now = api().get("/sites/" + site, session.accessToken());
        assertThat(now.status() == 404 || now.json().get("observedState").asText().equals("deleting")).as(now.toString()).isTrue();
        converge();
        assertThat(api().get("/sites/" + site, session.accessToken()).status()).isEqualTo(404);
        assertThat(app().host().specs().values()).noneMatch(spec -> spec.name().equals(site));
    }

    private static String commit(Git git, Path work, String content) throws Exception {
        Files.createDirectories(work.resolve("repo/public"));
        Files.writeString(work.resolve("repo/public/index.html"), content);
        git.add().addFilepattern(".").call();
        return git.commit().setMessage(content).setAuthor("T", "t@example.com").setCommitter("T", "t@example.com").setSign(false).call()
                .getName();
    }

    @Test
    void aPushToAnotherBranchDeploysItsPreviewAndLaterPushesRedeployItUntilTheBranchIsDeleted(@TempDir Path work) throws Exception {
        try (Git git = Git.init().setDirectory(work.resolve("repo").toFile()).setInitialBranch("main").call()) {
            commit(git, work, "<h1>main</h1>");
            git.checkout().setCreateBranch(true).setName("Feature/Login").call();
            String first = commit(git, work, "<h1>feature one</h1>");
            try (GitHttpServer server = new GitHttpServer(git.getRepository())) {
                Fixture fixture = siteFromGit(server.url());
                String preview = "feature-login--" + fixture.site();
                Instant pushedAt = TestApp.WithMutableClock.CLOCK.instant();
                String delivery = UUID.randomUUID().toString();
                ApiClient.Answer queued = push(fixture, "Feature/Login", first, delivery);
                assertThat(queued.status()).as(queued.toString()).isEqualTo(202);
                assertThat(queued.json().get("outcome").asText()).isEqualTo("queued");
                assertThat(queued.json().get("preview").asText()).isEqualTo(preview);
                assertThat(push(fixture, "Feature/Login", first, delivery).json().get("outcome").asText()).isEqualTo("duplicate");

                JsonNode live = awaitDone(fixture.session(), preview, queued.json().get("deployId").asText());
                assertThat(live.get("status").asText()).as(live.toString()).isEqualTo("live");
                assertThat(live.get("commit").asText()).isEqualTo(first);
                assertThat(servedIndex(preview)).isEqualTo("<h1>feature one</h1>");
                assertThat(app().host().specs().values().stream().filter(s -> s.name().equals(fixture.site())).findFirst().orElseThrow()
                        .release()).as("the site itself is untouched").isNull();

                JsonNode listed = api().get(fixture.previews(), fixture.session().accessToken()).json().get("items");
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).get("branch").asText()).isEqualTo("Feature/Login");
                assertThat(listed.get(0).get("site").asText()).isEqualTo(preview);
                assertThat(listed.get(0).get("hostname").asText()).isEqualTo(preview + ".berth.test");
                assertThat(listed.get(0).get("liveDeployId").asText()).isEqualTo(live.get("id").asText());
                assertThat(listed.get(0).get("lastDeployStatus").asText()).isEqualTo("live");
                assertThat(Duration.between(Instant.parse(listed.get(0).get("lastPushAt").asText()),
                        Instant.parse(listed.get(0).get("expiresAt").asText()))).isEqualTo(Duration.ofDays(7));
                assertThat(Instant.parse(listed.get(0).get("lastPushAt").asText())).isAfterOrEqualTo(pushedAt.minusMillis(1));
                JsonNode previewSite = api().get("/sites/" + preview, fixture.session().accessToken()).json();
                assertThat(previewSite.path("name").asText()).as("a preview is a site").isEqualTo(preview);
                assertThat(previewSite.path("previewOf").path("site").asText()).isEqualTo(fixture.site());
                assertThat(previewSite.path("previewOf").path("branch").asText()).isEqualTo("Feature/Login");
                JsonNode sites = api().get("/sites", fixture.session().accessToken()).json().get("items");
                for (JsonNode listedSite : sites) {
                    assertThat(listedSite.has("previewOf")).as(listedSite.toString()).isEqualTo(listedSite.path("name").asText().equals(preview));
                }

                String second = commit(git, work, "<h1>feature two</h1>");
                ApiClient.Answer again = push(fixture, "Feature/Login", second);
                assertThat(again.json().get("preview").asText()).isEqualTo(preview);
                assertThat(awaitDone(fixture.session(), preview, again.json().get("deployId").asText()).get("status").asText()).isEqualTo("live");
                assertThat(servedIndex(preview)).isEqualTo("<h1>feature two</h1>");
                assertThat(api().get(fixture.previews(), fixture.session().accessToken()).json().get("items")).hasSize(1);

                // A preview redeploys its branch's head, and takes its Git source from its site only.
                String third = commit(git, work, "<h1>feature three</h1>");
                ApiClient.Answer redeploy = api().post("/sites/" + preview + "/redeploy", fixture.session().accessToken(), null);
                assertThat(redeploy.status()).as(redeploy.toString()).isEqualTo(202);
                JsonNode redeployed = awaitDone(fixture.session(), preview, redeploy.json().get("id").asText());
                assertThat(redeployed.get("commit").asText()).as(redeployed.toString()).isEqualTo(third);
                ApiClient.Answer ownSource = api().send("PUT", "/sites/" + preview + "/git", fixture.session().accessToken(),
                        "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\"}", "application/json", Map.of());
                assertThat(ownSource.status()).isEqualTo(409);

                ApiClient.Answer removed = push(fixture, "Feature/Login", null);
                assertThat(removed.status()).isEqualTo(202);
                assertThat(removed.json().get("outcome").asText()).isEqualTo("removed");
                assertThat(removed.json().get("preview").asText()).isEqualTo(preview);
                assertRemoved(fixture.session(), preview);
                assertThat(api().get(fixture.previews(), fixture.session().accessToken()).json().get("items")).isEmpty();
                assertThat(push(fixture, "Feature/Login", null).json().get("outcome").asText()).isEqualTo("ignored");
            }
        }
    }

    @Test
    void aNewPreviewPastTheSiteQuotaIsRefusedWithTheReasonAndChangesNothing() {
        Fixture fixture = siteFromGit("http://127.0.0.1:9/site.git");
        Session admin = Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");
        Tenants.setQuota(api(), admin.accessToken(), fixture.session().tenantId(), 2, 10, 100_000);
        assertThat(push(fixture, "one", PushPayloads.COMMIT).json().get("outcome").asText()).isEqualTo("queued");

        String delivery = UUID.randomUUID().toString();
        ApiClient.Answer refused = push(fixture, "two", PushPayloads.COMMIT, delivery);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.problem()).isEqualTo("quota-exceeded");
        assertThat(refused.json().get("detail").asText()).contains("at most 2 sites", "branch preview", "'two'");
        assertThat(api().get(fixture.previews(), fixture.session().accessToken()).json().get("items")).hasSize(1);
        assertThat(api().get("/sites", fixture.session().accessToken()).json().get("items")).hasSize(2);
        // The refused delivery was not recorded: once there is room, the Git host's redelivery deploys.
        Tenants.setQuota(api(), admin.accessToken(), fixture.session().tenantId(), 3, 10, 100_000);
        assertThat(push(fixture, "two", PushPayloads.COMMIT, delivery).json().get("outcome").asText()).isEqualTo("queued");
        // The existing preview still takes pushes at a full quota.
        assertThat(push(fixture, "one", PushPayloads.COMMIT).json().get("outcome").asText()).isEqualTo("queued");
    }

    @Test
    void deletingTheSiteDeletesItsPreviews() {
        Fixture fixture = siteFromGit("http://127.0.0.1:9/site.git");
        String preview = push(fixture, "dev", PushPayloads.COMMIT).json().get("preview").asText();
        converge();
        assertThat(api().delete("/sites/" + fixture.site(), fixture.session().accessToken()).status()).isEqualTo(202);
        assertRemoved(fixture.session(), preview);
        assertRemoved(fixture.session(), fixture.site());
    }

    @Test
    void previewsNotPushedForPreviewDaysAreSweptAndOnesPushedSinceStay() {
        Fixture fixture = siteFromGit("http://127.0.0.1:9/site.git");
        String stale = push(fixture, "stale", PushPayloads.COMMIT).json().get("preview").asText();
        String fresh = push(fixture, "fresh", PushPayloads.COMMIT).json().get("preview").asText();
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofDays(4));
        assertThat(push(fixture, "fresh", PushPayloads.COMMIT).json().get("outcome").asText()).isEqualTo("queued");
        assertThat(app().previewSweep().getAsInt()).isZero();
        TestApp.WithMutableClock.CLOCK.advance(Duration.ofDays(3).plusMinutes(1));
        assertThat(app().previewSweep().getAsInt()).isEqualTo(1);
        assertThat(app().previewSweep().getAsInt()).as("a preview being removed is not removed twice").isZero();

        // Access tokens expired while the clock moved on: log in again.
        Session session = Tenants.login(api(), fixture.session().email(), Tenants.PASSWORD, fixture.session().tenantId(),
                fixture.session().tenantName());
        assertRemoved(session, stale);
        assertThat(api().get("/sites/" + fresh, session.accessToken()).json().get("observedState").asText()).isNotEqualTo("deleting");
        JsonNode left = api().get(fixture.previews(), session.accessToken()).json().get("items");
        assertThat(left).hasSize(1);
        assertThat(left.get(0).get("branch").asText()).isEqualTo("fresh");
    }

    @Test
    void aTenantCannotNameASiteWithTheSeparatorOfPreviews() {
        Session session = Tenants.signUp(api(), "sep");
        ApiClient.Answer refused = api().post("/sites", session.accessToken(), "{\"name\":\"dev--blog\"}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("errors").get(0).get("field").asText()).isEqualTo("name");
        assertThat(api().get("/sites", session.accessToken()).json().get("items")).isEmpty();
    }
}
