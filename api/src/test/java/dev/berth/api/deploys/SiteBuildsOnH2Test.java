package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.TestApp;
import dev.berth.testkit.Archives;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A site's build step through the API, with the fake host's stand-in build (it hands back the
 * sources' output folder; the command {@code false} fails): the step's validation, a deploy that
 * builds then goes live with the output only, a failed build that keeps the live release.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class SiteBuildsOnH2Test {
    static final DropwizardAppExtension<dev.berth.api.BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test-deploys.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));

    private final ApiClient api = new ApiClient(APP.getLocalPort());

    private TestApp app() {
        return APP.getApplication();
    }

    private JsonNode awaitDeploy(Session session, String site, String id, String... statuses) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        JsonNode deploy = null;
        while (System.nanoTime() < deadline) {
            app().reconciler().runOnce();
            deploy = api.get("/sites/" + site + "/deploys/" + id, session.accessToken()).json();
            if (java.util.List.of(statuses).contains(deploy.path("status").asText())) {
                return deploy;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("deploy " + id + " never reached " + String.join("|", statuses) + ": " + deploy);
    }

    private Map<String, String> releaseFiles(UUID siteId, String releaseId) throws IOException {
        Map<String, String> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(app().host().release(siteId, releaseId)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isFile()) {
                    files.put(entry.getName(), new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        return files;
    }

    @Test
    void aSiteWithABuildStepPublishesItsOutputFolderAndAFailedBuildKeepsTheLiveRelease() throws Exception {
        Session session = Tenants.signUp(api, "bld");
        String site = Tenants.unique("b");
        assertThat(api.post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        app().reconciler().runOnce();
        UUID siteId = app().host().specs().values().stream().filter(s -> s.name().equals(site)).findFirst().orElseThrow().siteId();
        String path = "/sites/" + site + "/build";

        assertThat(api.get(path, session.accessToken()).status()).isEqualTo(404);
        for (String bad : java.util.List.of("{\"command\":\"hugo\",\"outputDirectory\":\"../etc\"}",
                "{\"command\":\"hugo\",\"outputDirectory\":\"/public\"}", "{\"command\":\"\",\"outputDirectory\":\"public\"}",
                "{\"command\":\"hugo\"}", "{\"command\":\"a\\u0000b\",\"outputDirectory\":\"public\"}")) {
            ApiClient.Answer refused = api.send("PUT", path, session.accessToken(), bad, "application/json", Map.of());
            assertThat(refused.status()).as(bad + " -> " + refused).isIn(400, 422);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        }
        assertThat(api.get(path, session.accessToken()).status()).as("nothing stored").isEqualTo(404);
        ApiClient.Answer set = api.send("PUT", path, session.accessToken(), "{\"command\":\"hugo --minify\",\"outputDirectory\":\"public\"}",
                "application/json", Map.of());
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(api.get(path, session.accessToken()).json().path("command").asText()).isEqualTo("hugo --minify");

        ApiClient.Answer accepted = api.sendBytes("POST", "/sites/" + site + "/deploys", session.accessToken(),
                Archives.zip(Archives.texts(Map.of("config.toml", "title = 'x'", "content/index.md", "# source",
                        "public/index.html", "<h1>built</h1>", "public/css/site.css", "h1{}"))), "application/zip", Map.of());
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        assertThat(accepted.json().path("status").asText()).isIn("building", "installing", "live");
        JsonNode live = awaitDeploy(session, site, accepted.json().path("id").asText(), "live", "failed");
        assertThat(live.path("status").asText()).as(live.toString()).isEqualTo("live");
        assertThat(live.path("log").toString()).contains("building with `hugo --minify`", "| fake build of `hugo --minify`", "built 2 files");
        assertThat(releaseFiles(siteId, app().host().specs().get(siteId).release()))
                .as("the output folder only, at the release's root").containsOnlyKeys("index.html", "css/site.css");
        assertThat(app().host().keptBuildOutputs()).as("the node's copy of the output is dropped").isZero();
        String liveRelease = app().host().specs().get(siteId).release();

        assertThat(api.send("PUT", path, session.accessToken(), "{\"command\":\"false\",\"outputDirectory\":\"public\"}",
                "application/json", Map.of()).status()).isEqualTo(200);
        ApiClient.Answer broken = api.sendBytes("POST", "/sites/" + site + "/deploys", session.accessToken(),
                Archives.zip(Archives.texts(Map.of("public/index.html", "<h1>never</h1>"))), "application/zip", Map.of());
        assertThat(broken.status()).isEqualTo(202);
        JsonNode failed = awaitDeploy(session, site, broken.json().path("id").asText(), "failed", "live");
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("error").asText()).contains("exited with 1");
        assertThat(app().host().specs().get(siteId).release()).as("the live release stays").isEqualTo(liveRelease);

        assertThat(api.delete(path, session.accessToken()).status()).isEqualTo(204);
        assertThat(api.delete(path, session.accessToken()).status()).isEqualTo(404);
        ApiClient.Answer plain = api.sendBytes("POST", "/sites/" + site + "/deploys", session.accessToken(),
                Archives.zip(Archives.texts(Map.of("index.html", "<h1>plain</h1>"))), "application/zip", Map.of());
        assertThat(awaitDeploy(session, site, plain.json().path("id").asText(), "live", "failed").path("log").toString())
                .doesNotContain("building");

        Session stranger = Tenants.signUp(api, "bldx");
        assertThat(api.get(path, stranger.accessToken()).status()).isEqualTo(404);
        assertThat(api.send("PUT", path, stranger.accessToken(), "{\"command\":\"x\",\"outputDirectory\":\"public\"}", "application/json",
                Map.of()).status()).isEqualTo(404);
    }
}
