package dev.berth.api.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.berth.api.deploys.archive.ArchiveCorpus;
import dev.berth.api.deploys.git.TrapServer;
import dev.berth.api.deploys.webhooks.PushPayloads;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/**
 * What the hostile requests aim at, built once per run through the public API: an attacking tenant
 * ("owner", hostile towards its own resources and its neighbours) and a victim tenant, sites on the
 * fake host with a live release, a site deploying from Git with deliveries already received, and
 * personal access tokens of every kind. Built before any case captures state; {@link #settle()}
 * waits until the background reconciler and deploy worker have nothing left to do.
 */
final class World {
    /** The one repository the suite's configuration allowlists: a closed loopback port, so a fetch fails at once. */
    static final String ALLOWLISTED_REPOSITORY = "https://127.0.0.1:1/site.git";
    static final String COMMIT = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    final ApiClient api;
    final TestApp app;
    final BerthConfiguration config;
    final Path dataDirectory;
    final TrapServer trap;

    final Session owner;
    final Session victim;
    final Session admin;
    /** The owner's site, on the host, serving a live release. */
    final String site;
    /** Another site of the owner, outside {@link #siteToken}'s reach. */
    final String otherSite;
    /** The owner's site that deploys from Git, with a GitHub, a GitLab and a Gitea delivery already received. */
    final String gitSite;
    final String gitSecret;
    final String victimSite;
    final String victimGitSecret;
    /** A deploy of {@link #site} that was refused, so it never went live. */
    final String failedDeploy;
    /** Delivery ids already received for {@link #gitSite}, by Git host. */
    final Map<String, String> deliveries = Map.of("github", "gh-first-delivery", "gitlab", "gl-first-delivery", "gitea", "gt-first-delivery");

    /** Personal access tokens of the owner: read only; read+write limited to {@link #site}; read+write; revoked; expired. */
    final String readToken;
    final String siteToken;
    final String writeToken;
    final String revokedToken;
    final String expiredToken;
    final String victimTokenId;

    /** The tenants' custom-domain tokens (made during setup, so that no case is the first to ask). */
    final String ownerDomainToken;
    final String victimDomainToken;
    /** A custom domain of {@link #victimSite}, proven by its TXT record and served. */
    final String victimDomain;

    final DecodedJWT victimClaims;
    final byte[] signingKey;
    final String keyId;

    World(ApiClient api, TestApp app, BerthConfiguration config, Path dataDirectory) throws Exception {
        this.api = api;
        this.app = app;
        this.config = config;
        this.dataDirectory = dataDirectory;
        this.trap = new TrapServer();
        owner = Tenants.signUp(api, "hostile");
        victim = Tenants.signUp(api, "victim");
        admin = Tenants.login(api, "root@berth.test", "admin-password-for-tests", null, "platform");
        // Room for every case under the rate limit; uploads over 1 MiB are refused with 413.
        expect(api.send("PUT", "/admin/tenants/" + owner.tenantId() + "/quota", admin.accessToken(),
                "{\"maxSites\":10,\"maxRunningSites\":10,\"cpuMillicores\":1000,\"memoryMib\":512,\"pids\":256,\"diskMib\":1024,"
                        + "\"maxUploadMib\":1,\"apiRequestsPerMinute\":100000}", "application/json", Map.of()), 200);

        site = createSite(owner, "live");
        otherSite = createSite(owner, "other");
        gitSite = createSite(owner, "git");
        victimSite = createSite(victim, "prized");
        converge();
        expect(api.sendBytes("POST", "/sites/" + site + "/deploys", owner.accessToken(), ArchiveCorpus.honestZip("index.html", "<h1>live</h1>"),
                "application/zip", Map.of()), 202);
        expect(api.sendBytes("POST", "/sites/" + site + "/deploys", owner.accessToken(), "not an archive".getBytes(StandardCharsets.UTF_8),
                "application/zip", Map.of()), 422);
        converge();
        failedDeploy = api.get("/sites/" + site + "/deploys", owner.accessToken()).json().findParents("status").stream()
                .filter(deploy -> deploy.get("status").asText().equals("failed")).findFirst().orElseThrow().get("id").asText();

        gitSecret = expect(api.send("PUT", "/sites/" + gitSite + "/git", owner.accessToken(),
                "{\"repositoryUrl\":\"" + ALLOWLISTED_REPOSITORY + "\",\"branch\":\"main\"}", "application/json", Map.of()), 200)
                .json().get("secret").asText();
        victimGitSecret = expect(api.send("PUT", "/sites/" + victimSite + "/git", victim.accessToken(),
                "{\"repositoryUrl\":\"https://github.com/octo/site.git\",\"branch\":\"main\"}", "application/json", Map.of()), 200)
                .json().get("secret").asText();
        receiveFirstDeliveries();

        readToken = token(owner, "{\"name\":\"read\",\"scopes\":[\"read\"]}");
        siteToken = token(owner, "{\"name\":\"site\",\"scopes\":[\"read\",\"write\"],\"siteName\":\"" + site + "\"}");
        writeToken = token(owner, "{\"name\":\"write\",\"scopes\":[\"read\",\"write\"]}");
        ApiClient.Answer revoked = api.post("/tokens", owner.accessToken(), "{\"name\":\"revoked\",\"scopes\":[\"read\",\"write\"]}");
        revokedToken = revoked.json().get("token").asText();
        expect(api.delete("/tokens/" + revoked.json().get("id").asText(), owner.accessToken()), 204);
        ApiClient.Answer expiring = api.post("/tokens", owner.accessToken(), "{\"name\":\"expired\",\"scopes\":[\"read\",\"write\"],\"expiresInDays\":1}");
        expiredToken = expiring.json().get("token").asText();
        // Expired yesterday, before its first use (the token cache has never seen it).
        app.jdbi().useHandle(handle -> handle.createUpdate("UPDATE personal_access_tokens SET expires_at = :past WHERE id = :id")
                .bind("past", java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusDays(1))
                .bind("id", UUID.fromString(expiring.json().get("id").asText())).execute());
        victimTokenId = api.post("/tokens", victim.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\"]}").json().get("id").asText();

        ownerDomainToken = expect(api.get("/tenant", owner.accessToken()), 200).json().get("domainToken").asText();
        victimDomainToken = expect(api.get("/tenant", victim.accessToken()), 200).json().get("domainToken").asText();
        victimDomain = Tenants.unique("shop") + ".example.org";
        app.resolver().answer(victimDomain, "192.0.2.10").text("_berth-challenge." + victimDomain, victimDomainToken);
        ApiClient.Answer domain = expect(api.post("/sites/" + victimSite + "/domains", victim.accessToken(),
                "{\"hostname\":\"" + victimDomain + "\"}"), 201);
        assertThat(domain.json().get("status").asText()).as(domain.toString()).isEqualTo("verified");

        victimClaims = JWT.decode(victim.accessToken());
        keyId = config.auth.activeSigningKey;
        signingKey = Base64.getDecoder().decode(config.auth.signingKeys.get(keyId));
        settle();
    }

    private String createSite(Session session, String prefix) {
        String name = Tenants.unique(prefix);
        expect(api.post("/sites", session.accessToken(), "{\"name\":\"" + name + "\"}"), 201);
        return name;
    }

    private String token(Session session, String body) {
        return expect(api.post("/tokens", session.accessToken(), body), 201).json().get("token").asText();
    }

    /** One signed push per Git host, so that their delivery ids are known; each queued deploy fails on the closed port. */
    private void receiveFirstDeliveries() throws Exception {
        byte[] github = PushPayloads.github("refs/heads/main", COMMIT, false).getBytes(StandardCharsets.UTF_8);
        expectQueued(api.sendBytes("POST", "/hooks/git/" + gitSite, null, github, "application/json", Map.of("X-GitHub-Event", "push",
                "X-GitHub-Delivery", deliveries.get("github"), "X-Hub-Signature-256", "sha256=" + WebhookVerifier.sign(github, gitSecret))));
        byte[] gitlab = PushPayloads.gitlab("refs/heads/main", COMMIT, COMMIT).getBytes(StandardCharsets.UTF_8);
        expectQueued(api.sendBytes("POST", "/hooks/git/" + gitSite, null, gitlab, "application/json", Map.of("X-Gitlab-Event", "Push Hook",
                "X-Gitlab-Event-UUID", deliveries.get("gitlab"), "X-Gitlab-Token", gitSecret)));
        byte[] gitea = PushPayloads.gitea("refs/heads/main", COMMIT).getBytes(StandardCharsets.UTF_8);
        expectQueued(api.sendBytes("POST", "/hooks/git/" + gitSite, null, gitea, "application/json", Map.of("X-Gitea-Event", "push",
                "X-Gitea-Delivery", deliveries.get("gitea"), "X-Gitea-Signature", WebhookVerifier.sign(gitea, gitSecret))));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (app.jdbi().withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM deploys WHERE status IN ('queued', 'unpacking')")
                .mapTo(Integer.class).one()) > 0) {
            assertThat(System.nanoTime()).as("the queued Git deploys did not finish").isLessThan(deadline);
            app.deployWorker().runOne();
            Thread.sleep(20);
        }
        assertThat(trap.connections()).isZero();
    }

    private static void expectQueued(ApiClient.Answer answer) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
        assertThat(answer.json().get("outcome").asText()).as(answer.toString()).isEqualTo("queued");
    }

    void converge() {
        app.reconciler().runOnce();
        app.reconciler().runOnce();
    }

    /** Waits until two captures, a moment apart, agree: nothing the setup started is still writing. */
    void settle() throws InterruptedException {
        StateSnapshot previous = capture();
        for (int attempt = 0; attempt < 100; attempt++) {
            converge();
            Thread.sleep(50);
            StateSnapshot now = capture();
            if (now.equals(previous)) {
                return;
            }
            previous = now;
        }
        throw new AssertionError("the world did not settle: " + previous.unexplainedChanges(capture(), java.util.Set.of(), 0));
    }

    StateSnapshot capture() {
        return StateSnapshot.capture(app.jdbi(), dataDirectory, app.host());
    }

    private static ApiClient.Answer expect(ApiClient.Answer answer, int status) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        return answer;
    }
}
