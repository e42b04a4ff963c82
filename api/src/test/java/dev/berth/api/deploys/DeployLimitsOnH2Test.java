package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.deploys.webhooks.PushPayloads;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Webhook deliveries are limited per site and per refusing address, and a tenant's queue is bounded. */
@ExtendWith(DropwizardExtensionsSupport.class)
class DeployLimitsOnH2Test {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-limits.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));

    private final ApiClient api = new ApiClient(APP.getLocalPort());

    private record GitSite(Session session, String name, UUID id, String secret) {
    }

    private GitSite gitSite(Session session) {
        String name = Tenants.unique("hook");
        assertThat(api.post("/sites", session.accessToken(), "{\"name\":\"" + name + "\"}").status()).isEqualTo(201);
        ApiClient.Answer source = api.send("PUT", "/sites/" + name + "/git", session.accessToken(),
                "{\"repositoryUrl\":\"http://127.0.0.1:1/site.git\",\"branch\":\"main\"}", "application/json", Map.of());
        assertThat(source.status()).as(source.toString()).isEqualTo(200);
        UUID id = APP.<TestApp>getApplication().jdbi().withHandle(handle -> handle.createQuery("SELECT id FROM sites WHERE name = :name")
                .bind("name", name).mapTo(UUID.class).one());
        return new GitSite(session, name, id, source.json().get("secret").asText());
    }

    /** A push of {@code branch}, or of a full ref such as a tag's ({@code refs/tags/v1}). */
    private ApiClient.Answer push(GitSite site, String branch, String secret) {
        byte[] payload = PushPayloads.github(branch.startsWith("refs/") ? branch : "refs/heads/" + branch, "6dcb09b5b57875f334f61aebed695e2e4193db5e", false)
                .getBytes(StandardCharsets.UTF_8);
        return api.sendBytes("POST", "/hooks/git/" + site.name(), null, payload, "application/json",
                Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", UUID.randomUUID().toString(),
                        "X-Hub-Signature-256", "sha256=" + WebhookVerifier.sign(payload, secret)));
    }

    @Test
    void deliveriesArePerSiteLimitedTheQueueIsBoundedAndRefusalsAreLimitedPerAddress() {
        Session session = Tenants.signUp(api, "lim");
        GitSite chatty = gitSite(session);
        GitSite other = gitSite(session);
        GitSite held = gitSite(session);

        // Three authenticated deliveries a minute per site (pushes of a tag: acknowledged, nothing queued).
        for (int delivery = 0; delivery < 3; delivery++) {
            assertThat(push(chatty, "refs/tags/v1", chatty.secret()).json().get("outcome").asText()).isEqualTo("ignored");
        }
        ApiClient.Answer limited = push(chatty, "refs/tags/v1", chatty.secret());
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.problem()).isEqualTo("rate-limited");
        assertThat(limited.header("Retry-After")).matches("[1-9][0-9]*");
        assertThat(limited.header("RateLimit-Limit")).isEqualTo("3");
        assertThat(push(other, "refs/tags/v1", other.secret()).status()).as("another site has its own budget").isEqualTo(202);

        // The tenant's queue holds two deploys. A deploy running on `held` keeps its queued ones waiting.
        APP.<TestApp>getApplication().jdbi().useHandle(handle -> handle.createUpdate("""
                        INSERT INTO deploys (id, site_id, tenant_id, source, release_id, status, bytes, files, created_at, updated_at, started_at)
                        VALUES (:id, :site, :tenant, 'git', :release, 'unpacking', 0, 0, :now, :now, :now)
                        """).bind("id", UUID.randomUUID()).bind("site", held.id()).bind("tenant", session.tenantId())
                .bind("release", "held-" + UUID.randomUUID().toString().substring(0, 8)).bind("now", Instant.now()).execute());
        assertThat(push(held, "main", held.secret()).json().get("outcome").asText()).isEqualTo("queued");
        assertThat(push(held, "main", held.secret()).json().get("outcome").asText()).isEqualTo("queued");
        ApiClient.Answer full = push(held, "main", held.secret());
        assertThat(full.status()).as(full.toString()).isEqualTo(429);
        assertThat(full.json().get("detail").asText()).contains("queued");

        // Refused deliveries count against the address that sends them: four, then even a good one waits.
        for (int forged = 0; forged < 4; forged++) {
            assertThat(push(other, "main", "wrong-secret").status()).isEqualTo(401);
        }
        assertThat(push(other, "refs/tags/v1", other.secret()).status()).isEqualTo(429);
    }
}
