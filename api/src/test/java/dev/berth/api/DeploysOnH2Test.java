package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.deploys.webhooks.PushPayloads;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.testkit.Archives;
import dev.berth.testkit.GitHttpServer;
import dev.berth.testkit.GitSshServer;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deploys through the API with the fake host: uploads, rollbacks, refused archives, Git sources
 * and webhooks (a real Git server on loopback, allowed by this test's configuration only).
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class DeploysOnH2Test {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-deploys.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));

    private final ApiClient api = new ApiClient(APP.getLocalPort());

    private TestApp app() {
        return APP.getApplication();
    }

    /** A signed-up tenant with one site the host already holds. */
    private record Fixture(Session session, String site, UUID siteId) {
    }

    private Fixture siteOnHost() {
        Session session = Tenants.signUp(api, "dep");
        String site = Tenants.unique("d");
        assertThat(api.post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        app().reconciler().runOnce();
        UUID siteId = app().host().specs().values().stream().filter(s -> s.name().equals(site)).findFirst().orElseThrow().siteId();
        return new Fixture(session, site, siteId);
    }

    private ApiClient.Answer upload(Fixture fixture, byte[] body, String type) {
        return send("POST", "/sites/" + fixture.site() + "/deploys", fixture.session().accessToken(), body, type, Map.of());
    }

    private ApiClient.Answer send(String method, String path, String token, byte[] body, String type, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1" + path))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        request.header("Content-Type", type);
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new ApiClient.Answer(method, path, response.statusCode(), response.headers().map(), response.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private void converge() {
        app().reconciler().runOnce();
        app().reconciler().runOnce();
    }

    private JsonNode deploy(Fixture fixture, String id) {
        return api.get("/sites/" + fixture.site() + "/deploys/" + id, fixture.session().accessToken()).json();
    }

    private String servedRelease(Fixture fixture) {
        return app().host().specs().get(fixture.siteId()).release();
    }

    private Map<String, String> releaseFiles(Fixture fixture, String releaseId) throws IOException {
        Map<String, String> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(app().host().release(fixture.siteId(), releaseId)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isFile()) {
                    files.put(entry.getName(), new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        return files;
    }

    @Test
    void uploadsGoLiveAndARollbackServesThePreviousReleaseAgain() throws IOException {
        Fixture fixture = siteOnHost();
        ApiClient.Answer first = upload(fixture, Archives.zip(Archives.texts(Map.of("html/index.html", "<h1>v1</h1>", "html/css/site.css", "h1{}"))), "application/zip");
        assertThat(first.status()).as(first.toString()).isEqualTo(202);
        // The answer carries the deploy's state when it was read: the app's own reconciler loop may
        // already have pushed it to the (instant) fake host and seen it live.
        assertThat(first.json().get("status").asText()).isIn("installing", "live");
        assertThat(first.json().get("files").asInt()).isEqualTo(2);
        String firstId = first.json().get("id").asText();
        converge();
        JsonNode live = deploy(fixture, firstId);
        assertThat(live.get("status").asText()).isEqualTo("live");
        assertThat(live.get("live").asBoolean()).isTrue();
        String firstRelease = servedRelease(fixture);
        // The single top-level folder is published from inside.
        assertThat(releaseFiles(fixture, firstRelease)).containsEntry("index.html", "<h1>v1</h1>").containsEntry("css/site.css", "h1{}");

        ApiClient.Answer second = upload(fixture, Archives.tarGz(Archives.texts(Map.of("index.html", "<h1>v2</h1>"))), "application/gzip");
        assertThat(second.status()).isEqualTo(202);
        converge();
        assertThat(deploy(fixture, second.json().get("id").asText()).get("status").asText()).isEqualTo("live");
        assertThat(deploy(fixture, firstId).get("status").asText()).isEqualTo("superseded");
        assertThat(releaseFiles(fixture, servedRelease(fixture))).containsEntry("index.html", "<h1>v2</h1>");

        ApiClient.Answer rollback = api.post("/sites/" + fixture.site() + "/deploys/" + firstId + "/rollback", fixture.session().accessToken(), null);
        assertThat(rollback.status()).isEqualTo(202);
        assertThat(rollback.json().get("source").asText()).isEqualTo("rollback");
        converge();
        assertThat(servedRelease(fixture)).isEqualTo(firstRelease);
        assertThat(deploy(fixture, rollback.json().get("id").asText()).get("status").asText()).isEqualTo("live");
        assertThat(deploy(fixture, second.json().get("id").asText()).get("status").asText()).isEqualTo("superseded");
        JsonNode history = api.get("/sites/" + fixture.site() + "/deploys", fixture.session().accessToken()).json().get("items");
        assertThat(history).hasSize(3);
        assertThat(history.get(0).get("source").asText()).isEqualTo("rollback");
    }

    private byte[] gunzip(byte[] gzipped) throws IOException {
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        }
    }

    private HttpResponse<byte[]> download(Fixture fixture, String deployId, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/sites/"
                        + fixture.site() + "/deploys/" + deployId + "/archive"))
                .header("Authorization", "Bearer " + token).GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aKeptReleaseDownloadsAsTheTarTheHostInstalledAndAPrunedOneIsGone() throws Exception {
        Fixture fixture = siteOnHost();
        java.util.List<String> deployIds = new java.util.ArrayList<>();
        for (int version = 1; version <= 7; version++) {
            ApiClient.Answer answer = upload(fixture, Archives.tarGz(Archives.texts(Map.of("index.html", "<h1>v" + version + "</h1>",
                    "css/theme.css", "h1{}"))), "application/gzip");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
            deployIds.add(answer.json().get("id").asText());
            converge();
        }
        String token = fixture.session().accessToken();
        HttpResponse<byte[]> kept = download(fixture, deployIds.get(6), token);
        assertThat(kept.statusCode()).isEqualTo(200);
        assertThat(kept.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/gzip"));
        assertThat(kept.headers().firstValue("Content-Disposition")).hasValueSatisfying(disposition ->
                assertThat(disposition).startsWith("attachment; filename=\"" + fixture.site() + "-"));
        assertThat(gunzip(kept.body())).isEqualTo(app().host().release(fixture.siteId(), servedRelease(fixture)));

        // Five releases are kept (test-deploys.yml): the first two are gone.
        HttpResponse<byte[]> pruned = download(fixture, deployIds.get(0), token);
        assertThat(pruned.statusCode()).isEqualTo(410);
        assertThat(new String(pruned.body(), StandardCharsets.UTF_8)).contains("https://berth.dev/problems/gone");
        assertThat(download(fixture, deployIds.get(2), token).statusCode()).isEqualTo(200);

        // Another tenant's site answers as if it did not exist; so does a deploy that published nothing.
        Session stranger = Tenants.signUp(api, "dep");
        assertThat(download(fixture, deployIds.get(6), stranger.accessToken()).statusCode()).isEqualTo(404);
        ApiClient.Answer refused = upload(fixture, Archives.zip(Archives.texts(Map.of("../escape.html", "evil"))), "application/zip");
        String failedId = api.get("/sites/" + fixture.site() + "/deploys?limit=1", token).json().get("items").get(0).get("id").asText();
        assertThat(refused.status()).isEqualTo(422);
        assertThat(download(fixture, failedId, token).statusCode()).isEqualTo(404);
    }

    @Test
    void aHostThatLostTheServedReleaseGetsItAgainFromTheContentStore() throws Exception {
        Fixture fixture = siteOnHost();
        assertThat(upload(fixture, Archives.zip(Archives.texts(Map.of("index.html", "<h1>kept</h1>"))), "application/zip").status())
                .isEqualTo(202);
        converge();
        String release = servedRelease(fixture);
        byte[] installed = app().host().release(fixture.siteId(), release);

        app().host().loseReleases(fixture.siteId());
        assertThat(app().host().release(fixture.siteId(), release)).isNull();
        converge();

        assertThat(app().host().release(fixture.siteId(), release)).isEqualTo(installed);
        assertThat(app().host().observe()).filteredOn(site -> site.siteId().equals(fixture.siteId()))
                .singleElement().satisfies(site -> {
                    assertThat(site.state()).isEqualTo(dev.berth.api.hosts.ObservedSite.State.RUNNING);
                    assertThat(site.missingRelease()).isNull();
                });
    }

    @Test
    void aRefusedArchiveLeavesTheLiveSiteAsItWas() throws IOException {
        Fixture fixture = siteOnHost();
        upload(fixture, Archives.zip(Archives.texts(Map.of("index.html", "good"))), "application/zip");
        converge();
        String live = servedRelease(fixture);
        for (String hostile : new String[] {"../escape.html", "/etc/cron.d/x", "a/../../x", "C:/windows/x", "dir\\..\\x"}) {
            ApiClient.Answer refused = upload(fixture, Archives.zip(Archives.texts(Map.of(hostile, "evil"))), "application/zip");
            assertThat(refused.status()).as(hostile).isEqualTo(422);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.problem()).isEqualTo("content-refused");
        }
        ApiClient.Answer notAnArchive = upload(fixture, "just text".getBytes(StandardCharsets.UTF_8), "application/zip");
        assertThat(notAnArchive.status()).isEqualTo(422);
        ApiClient.Answer wrongType = upload(fixture, Archives.zip(Archives.texts(Map.of("index.html", "x"))), "text/plain");
        assertThat(wrongType.status()).isEqualTo(415);
        converge();
        assertThat(servedRelease(fixture)).isEqualTo(live);
        JsonNode items = api.get("/sites/" + fixture.site() + "/deploys?limit=200", fixture.session().accessToken()).json().get("items");
        assertThat(items.findValuesAsText("status").stream().filter("failed"::equals).count()).isEqualTo(6);
        assertThat(items.findValuesAsText("status").stream().filter("live"::equals).count()).isEqualTo(1);
    }

    @Test
    void uploadsAreBoundedByTheTenantsQuota() throws IOException {
        Fixture fixture = siteOnHost();
        Session admin = Tenants.login(api, "root@berth.test", "admin-password-for-tests", null, "platform");
        String quota = "{\"maxSites\":10,\"maxRunningSites\":5,\"cpuMillicores\":1000,\"memoryMib\":512,\"pids\":256,\"diskMib\":1,"
                + "\"maxUploadMib\":1,\"apiRequestsPerMinute\":600}";
        assertThat(api.send("PUT", "/admin/tenants/" + fixture.session().tenantId() + "/quota", admin.accessToken(), quota,
                "application/json", Map.of()).status()).isEqualTo(200);
        ApiClient.Answer tooLarge = upload(fixture, dev.berth.api.deploys.archive.ArchiveCorpus.storedNoiseZip(2 * 1024 * 1024), "application/zip");
        assertThat(tooLarge.status()).as(tooLarge.toString()).isEqualTo(413);
        assertThat(tooLarge.problem()).isEqualTo("payload-too-large");
    }

    @Test
    void theDiskQuotaBoundsEveryReleaseKeptOfEverySiteAndUsageShowsIt() throws IOException {
        Fixture fixture = siteOnHost();
        String second = Tenants.unique("d2");
        assertThat(api.post("/sites", fixture.session().accessToken(), "{\"name\":\"" + second + "\"}").status()).isEqualTo(201);
        app().reconciler().runOnce();
        Session admin = Tenants.login(api, "root@berth.test", "admin-password-for-tests", null, "platform");
        String quota = "{\"maxSites\":10,\"maxRunningSites\":5,\"cpuMillicores\":1000,\"memoryMib\":512,\"pids\":256,\"diskMib\":1,"
                + "\"maxUploadMib\":1,\"apiRequestsPerMinute\":600}";
        assertThat(api.send("PUT", "/admin/tenants/" + fixture.session().tenantId() + "/quota", admin.accessToken(), quota,
                "application/json", Map.of()).status()).isEqualTo(200);
        byte[] noise = dev.berth.api.deploys.archive.ArchiveCorpus.storedNoiseZip(400 * 1024);
        assertThat(upload(fixture, noise, "application/zip").status()).isEqualTo(202);
        ApiClient.Answer onSecond = send("POST", "/sites/" + second + "/deploys", fixture.session().accessToken(), noise,
                "application/zip", Map.of());
        assertThat(onSecond.status()).as(onSecond.toString()).isEqualTo(202);
        converge();
        long stored = api.get("/tenant", fixture.session().accessToken()).json().get("usage").get("diskBytes").asLong();
        assertThat(stored).isBetween(2 * 400 * 1024L, 2 * 401 * 1024L);

        // Each deploy alone fits in 1 MiB; the third does not fit beside the two releases the host keeps.
        ApiClient.Answer third = upload(fixture, noise, "application/zip");
        assertThat(third.status()).as(third.toString()).isEqualTo(422);
        assertThat(third.problem()).isEqualTo("quota-exceeded");
        assertThat(api.get("/tenant", fixture.session().accessToken()).json().get("usage").get("diskBytes").asLong()).isEqualTo(stored);
        JsonNode history = api.get("/sites/" + fixture.site() + "/deploys", fixture.session().accessToken()).json().get("items");
        assertThat(history.get(0).get("status").asText()).isEqualTo("failed");
        assertThat(history.get(1).get("status").asText()).isEqualTo("live");
    }

    @Test
    void anotherTenantCannotDeployToOrReadTheDeploysOfASite() throws IOException {
        Fixture fixture = siteOnHost();
        Session stranger = Tenants.signUp(api, "str");
        ApiClient.Answer upload = send("POST", "/sites/" + fixture.site() + "/deploys", stranger.accessToken(),
                Archives.zip(Archives.texts(Map.of("index.html", "x"))), "application/zip", Map.of());
        assertThat(upload.status()).isEqualTo(404);
        assertThat(api.get("/sites/" + fixture.site() + "/deploys", stranger.accessToken()).status()).isEqualTo(404);
        assertThat(api.get("/sites/" + fixture.site() + "/git", stranger.accessToken()).status()).isEqualTo(404);
    }

    @Test
    void aSignedPushWebhookDeploysTheRepositoryOnce(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Fixture fixture = siteOnHost();
        try (Git git = Git.init().setDirectory(work.resolve("repo").toFile()).setInitialBranch("main").call()) {
            Files.createDirectories(work.resolve("repo/public"));
            Files.writeString(work.resolve("repo/public/index.html"), "<h1>from git</h1>");
            Files.writeString(work.resolve("repo/README.md"), "not published");
            git.add().addFilepattern(".").call();
            String commit = git.commit().setMessage("site").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com")
                    .setSign(false).call().getName();
            try (GitHttpServer server = new GitHttpServer(git.getRepository())) {
                for (String hostile : new String[] {"file:///etc/passwd", "http://10.0.0.1/x.git", "ssh://git@10.0.0.1/x.git",
                        "https://169.254.169.254/x.git", "ext::sh -c touch% /tmp/pwned"}) {
                    ApiClient.Answer refused = api.send("PUT", "/sites/" + fixture.site() + "/git", fixture.session().accessToken(),
                            "{\"repositoryUrl\":\"" + hostile + "\",\"branch\":\"main\"}", "application/json", Map.of());
                    assertThat(refused.status()).as(hostile).isEqualTo(400);
                    assertThat(refused.json().get("errors").get(0).get("field").asText()).isEqualTo("repositoryUrl");
                }
                ApiClient.Answer set = api.send("PUT", "/sites/" + fixture.site() + "/git", fixture.session().accessToken(),
                        "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\",\"path\":\"public\"}", "application/json", Map.of());
                assertThat(set.status()).as(set.toString()).isEqualTo(200);
                String secret = set.json().get("secret").asText();
                assertThat(set.json().get("webhookUrl").asText()).isEqualTo("https://berth.test/api/v1/hooks/git/" + fixture.site());
                assertThat(api.get("/sites/" + fixture.site() + "/git", fixture.session().accessToken()).json().has("secret")).isFalse();

                byte[] payload = PushPayloads.github("refs/heads/main", commit, false).getBytes(StandardCharsets.UTF_8);
                String delivery = UUID.randomUUID().toString();
                Map<String, String> headers = Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", delivery,
                        "X-Hub-Signature-256", "sha256=" + WebhookVerifier.sign(payload, secret));
                String hook = "/hooks/git/" + fixture.site();
                ApiClient.Answer forged = send("POST", hook, null, payload, "application/json",
                        Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", UUID.randomUUID().toString(),
                                "X-Hub-Signature-256", "sha256=" + WebhookVerifier.sign(payload, "wrong-secret")));
                assertThat(forged.status()).isEqualTo(401);
                ApiClient.Answer unsigned = send("POST", hook, null, payload, "application/json", Map.of("X-GitHub-Event", "push"));
                assertThat(unsigned.status()).isEqualTo(401);
                byte[] tag = PushPayloads.github("refs/tags/v1", commit, false).getBytes(StandardCharsets.UTF_8);
                ApiClient.Answer ignored = send("POST", hook, null, tag, "application/json",
                        Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", UUID.randomUUID().toString(),
                                "X-Hub-Signature-256", "sha256=" + WebhookVerifier.sign(tag, secret)));
                assertThat(ignored.status()).isEqualTo(202);
                assertThat(ignored.json().get("outcome").asText()).isEqualTo("ignored");

                long started = System.nanoTime();
                ApiClient.Answer queued = send("POST", hook, null, payload, "application/json", headers);
                assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000);
                assertThat(queued.status()).isEqualTo(202);
                assertThat(queued.json().get("outcome").asText()).isEqualTo("queued");
                ApiClient.Answer replay = send("POST", hook, null, payload, "application/json", headers);
                assertThat(replay.json().get("outcome").asText()).isEqualTo("duplicate");

                String deployId = queued.json().get("deployId").asText();
                JsonNode done = awaitLive(fixture, deployId);
                assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("live");
                assertThat(done.get("commit").asText()).isEqualTo(commit);
                assertThat(releaseFiles(fixture, servedRelease(fixture))).containsOnlyKeys("index.html").containsEntry("index.html", "<h1>from git</h1>");
                assertThat(api.get("/sites/" + fixture.site() + "/deploys", fixture.session().accessToken()).json().get("items")).hasSize(1);

                // A manual redeploy takes the branch's head without a push.
                Files.writeString(work.resolve("repo/public/index.html"), "<h1>redeployed</h1>");
                git.add().addFilepattern(".").call();
                String next = git.commit().setMessage("again").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com")
                        .setSign(false).call().getName();
                ApiClient.Answer redeploy = api.post("/sites/" + fixture.site() + "/redeploy", fixture.session().accessToken(), null);
                assertThat(redeploy.status()).as(redeploy.toString()).isEqualTo(202);
                assertThat(redeploy.json().get("source").asText()).isEqualTo("git");
                JsonNode again = awaitLive(fixture, redeploy.json().get("id").asText());
                assertThat(again.get("status").asText()).as(again.toString()).isEqualTo("live");
                assertThat(again.get("commit").asText()).isEqualTo(next);
                assertThat(releaseFiles(fixture, servedRelease(fixture))).containsEntry("index.html", "<h1>redeployed</h1>");
            }
        }
    }

    @Test
    void aPrivateRepositoryDeploysOverSshWithTheSitesDeployKeyWhosePrivateHalfIsNeverReturned(@org.junit.jupiter.api.io.TempDir Path work)
            throws Exception {
        Fixture fixture = siteOnHost();
        try (Git git = Git.init().setDirectory(work.resolve("repo").toFile()).setInitialBranch("main").call()) {
            Files.writeString(work.resolve("repo/index.html"), "<h1>private</h1>");
            git.add().addFilepattern(".").call();
            String commit = git.commit().setMessage("site").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com")
                    .setSign(false).call().getName();
            try (GitSshServer server = new GitSshServer(git.getRepository())) {
                String path = "/sites/" + fixture.site() + "/git";
                ApiClient.Answer mismatched = api.send("PUT", path, fixture.session().accessToken(),
                        "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\"}", "application/json", Map.of());
                assertThat(mismatched.status()).isEqualTo(400);
                ApiClient.Answer set = api.send("PUT", path, fixture.session().accessToken(),
                        "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\",\"credential\":\"deployKey\"}", "application/json",
                        Map.of());
                assertThat(set.status()).as(set.toString()).isEqualTo(200);
                String publicKey = set.json().get("deployPublicKey").asText();
                assertThat(publicKey).startsWith("ssh-ed25519 AAAA").endsWith(" berth-deploy-key-" + fixture.site());
                assertThat(set.json().get("deployKeyFingerprint").asText()).isEqualTo(dev.berth.api.deploys.git.DeployKeys.fingerprint(publicKey));
                assertThat(set.json().has("hostKeyFingerprint")).isFalse();
                server.authorize(org.apache.sshd.common.config.keys.AuthorizedKeyEntry.parseAuthorizedKeyEntry(publicKey)
                        .resolvePublicKey(null, null));

                ApiClient.Answer redeploy = api.post("/sites/" + fixture.site() + "/redeploy", fixture.session().accessToken(), null);
                assertThat(redeploy.status()).as(redeploy.toString()).isEqualTo(202);
                JsonNode done = awaitLive(fixture, redeploy.json().get("id").asText());
                assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("live");
                assertThat(done.get("commit").asText()).isEqualTo(commit);
                assertThat(releaseFiles(fixture, servedRelease(fixture))).containsEntry("index.html", "<h1>private</h1>");

                JsonNode shown = api.get(path, fixture.session().accessToken()).json();
                assertThat(shown.get("credential").asText()).isEqualTo("deployKey");
                assertThat(shown.get("deployPublicKey").asText()).isEqualTo(publicKey);
                assertThat(shown.get("hostKeyFingerprint").asText()).isEqualTo(dev.berth.api.deploys.git.DeployKeys.fingerprint(
                        org.apache.sshd.common.config.keys.PublicKeyEntry.toString(server.hostKey().getPublic())));
                assertThat(shown.toString()).doesNotContain("PRIVATE").doesNotContain("secretSealed").doesNotContain("\"secret\"");

                // Setting the source again keeps the key the Git host knows unless a new one is asked for.
                ApiClient.Answer again = api.send("PUT", path, fixture.session().accessToken(),
                        "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\",\"credential\":\"deployKey\"}", "application/json",
                        Map.of());
                assertThat(again.json().get("deployPublicKey").asText()).isEqualTo(publicKey);
                ApiClient.Answer rotated = api.send("PUT", path, fixture.session().accessToken(),
                        "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\",\"credential\":\"deployKey\",\"rotateDeployKey\":true}",
                        "application/json", Map.of());
                assertThat(rotated.json().get("deployPublicKey").asText()).isNotEqualTo(publicKey);
            }
        }
    }

    @Test
    void aPrivateRepositoryDeploysOverHttpsWithAnAccessTokenThatIsNeverReturned(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Fixture fixture = siteOnHost();
        try (Git git = Git.init().setDirectory(work.resolve("repo").toFile()).setInitialBranch("main").call()) {
            Files.writeString(work.resolve("repo/index.html"), "<h1>token</h1>");
            git.add().addFilepattern(".").call();
            git.commit().setMessage("site").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com").setSign(false).call();
            try (GitHttpServer server = new GitHttpServer(git.getRepository()).requireToken("oauth2", "glpat-s3cret")) {
                String path = "/sites/" + fixture.site() + "/git";
                ApiClient.Answer set = api.send("PUT", path, fixture.session().accessToken(), "{\"repositoryUrl\":\"" + server.url()
                        + "\",\"branch\":\"main\",\"credential\":\"token\",\"tokenUsername\":\"oauth2\",\"token\":\"glpat-s3cret\"}",
                        "application/json", Map.of());
                assertThat(set.status()).as(set.toString()).isEqualTo(200);
                assertThat(set.body()).doesNotContain("glpat-s3cret");
                ApiClient.Answer redeploy = api.post("/sites/" + fixture.site() + "/redeploy", fixture.session().accessToken(), null);
                JsonNode done = awaitLive(fixture, redeploy.json().get("id").asText());
                assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("live");
                assertThat(releaseFiles(fixture, servedRelease(fixture))).containsEntry("index.html", "<h1>token</h1>");
                JsonNode shown = api.get(path, fixture.session().accessToken()).json();
                assertThat(shown.get("credential").asText()).isEqualTo("token");
                assertThat(shown.get("tokenUsername").asText()).isEqualTo("oauth2");
                assertThat(shown.toString()).doesNotContain("glpat-s3cret");
                String stored = app().jdbi().withHandle(handle -> handle.createQuery("SELECT secret_sealed FROM git_sources WHERE site_id = :id")
                        .bind("id", fixture.siteId()).mapTo(String.class).one());
                assertThat(stored).doesNotContain("glpat-s3cret");

                // Changing the branch keeps the stored token when none is given.
                ApiClient.Answer kept = api.send("PUT", path, fixture.session().accessToken(), "{\"repositoryUrl\":\"" + server.url()
                        + "\",\"branch\":\"main\",\"credential\":\"token\",\"tokenUsername\":\"oauth2\"}", "application/json", Map.of());
                assertThat(kept.status()).isEqualTo(200);
                ApiClient.Answer second = api.post("/sites/" + fixture.site() + "/redeploy", fixture.session().accessToken(), null);
                assertThat(awaitLive(fixture, second.json().get("id").asText()).get("status").asText()).isEqualTo("live");
            }
        }
    }

    /** Runs the queued Git deploy (the background worker may take it first), then converges until it is live or 20 s pass. */
    private JsonNode awaitLive(Fixture fixture, String deployId) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && java.util.Set.of("queued", "unpacking").contains(deploy(fixture, deployId).get("status").asText())) {
            app().deployWorker().runOne();
            Thread.sleep(50);
        }
        // "installing" starts before the release is stored and sent to the host: converge until it is live.
        JsonNode done = deploy(fixture, deployId);
        while (System.nanoTime() < deadline && !done.get("status").asText().equals("live")) {
            converge();
            Thread.sleep(50);
            done = deploy(fixture, deployId);
        }
        return done;
    }

    @Test
    void aRedeployOfASiteWithoutGitIs404AndQueuesNothing() {
        Fixture fixture = siteOnHost();
        ApiClient.Answer answer = api.post("/sites/" + fixture.site() + "/redeploy", fixture.session().accessToken(), null);
        assertThat(answer.status()).isEqualTo(404);
        assertThat(api.get("/sites/" + fixture.site() + "/deploys", fixture.session().accessToken()).json().get("items")).isEmpty();
    }

    @Test
    void aWebhookForASiteWithoutGitIs404() {
        ApiClient.Answer answer = send("POST", "/hooks/git/" + Tenants.unique("nogit"), null, "{}".getBytes(StandardCharsets.UTF_8),
                "application/json", Map.of("X-GitHub-Event", "push"));
        assertThat(answer.status()).isEqualTo(404);
    }
}
