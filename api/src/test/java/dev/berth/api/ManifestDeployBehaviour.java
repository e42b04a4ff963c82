package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.FakeSiteHost;
import dev.berth.api.support.TestApp;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/**
 * Deploys by manifest (the digest deploy) through the HTTP API, once per database (see the
 * subclasses); every answer is checked against openapi.yaml.
 */
abstract class ManifestDeployBehaviour {
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    private ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    private FakeSiteHost host() {
        return ((TestApp) extension().getApplication()).host();
    }

    private void converge() {
        ((TestApp) extension().getApplication()).reconciler().runOnce();
        ((TestApp) extension().getApplication()).reconciler().runOnce();
    }

    private record Fixture(Session session, String site, UUID siteId) {
        String deploys() {
            return "/sites/" + site + "/deploys";
        }
    }

    private Fixture siteOnHost() {
        Session session = Tenants.signUp(api(), "man");
        String site = Tenants.unique("m");
        assertThat(api().post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        converge();
        UUID siteId = host().specs().values().stream().filter(s -> s.name().equals(site)).findFirst().orElseThrow().siteId();
        return new Fixture(session, site, siteId);
    }

    static String sha256(String content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** The manifest of {@code files} (path -> content), as a client computes it. */
    private static String manifest(Map<String, String> files) {
        List<String> entries = new ArrayList<>();
        files.forEach((path, content) -> entries.add("{\"path\":\"" + path + "\",\"sha256\":\"" + sha256(content) + "\"}"));
        return "{\"files\":[" + String.join(",", entries) + "]}";
    }

    private ApiClient.Answer putFile(Fixture fixture, String deployId, String sha256, String content) {
        return api().sendBytes("PUT", fixture.deploys() + "/" + deployId + "/files/" + sha256, fixture.session().accessToken(),
                content.getBytes(StandardCharsets.UTF_8), "application/octet-stream", Map.of());
    }

    private static List<String> required(ApiClient.Answer answer) {
        List<String> required = new ArrayList<>();
        JsonNode list = answer.json().get("required");
        if (list != null) {
            list.forEach(node -> required.add(node.asText()));
        }
        return required;
    }

    private Map<String, String> served(Fixture fixture) throws IOException {
        String release = host().specs().get(fixture.siteId()).release();
        Map<String, String> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(host().release(fixture.siteId(), release)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isFile()) {
                    files.put(entry.getName(), new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        return files;
    }

    @Test
    void onlyTheFilesThePlatformLacksAreUploadedAndTheLastOneSendsTheDeployLive() throws IOException {
        Fixture fixture = siteOnHost();
        String token = fixture.session().accessToken();
        Map<String, String> v1 = new LinkedHashMap<>();
        v1.put("index.html", "<h1>v1 " + fixture.site() + "</h1>");
        v1.put("css/site.css", "h1 { color: #" + fixture.site().hashCode() + " }");
        v1.put("copy/of/index.html", v1.get("index.html"));

        ApiClient.Answer created = api().post(fixture.deploys() + "/manifest", token, manifest(v1));
        assertThat(created.status()).as(created.toString()).isEqualTo(202);
        assertThat(created.json().get("source").asText()).isEqualTo("manifest");
        assertThat(created.json().get("status").asText()).isEqualTo("uploading");
        assertThat(created.header("Location")).endsWith("/deploys/" + created.json().get("id").asText());
        // Two distinct contents, each asked for once however many paths hold it.
        assertThat(required(created)).containsExactlyInAnyOrder(sha256(v1.get("index.html")), sha256(v1.get("css/site.css")));
        String deploy = created.json().get("id").asText();

        // Bytes that do not hash to the digest store nothing.
        ApiClient.Answer forged = putFile(fixture, deploy, sha256(v1.get("index.html")), "<h1>something else</h1>");
        assertThat(forged.status()).as(forged.toString()).isEqualTo(400);
        assertThat(required(api().get(fixture.deploys() + "/" + deploy, token))).hasSize(2);
        // A digest the manifest does not name is refused: the endpoint is no free storage.
        assertThat(putFile(fixture, deploy, sha256("stray"), "stray").status()).isEqualTo(400);

        ApiClient.Answer first = putFile(fixture, deploy, sha256(v1.get("index.html")), v1.get("index.html"));
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.json().get("status").asText()).isEqualTo("uploading");
        assertThat(required(first)).containsExactly(sha256(v1.get("css/site.css")));

        ApiClient.Answer last = putFile(fixture, deploy, sha256(v1.get("css/site.css")), v1.get("css/site.css"));
        assertThat(last.status()).as(last.toString()).isEqualTo(200);
        assertThat(last.json().get("status").asText()).isIn("installing", "live");
        assertThat(last.json().get("files").asInt()).isEqualTo(3);
        assertThat(required(last)).isEmpty();
        converge();
        assertThat(api().get(fixture.deploys() + "/" + deploy, token).json().get("status").asText()).isEqualTo("live");
        assertThat(served(fixture)).isEqualTo(v1);
        // Complete: it takes no more files.
        assertThat(putFile(fixture, deploy, sha256(v1.get("css/site.css")), v1.get("css/site.css")).status()).isEqualTo(409);

        // The next version changes one file: only that one is asked for.
        Map<String, String> v2 = new LinkedHashMap<>(v1);
        v2.put("index.html", "<h1>v2 " + fixture.site() + "</h1>");
        v2.remove("copy/of/index.html");
        ApiClient.Answer second = api().post(fixture.deploys() + "/manifest", token, manifest(v2));
        assertThat(required(second)).containsExactly(sha256(v2.get("index.html")));
        assertThat(putFile(fixture, second.json().get("id").asText(), sha256(v2.get("index.html")), v2.get("index.html")).status())
                .isEqualTo(200);
        converge();
        assertThat(served(fixture)).isEqualTo(v2);

        // A redeploy of known files needs no upload at all.
        ApiClient.Answer again = api().post(fixture.deploys() + "/manifest", token, manifest(v1));
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().get("status").asText()).isIn("installing", "live");
        assertThat(required(again)).isEmpty();
        converge();
        assertThat(served(fixture)).isEqualTo(v1);
    }

    @Test
    void aNewManifestSupersedesTheOneStillUploading() {
        Fixture fixture = siteOnHost();
        String token = fixture.session().accessToken();
        String content = "<p>never sent " + UUID.randomUUID() + "</p>";
        String stale = api().post(fixture.deploys() + "/manifest", token, manifest(Map.of("index.html", content))).json().get("id").asText();
        String fresh = api().post(fixture.deploys() + "/manifest", token, manifest(Map.of("index.html", content + "!")))
                .json().get("id").asText();

        JsonNode old = api().get(fixture.deploys() + "/" + stale, token).json();
        assertThat(old.get("status").asText()).isEqualTo("failed");
        assertThat(old.get("error").asText()).contains("superseded by deploy " + fresh);
        assertThat(putFile(fixture, stale, sha256(content), content).status()).isEqualTo(409);
        assertThat(api().get(fixture.deploys() + "/" + fresh, token).json().get("status").asText()).isEqualTo("uploading");
    }

    @Test
    void aManifestThatBreaksAnArchiveRuleIsRefusedAndChangesNothing() {
        Fixture fixture = siteOnHost();
        String token = fixture.session().accessToken();
        String digest = sha256("x");
        // The archive rules, with their own problem type (as a refused upload has).
        for (String body : List.of(
                "{\"files\":[{\"path\":\"../escape.html\",\"sha256\":\"" + digest + "\"}]}",
                "{\"files\":[{\"path\":\"/etc/passwd\",\"sha256\":\"" + digest + "\"}]}",
                "{\"files\":[{\"path\":\"a.html\",\"sha256\":\"" + digest + "\"},{\"path\":\"./a.html\",\"sha256\":\"" + digest + "\"}]}",
                "{\"files\":[{\"path\":\"docs\",\"sha256\":\"" + digest + "\"},{\"path\":\"docs/index.html\",\"sha256\":\"" + digest + "\"}]}",
                "{\"files\":[{\"path\":\"bad\\u0001name\",\"sha256\":\"" + digest + "\"}]}")) {
            ApiClient.Answer refused = api().post(fixture.deploys() + "/manifest", token, body);
            assertThat(refused.status()).as(body + " -> " + refused).isEqualTo(422);
            assertThat(refused.problem()).isEqualTo("content-refused");
        }
        // Malformed requests.
        for (String body : List.of(
                "{\"files\":[{\"path\":\"index.html\",\"sha256\":\"" + digest.toUpperCase() + "\"}]}",
                "{\"files\":[]}",
                "{\"files\":[{\"path\":\"index.html\",\"sha256\":\"" + digest + "\",\"mode\":\"0755\"}]}")) {
            ApiClient.Answer refused = api().post(fixture.deploys() + "/manifest", token, body);
            assertThat(refused.status()).as(body + " -> " + refused).isEqualTo(400);
            assertThat(refused.contentType()).startsWith("application/problem+json");
        }
        assertThat(api().get(fixture.deploys(), token).json().get("items")).isEmpty();
    }

    @Test
    void aFileOnlyAnotherTenantDeployedIsAskedForAndMustBeSent() throws IOException {
        Fixture first = siteOnHost();
        String secret = "<p>only the first tenant has this " + UUID.randomUUID() + "</p>";
        String deployed = api().post(first.deploys() + "/manifest", first.session().accessToken(), manifest(Map.of("index.html", secret)))
                .json().get("id").asText();
        assertThat(putFile(first, deployed, sha256(secret), secret).status()).isEqualTo(200);

        // Another tenant naming the same digest learns nothing: it is asked for, as an unknown file is.
        Fixture second = siteOnHost();
        ApiClient.Answer guess = api().post(second.deploys() + "/manifest", second.session().accessToken(),
                manifest(Map.of("index.html", secret)));
        assertThat(guess.json().get("status").asText()).isEqualTo("uploading");
        assertThat(required(guess)).containsExactly(sha256(secret));
        String id = guess.json().get("id").asText();
        // Claiming it without the bytes does not work; sending them does (the store keeps one copy).
        assertThat(putFile(second, id, sha256(secret), "<p>not it</p>").status()).isEqualTo(400);
        ApiClient.Answer sent = putFile(second, id, sha256(secret), secret);
        assertThat(sent.status()).isEqualTo(200);
        assertThat(sent.json().get("status").asText()).isIn("installing", "live");
        converge();
        assertThat(served(second)).containsEntry("index.html", secret);
    }

    @Test
    void anotherTenantsDeployAnswers404() {
        Fixture owner = siteOnHost();
        Session stranger = Tenants.signUp(api(), "str");
        String content = "<p>owner's</p>";
        String deploy = api().post(owner.deploys() + "/manifest", owner.session().accessToken(), manifest(Map.of("index.html", content)))
                .json().get("id").asText();
        ApiClient.Answer put = api().sendBytes("PUT", owner.deploys() + "/" + deploy + "/files/" + sha256(content),
                stranger.accessToken(), content.getBytes(StandardCharsets.UTF_8), "application/octet-stream", Map.of());
        assertThat(put.status()).isEqualTo(404);
        assertThat(api().get(owner.deploys() + "/" + deploy, owner.session().accessToken()).json().get("required")).hasSize(1);
    }
}
