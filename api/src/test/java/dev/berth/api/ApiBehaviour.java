package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.hosts.HostException;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Contract;
import dev.berth.api.support.FakeSiteHost;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The API's behaviour through HTTP with raw JSON, against the real application with a fake host.
 * Runs once per database (see the subclasses); every answer is checked against openapi.yaml.
 */
abstract class ApiBehaviour {
    /** Operations that must answer without credentials. */
    private static final Set<String> PUBLIC = Set.of("getHealth", "getOpenApiSpec", "signup", "login", "refresh", "receiveGitWebhook", "joinNode",
            "getPlatform", "requestPasswordReset", "confirmPasswordReset", "confirmEmailVerification", "acceptInvitation");

    /** The running application this class's tests talk to. */
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    FakeSiteHost host() {
        return app().host();
    }

    Session admin() {
        return Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");
    }

    private ApiClient.Answer createSite(Session session, String name) {
        return api().post("/sites", session.accessToken(), "{\"name\":\"" + name + "\"}");
    }

    private void setQuota(Session admin, UUID tenantId, int maxSites, int maxRunning, int requestsPerMinute) {
        Tenants.setQuota(api(), admin.accessToken(), tenantId, maxSites, maxRunning, requestsPerMinute);
    }

    @Test
    void healthIsPublicAndTheContractIsServed() {
        ApiClient.Answer health = api().get("/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");
        ApiClient.Answer spec = api().get("/openapi.yaml", null);
        assertThat(spec.status()).isEqualTo(200);
        assertThat(spec.body()).startsWith("openapi: 3.0.3");
    }

    @Test
    void everyOperationButThePublicOnesAnswers401WithoutValidCredentials() {
        String forgedNone = base64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"test1\"}") + "."
                + base64("{\"sub\":\"" + UUID.randomUUID() + "\",\"tid\":\"" + UUID.randomUUID()
                + "\",\"iss\":\"berth\",\"aud\":\"berth-api\",\"exp\":4102444800,\"role\":\"owner\",\"adm\":true,\"sid\":\""
                + UUID.randomUUID() + "\"}") + ".";
        int checked = 0;
        for (Map.Entry<String, PathItem> path : Contract.spec().getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> entry : path.getValue().readOperationsMap().entrySet()) {
                String id = entry.getValue().getOperationId();
                String concrete = path.getKey().replace("{siteName}", "some-site").replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
                String method = entry.getKey().name();
                String body = "POST".equals(method) || "PUT".equals(method) ? "{}" : null;
                String contentType = entry.getValue().getRequestBody() == null ? (body == null ? null : "application/json")
                        : entry.getValue().getRequestBody().getContent().keySet().iterator().next();
                for (String token : new String[] {null, "not-a-token", forgedNone, "berth_pat_forged"}) {
                    ApiClient.Answer answer = api().send(method, concrete, token, body, contentType, Map.of());
                    if (PUBLIC.contains(id)) {
                        assertThat(answer.status()).as(id).isNotEqualTo(401);
                    } else {
                        assertThat(answer.status()).as(method + " " + concrete + " with " + token).isEqualTo(401);
                        assertThat(answer.contentType()).startsWith("application/problem+json");
                        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
                    }
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(31);
    }

    @Test
    void refreshTokensRotateAndReplayingOneRevokesTheWholeSession() {
        Session session = Tenants.signUp(api(), "rot");
        ApiClient.Answer first = api().post("/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
        assertThat(first.status()).isEqualTo(200);
        String rotated = first.json().get("refreshToken").asText();
        String newAccess = first.json().get("accessToken").asText();
        assertThat(rotated).isNotEqualTo(session.refreshToken()).startsWith("berth_rt_");
        assertThat(first.json().get("expiresIn").asInt()).isEqualTo(900);
        assertThat(api().get("/me", newAccess).status()).isEqualTo(200);

        ApiClient.Answer replay = api().post("/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.problem()).isEqualTo("invalid-token");
        // The family is revoked: the rotated token and the session's access tokens stop working at once.
        assertThat(api().post("/auth/refresh", null, "{\"refreshToken\":\"" + rotated + "\"}").status()).isEqualTo(401);
        assertThat(api().get("/me", newAccess).status()).isEqualTo(401);
        assertThat(api().get("/me", session.accessToken()).status()).isEqualTo(401);
    }

    @Test
    void logoutEndsTheSessionAtOnce() {
        Session session = Tenants.signUp(api(), "out");
        assertThat(api().post("/auth/logout", session.accessToken(), "{\"refreshToken\":\"" + session.refreshToken() + "\"}").status())
                .isEqualTo(204);
        assertThat(api().get("/me", session.accessToken()).status()).isEqualTo(401);
        assertThat(api().post("/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}").status()).isEqualTo(401);
    }

    @Test
    void loginFailsAlikeForAnUnknownAccountAndAWrongPassword() {
        Session session = Tenants.signUp(api(), "alike");
        ApiClient.Answer wrong = api().post("/auth/login", null, "{\"email\":\"" + session.email() + "\",\"password\":\"nope\"}");
        ApiClient.Answer unknown = api().post("/auth/login", null, "{\"email\":\"nobody-" + UUID.randomUUID() + "@example.com\",\"password\":\"nope\"}");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.json().get("detail")).isEqualTo(unknown.json().get("detail"));
    }

    @Test
    void repeatedLoginFailuresForOneAccountAreRateLimited() {
        Session session = Tenants.signUp(api(), "brute");
        int limited = 0;
        for (int i = 0; i < 12; i++) {
            ApiClient.Answer answer = api().post("/auth/login", null, "{\"email\":\"" + session.email() + "\",\"password\":\"guess-" + i + "\"}");
            if (answer.status() == 429) {
                limited++;
                assertThat(answer.header("Retry-After")).matches("[0-9]+");
            } else {
                assertThat(answer.status()).isEqualTo(401);
            }
        }
        assertThat(limited).isGreaterThanOrEqualTo(2);
        // Even the right password is refused while the account is locked out.
        ApiClient.Answer right = api().post("/auth/login", null, "{\"email\":\"" + session.email() + "\",\"password\":\"" + Tenants.PASSWORD + "\"}");
        assertThat(right.status()).isEqualTo(429);
    }

    @Test
    void signupRefusesBadInputPreciselyAndChangesNothing() {
        String name = Tenants.unique("bad");
        String valid = "{\"email\":\"" + name + "@example.com\",\"password\":\"" + Tenants.PASSWORD + "\",\"tenantName\":\"" + name + "\"}";
        expectField(api().post("/signup", null, valid.replace(Tenants.PASSWORD, "short")), "password");
        expectField(api().post("/signup", null, valid.replace(name + "@example.com", "not-an-email")), "email");
        expectField(api().post("/signup", null, valid.replace("\"tenantName\":\"" + name, "\"tenantName\":\"Bad_Name")), "tenantName");
        expectField(api().post("/signup", null, valid.replace("}", ",\"platformAdmin\":true}")), "platformAdmin");
        expectField(api().post("/signup", null, valid.replace("\"tenantName\":\"" + name + "\"", "\"tenantName\":42")), "tenantName");
        expectField(api().post("/signup", null, valid.replace("\"tenantName\":\"" + name + "\"", "\"tenantName\":\"" + "a".repeat(64) + "\"")), "tenantName");
        expectField(api().post("/signup", null, "{\"email\":\"x@example.com\"}"), "password");
        ApiClient.Answer malformed = api().post("/signup", null, "{\"email\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.problem()).isEqualTo("malformed-json");
        ApiClient.Answer text = api().send("POST", "/signup", null, valid, "text/plain", Map.of());
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.contentType()).startsWith("application/problem+json");
        // None of those created the tenant: the valid request still succeeds, a repeat is a conflict.
        assertThat(api().post("/signup", null, valid).status()).isEqualTo(201);
        ApiClient.Answer again = api().post("/signup", null, valid);
        assertThat(again.status()).isEqualTo(409);
    }

    private static void expectField(ApiClient.Answer answer, String field) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.problem()).isEqualTo("validation");
        List<String> fields = new ArrayList<>();
        answer.json().path("errors").forEach(error -> fields.add(error.get("field").asText()));
        assertThat(fields).as(answer.toString()).contains(field);
    }

    @Test
    void aSiteIsCreatedConvergedStoppedStartedAndDeleted() {
        Session session = Tenants.signUp(api(), "life");
        String name = Tenants.unique("site");
        ApiClient.Answer created = createSite(session, name);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).endsWith("/api/v1/sites/" + name);
        JsonNode site = created.json();
        assertThat(site.get("hostname").asText()).isEqualTo(name + ".berth.test");
        assertThat(site.get("desiredState").asText()).isEqualTo("running");
        assertThat(site.get("observedState").asText()).isEqualTo("provisioning");
        assertThat(site.get("ipv4").asText()).startsWith("10.1.1.");
        assertThat(site.get("ipv6").asText()).startsWith("fd42:b3f1:7a00:1::");

        app().reconciler().runOnce();
        app().reconciler().runOnce();
        assertThat(api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText()).isEqualTo("running");

        ApiClient.Answer stop = api().post("/sites/" + name + "/stop", session.accessToken(), null);
        assertThat(stop.status()).isEqualTo(202);
        String operation = stop.json().get("id").asText();
        // As read when answering: the stop's own nudge may already have run a reconciler pass.
        assertThat(stop.json().get("status").asText()).isIn("pending", "running", "succeeded");
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        assertThat(api().get("/operations/" + operation, session.accessToken()).json().get("status").asText()).isEqualTo("succeeded");
        assertThat(api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText()).isEqualTo("stopped");

        assertThat(api().post("/sites/" + name + "/start", session.accessToken(), null).status()).isEqualTo(202);
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        assertThat(api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText()).isEqualTo("running");

        ApiClient.Answer delete = api().delete("/sites/" + name, session.accessToken());
        assertThat(delete.status()).isEqualTo(202);
        // Deleting until the host has removed it; the removal is pushed at once, so it may be gone already.
        ApiClient.Answer deleting = api().get("/sites/" + name, session.accessToken());
        assertThat(deleting.status() == 404 || "deleting".equals(deleting.json().path("observedState").asText()))
                .as(deleting.toString()).isTrue();
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        assertThat(api().get("/sites/" + name, session.accessToken()).status()).isEqualTo(404);
        assertThat(api().get("/operations/" + delete.json().get("id").asText(), session.accessToken()).json().get("status").asText())
                .isEqualTo("succeeded");
        // The name is free again.
        assertThat(createSite(session, name).status()).isEqualTo(201);
    }

    @Test
    void anotherTenantsSiteAnswers404ExactlyLikeAMissingOne() {
        Session owner = Tenants.signUp(api(), "own");
        Session stranger = Tenants.signUp(api(), "str");
        String name = Tenants.unique("mine");
        assertThat(createSite(owner, name).status()).isEqualTo(201);
        String missing = Tenants.unique("none");
        for (String[] call : new String[][] {{"GET", ""}, {"DELETE", ""}, {"POST", "/stop"}, {"POST", "/start"}}) {
            ApiClient.Answer theirs = api().send(call[0], "/sites/" + name + call[1], stranger.accessToken(), null, null, Map.of());
            ApiClient.Answer absent = api().send(call[0], "/sites/" + missing + call[1], stranger.accessToken(), null, null, Map.of());
            assertThat(theirs.status()).isEqualTo(404);
            assertThat(absent.status()).isEqualTo(404);
            assertThat(theirs.json().get("detail").asText().replace(name, "X")).isEqualTo(absent.json().get("detail").asText().replace(missing, "X"));
        }
        assertThat(api().get("/sites", stranger.accessToken()).json().get("items")).isEmpty();
        ApiClient.Answer stillThere = api().get("/sites/" + name, owner.accessToken());
        assertThat(stillThere.json().get("desiredState").asText()).isEqualTo("running");
        assertThat(stillThere.json().get("observedState").asText()).isNotEqualTo("deleting");
        // Operations are tenant-scoped too.
        String operation = api().post("/sites/" + name + "/stop", owner.accessToken(), null).json().get("id").asText();
        assertThat(api().get("/operations/" + operation, stranger.accessToken()).status()).isEqualTo(404);
    }

    @Test
    void everyOperationOnAnotherTenantsObjectAnswers404AndChangesNothing() throws Exception {
        Session owner = Tenants.signUp(api(), "own");
        Session stranger = Tenants.signUp(api(), "str");
        String site = Tenants.unique("prized");
        assertThat(createSite(owner, site).status()).isEqualTo(201);
        String operation = api().post("/sites/" + site + "/stop", owner.accessToken(), null).json().get("id").asText();
        String token = api().post("/tokens", owner.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\"]}").json().get("id").asText();
        app().reconciler().runOnce();
        java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(zip)) {
            out.putNextEntry(new java.util.zip.ZipEntry("index.html"));
            out.write("owner's".getBytes(StandardCharsets.UTF_8));
        }
        java.net.http.HttpResponse<String> uploaded = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + extension().getLocalPort() + "/api/v1/sites/" + site + "/deploys"))
                .header("Authorization", "Bearer " + owner.accessToken()).header("Content-Type", "application/zip")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(zip.toByteArray())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(202);
        String deploy = new com.fasterxml.jackson.databind.ObjectMapper().readTree(uploaded.body()).get("id").asText();
        String siteBefore = api().get("/sites/" + site, owner.accessToken()).body();
        String ownerId = api().get("/me", owner.accessToken()).json().get("userId").asText();
        String webhookBody = "{\"url\":\"http://127.0.0.1:1/hook\",\"eventTypes\":[\"site.created\"],\"enabled\":true}";
        String endpoint = api().post("/webhooks", owner.accessToken(), webhookBody.replace(",\"enabled\":true", "")).json().get("id").asText();
        String delivery = api().post("/webhooks/" + endpoint + "/test", owner.accessToken(), null).json().get("id").asText();
        String ownersSession = api().get("/me/sessions", owner.accessToken()).json().get("items").get(0).get("id").asText();
        String invitation = api().post("/tenant/invitations", owner.accessToken(),
                "{\"email\":\"" + Tenants.unique("inv") + "@example.com\",\"role\":\"viewer\"}").json().get("id").asText();

        int checked = 0;
        for (Map.Entry<String, PathItem> path : Contract.spec().getPaths().entrySet()) {
            // Webhook deliveries and invitation links name no tenant's object: their secret is the credential.
            if (!path.getKey().contains("{") || path.getKey().startsWith("/hooks/") || path.getKey().startsWith("/invitations/")) {
                continue;
            }
            for (Map.Entry<PathItem.HttpMethod, Operation> entry : path.getValue().readOperationsMap().entrySet()) {
                String concrete = path.getKey().replace("{siteName}", site).replace("{operationId}", operation)
                        .replace("{tokenId}", token).replace("{deployId}", deploy).replace("{tenantId}", owner.tenantId().toString())
                        .replace("{hostname}", "www.example.org").replace("{userId}", ownerId).replace("{endpointId}", endpoint)
                        .replace("{deliveryId}", delivery).replace("{sha256}", "0".repeat(64)).replace("{sessionId}", ownersSession)
                        .replace("{nodeName}", "local").replace("{invitationId}", invitation);
                String method = entry.getKey().name();
                String contentType = entry.getValue().getRequestBody() == null ? null
                        : entry.getValue().getRequestBody().getContent().keySet().iterator().next();
                String body = contentType == null ? null : !contentType.equals("application/json") ? "PK"
                        : path.getKey().endsWith("/domains") ? "{\"hostname\":\"www.example.org\"}"
                        : path.getKey().endsWith("/protection") ? "{\"allowedAddresses\":[\"10.0.0.0/8\"]}"
                        : path.getKey().endsWith("/serving") ? "{\"spa\":true,\"cleanUrls\":true}"
                        : path.getKey().endsWith("/build") ? "{\"command\":\"hugo\",\"outputDirectory\":\"public\"}"
                        : path.getKey().startsWith("/webhooks") ? webhookBody
                        : path.getKey().startsWith("/tenant/members/") ? "{\"role\":\"viewer\"}"
                        : path.getKey().endsWith("/manifest") ? "{\"files\":[{\"path\":\"index.html\",\"sha256\":\"" + "0".repeat(64) + "\"}]}"
                        : "{\"repositoryUrl\":\"https://10.0.0.1/x.git\",\"branch\":\"main\"}";
                if (path.getKey().endsWith("/quota")) {
                    body = "{\"maxSites\":100,\"maxRunningSites\":100,\"cpuMillicores\":1000,\"memoryMib\":512,\"pids\":256,"
                            + "\"diskMib\":1024,\"maxUploadMib\":100,\"apiRequestsPerMinute\":600}";
                }
                ApiClient.Answer answer = api().send(method, concrete, stranger.accessToken(), body, contentType, Map.of());
                if (path.getKey().startsWith("/site-names/")) {
                    // A name, not an object: everyone is told it is taken, in the same words, never by whom.
                    ApiClient.Answer owners = api().send(method, concrete, owner.accessToken(), body, contentType, Map.of());
                    assertThat(answer.status()).isEqualTo(409);
                    assertThat(answer.body().replaceAll("\"instance\":\"[^\"]*\"", ""))
                            .isEqualTo(owners.body().replaceAll("\"instance\":\"[^\"]*\"", ""));
                    checked++;
                    continue;
                }
                int expected = path.getKey().startsWith("/admin/") ? 403 : 404;
                assertThat(answer.status()).as(method + " " + path.getKey() + ": " + answer.body()).isEqualTo(expected);
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(14);
        assertThat(api().get("/sites/" + site, owner.accessToken()).body()).isEqualTo(siteBefore);
        assertThat(api().get("/operations/" + operation, owner.accessToken()).status()).isEqualTo(200);
        assertThat(api().get("/tokens", owner.accessToken()).json().get("items")).hasSize(1);
        assertThat(api().get("/sites/" + site + "/deploys/" + deploy, owner.accessToken()).status()).isEqualTo(200);
        assertThat(api().get("/sites/" + site + "/deploys", owner.accessToken()).json().get("items")).hasSize(1);
        assertThat(api().get("/tenant", owner.accessToken()).json().get("quota").get("maxSites").asInt()).isEqualTo(10);
        assertThat(api().get("/tenant/members", owner.accessToken()).json().get("items").get(0).get("role").asText()).isEqualTo("owner");
        assertThat(api().get("/tenant/invitations", owner.accessToken()).json().get("items")).hasSize(1);
    }

    @Test
    void siteNamesAreDnsLabelsUniqueAcrossThePlatform() {
        Session first = Tenants.signUp(api(), "uniq");
        Session second = Tenants.signUp(api(), "uniq");
        String name = Tenants.unique("shared");
        assertThat(createSite(first, name).status()).isEqualTo(201);
        ApiClient.Answer taken = createSite(second, name);
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.problem()).isEqualTo("name-taken");
        for (String bad : new String[] {"-lead", "trail-", "UPPER", "under_score", "dot.ted", "a".repeat(64), "", "www", "api", "admin",
                "xn--abc", "ns1", "caf\u00e9"}) {
            ApiClient.Answer answer = createSite(first, bad);
            assertThat(answer.status()).as(bad).isEqualTo(400);
            assertThat(answer.json().get("errors").get(0).get("field").asText()).isEqualTo("name");
        }
        assertThat(api().get("/sites", first.accessToken()).json().get("items")).hasSize(1);
    }

    @Test
    void aBodyCanNeverSetTenantAddressStateOrQuota() {
        Session session = Tenants.signUp(api(), "mass");
        String name = Tenants.unique("m");
        for (String extra : new String[] {"\"tenantId\":\"" + UUID.randomUUID() + "\"", "\"ipv4\":\"10.1.1.9\"", "\"desiredState\":\"stopped\"",
                "\"observedState\":\"running\"", "\"maxSites\":1000"}) {
            ApiClient.Answer answer = api().post("/sites", session.accessToken(), "{\"name\":\"" + name + "\"," + extra + "}");
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.json().get("detail").asText()).startsWith("unknown property");
        }
        assertThat(api().get("/sites", session.accessToken()).json().get("items")).isEmpty();
    }

    @Test
    void twentyConcurrentCreatesWithMaxSitesFiveMakeExactlyFiveSites() throws Exception {
        Session session = Tenants.signUp(api(), "race");
        setQuota(admin(), session.tenantId(), 5, 100, 100_000);
        List<Integer> statuses = concurrently(20, i -> createSite(session, Tenants.unique("r" + i)).status());
        assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(5);
        assertThat(statuses.stream().filter(s -> s == 422).count()).isEqualTo(15);
        JsonNode items = api().get("/sites", session.accessToken()).json().get("items");
        assertThat(items).hasSize(5);
        JsonNode tenant = api().get("/tenant", session.accessToken()).json();
        assertThat(tenant.get("usage").get("sites").asInt()).isEqualTo(5);
        assertThat(tenant.get("quota").get("maxSites").asInt()).isEqualTo(5);
    }

    @Test
    void maxRunningSitesLimitsCreatesAndStarts() {
        Session session = Tenants.signUp(api(), "run");
        setQuota(admin(), session.tenantId(), 10, 1, 100_000);
        String first = Tenants.unique("one");
        String second = Tenants.unique("two");
        assertThat(createSite(session, first).status()).isEqualTo(201);
        ApiClient.Answer refused = createSite(session, second);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.problem()).isEqualTo("quota-exceeded");
        assertThat(refused.json().get("detail").asText()).contains("at most 1 sites at once");
        assertThat(api().post("/sites/" + first + "/stop", session.accessToken(), null).status()).isEqualTo(202);
        assertThat(createSite(session, second).status()).isEqualTo(201);
        ApiClient.Answer start = api().post("/sites/" + first + "/start", session.accessToken(), null);
        assertThat(start.status()).isEqualTo(422);
        assertThat(api().get("/sites/" + first, session.accessToken()).json().get("desiredState").asText()).isEqualTo("stopped");
    }

    @Test
    void concurrentCreatesAcrossTenantsNeverShareAnAddress() throws Exception {
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sessions.add(Tenants.signUp(api(), "addr"));
        }
        List<Integer> statuses = concurrently(16, i -> createSite(sessions.get(i % 4), Tenants.unique("a" + i)).status());
        assertThat(statuses).containsOnly(201);
        Set<String> v4 = new HashSet<>();
        Set<String> v6 = new HashSet<>();
        Session admin = admin();
        String cursor = null;
        do {
            JsonNode page = api().get("/admin/sites?limit=200" + (cursor == null ? "" : "&cursor=" + cursor), admin.accessToken()).json();
            for (JsonNode site : page.get("items")) {
                assertThat(v4.add(site.get("ipv4").asText())).as("duplicate " + site.get("ipv4")).isTrue();
                assertThat(v6.add(site.get("ipv6").asText())).as("duplicate " + site.get("ipv6")).isTrue();
                assertThat(site.get("ipv4").asText()).isNotEqualTo("10.1.1.254").isNotEqualTo("10.1.1.0").isNotEqualTo("10.1.1.255");
            }
            cursor = page.has("nextCursor") ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        assertThat(v4.size()).isGreaterThanOrEqualTo(16);
    }

    @Test
    void adminEndpointsAnswer403ToTenantsAndWorkForAdmins() {
        Session tenant = Tenants.signUp(api(), "noadm");
        for (String path : new String[] {"/admin/tenants", "/admin/sites", "/admin/host", "/admin/tenants/" + tenant.tenantId() + "/quota"}) {
            ApiClient.Answer answer = api().get(path, tenant.accessToken());
            assertThat(answer.status()).isEqualTo(403);
            assertThat(answer.problem()).isEqualTo("forbidden");
        }
        Session admin = admin();
        ApiClient.Answer quota = api().get("/admin/tenants/" + tenant.tenantId() + "/quota", admin.accessToken());
        assertThat(quota.status()).isEqualTo(200);
        String etag = quota.header("ETag");
        assertThat(etag).isNotBlank();
        String body = quota.body().replace("\"maxSites\":10", "\"maxSites\":12");
        ApiClient.Answer put = api().send("PUT", "/admin/tenants/" + tenant.tenantId() + "/quota", admin.accessToken(), body,
                "application/json", Map.of("If-Match", etag));
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.json().get("maxSites").asInt()).isEqualTo(12);
        ApiClient.Answer stale = api().send("PUT", "/admin/tenants/" + tenant.tenantId() + "/quota", admin.accessToken(), body,
                "application/json", Map.of("If-Match", etag));
        assertThat(stale.status()).isEqualTo(412);
        ApiClient.Answer invalid = api().send("PUT", "/admin/tenants/" + tenant.tenantId() + "/quota", admin.accessToken(),
                body.replace("\"maxSites\":12", "\"maxSites\":-1"), "application/json", Map.of());
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().get("errors").get(0).get("field").asText()).isEqualTo("maxSites");
        assertThat(api().get("/tenant", tenant.accessToken()).json().get("quota").get("maxSites").asInt()).isEqualTo(12);
        assertThat(api().get("/admin/tenants/" + UUID.randomUUID() + "/quota", admin.accessToken()).status()).isEqualTo(404);
        JsonNode tenants = api().get("/admin/tenants?limit=200", admin.accessToken()).json().get("items");
        assertThat(tenants.findValuesAsText("name")).contains(tenant.tenantName());
    }

    @Test
    void aDemotedOrRemovedUserLosesAdminRightsWithTheNextRequestWhateverItsTokenSays() {
        Session admin = admin();
        Session deputy = Tenants.signUp(api(), "deputy");
        UUID deputyId = UUID.fromString(api().get("/me", deputy.accessToken()).json().get("userId").asText());
        ApiClient.Answer promoted = api().send("PATCH", "/admin/users/" + deputyId, admin.accessToken(), "{\"platformAdmin\":true}",
                "application/json", Map.of());
        assertThat(promoted.status()).as(promoted.toString()).isEqualTo(200);
        assertThat(promoted.json().get("platformAdmin").asBoolean()).isTrue();
        // A fresh login: its access token says adm=true for the next 15 minutes; a token for scripts too.
        Session deputyAsAdmin = Tenants.login(api(), deputy.email(), Tenants.PASSWORD, deputy.tenantId(), deputy.tenantName());
        String script = api().post("/tokens", deputyAsAdmin.accessToken(), "{\"name\":\"ops\",\"scopes\":[\"read\"]}").json()
                .get("token").asText();
        assertThat(api().get("/admin/tenants", deputyAsAdmin.accessToken()).status()).isEqualTo(200);
        assertThat(api().get("/admin/tenants", script).status()).isEqualTo(200);

        ApiClient.Answer demoted = api().send("PATCH", "/admin/users/" + deputyId, admin.accessToken(), "{\"platformAdmin\":false}",
                "application/json", Map.of());
        assertThat(demoted.status()).isEqualTo(200);
        assertThat(api().get("/admin/tenants", deputyAsAdmin.accessToken()).status()).isEqualTo(403);
        assertThat(api().get("/admin/tenants", script).status()).isEqualTo(403);
        assertThat(api().get("/me", deputyAsAdmin.accessToken()).json().get("platformAdmin").asBoolean()).isFalse();
        // Demoted from owner to developer: the owner and admin endpoints close too.
        assertThat(api().get("/audit", deputyAsAdmin.accessToken()).status()).isEqualTo(200);
        assertThat(api().send("PATCH", "/admin/users/" + deputyId, admin.accessToken(), "{\"role\":\"developer\"}", "application/json",
                Map.of()).status()).isEqualTo(200);
        assertThat(api().get("/audit", deputyAsAdmin.accessToken()).status()).isEqualTo(403);

        assertThat(api().delete("/admin/users/" + deputyId, admin.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/sites", deputyAsAdmin.accessToken()).status()).isEqualTo(401);
        assertThat(api().get("/sites", script).status()).isEqualTo(401);
        assertThat(api().post("/auth/refresh", null, "{\"refreshToken\":\"" + deputyAsAdmin.refreshToken() + "\"}").status())
                .isEqualTo(401);
        assertThat(api().delete("/admin/users/" + deputyId, admin.accessToken()).status()).isEqualTo(404);
        assertThat(api().send("PATCH", "/admin/users/" + deputyId, deputy.accessToken(), "{\"platformAdmin\":true}", "application/json",
                Map.of()).status()).isEqualTo(401);

        // The platform keeps an admin: the only one cannot demote or remove itself.
        UUID rootId = UUID.fromString(api().get("/me", admin.accessToken()).json().get("userId").asText());
        ApiClient.Answer last = api().send("PATCH", "/admin/users/" + rootId, admin.accessToken(), "{\"platformAdmin\":false}",
                "application/json", Map.of());
        assertThat(last.status()).isEqualTo(409);
        assertThat(api().delete("/admin/users/" + rootId, admin.accessToken()).status()).isEqualTo(409);
        assertThat(api().send("PATCH", "/admin/users/" + rootId, admin.accessToken(), "{}", "application/json", Map.of()).status())
                .isEqualTo(400);
        assertThat(api().get("/admin/users?limit=200", admin.accessToken()).json().get("items").findValuesAsText("email"))
                .contains("root@berth.test").doesNotContain(deputy.email());
    }

    @Test
    void personalAccessTokensAreShownOnceScopedAndRevokedAtOnce() {
        Session session = Tenants.signUp(api(), "pat");
        String siteName = Tenants.unique("tok");
        assertThat(createSite(session, siteName).status()).isEqualTo(201);
        ApiClient.Answer created = api().post("/tokens", session.accessToken(), "{\"name\":\"ci\",\"scopes\":[\"read\"],\"expiresInDays\":30}");
        assertThat(created.status()).isEqualTo(201);
        String secret = created.json().get("token").asText();
        assertThat(secret).startsWith("berth_pat_");
        assertThat(secret).startsWith(created.json().get("prefix").asText());
        ApiClient.Answer list = api().get("/tokens", session.accessToken());
        assertThat(list.body()).doesNotContain(secret);
        assertThat(list.json().get("items")).hasSize(1);

        assertThat(api().get("/sites", secret).status()).isEqualTo(200);
        assertThat(api().get("/me", secret).json().get("tokenScopes").get(0).asText()).isEqualTo("read");
        ApiClient.Answer write = createSite(new Session(null, null, null, secret, null), Tenants.unique("nope"));
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.problem()).isEqualTo("insufficient-scope");
        // A token cannot mint tokens.
        assertThat(api().post("/tokens", secret, "{\"name\":\"x\",\"scopes\":[\"read\"]}").status()).isEqualTo(403);

        ApiClient.Answer limited = api().post("/tokens", session.accessToken(),
                "{\"name\":\"deploy\",\"scopes\":[\"read\",\"write\"],\"siteName\":\"" + siteName + "\"}");
        String siteToken = limited.json().get("token").asText();
        assertThat(api().post("/sites/" + siteName + "/stop", siteToken, null).status()).isEqualTo(202);
        assertThat(api().get("/sites", siteToken).status()).isEqualTo(403);
        assertThat(api().get("/tenant", siteToken).status()).isEqualTo(403);

        String id = created.json().get("id").asText();
        assertThat(api().delete("/tokens/" + id, session.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/sites", secret).status()).isEqualTo(401);
        assertThat(api().delete("/tokens/" + id, session.accessToken()).status()).isEqualTo(404);
        Session other = Tenants.signUp(api(), "pat2");
        assertThat(api().delete("/tokens/" + limited.json().get("id").asText(), other.accessToken()).status()).isEqualTo(404);
    }

    @Test
    void overTheApiRateATenantGets429WithRetryAfter() {
        Session session = Tenants.signUp(api(), "rate");
        setQuota(admin(), session.tenantId(), 10, 5, 5);
        int ok = 0;
        ApiClient.Answer limited = null;
        for (int i = 0; i < 10 && limited == null; i++) {
            ApiClient.Answer answer = api().get("/sites", session.accessToken());
            if (answer.status() == 429) {
                limited = answer;
            } else {
                ok++;
            }
        }
        assertThat(ok).isBetween(5, 6);
        assertThat(limited).isNotNull();
        assertThat(limited.problem()).isEqualTo("rate-limited");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 60);
    }

    @Test
    void theAuditLogRecordsMutatingCallsForOwnersAndAdmins() {
        Session session = Tenants.signUp(api(), "aud");
        String name = Tenants.unique("au");
        createSite(session, name);
        api().post("/sites/" + name + "/stop", session.accessToken(), null);
        api().post("/sites/" + Tenants.unique("ghost") + "/stop", session.accessToken(), null);
        api().delete("/sites/" + name, session.accessToken());
        JsonNode items = api().get("/audit", session.accessToken()).json().get("items");
        List<String> actions = new ArrayList<>();
        items.forEach(item -> actions.add(item.get("action").asText() + ":" + item.get("outcome").asText()));
        assertThat(actions).containsSubsequence("deleteSite:success", "stopSite:failure", "stopSite:success", "createSite:success", "signup:success");
        JsonNode create = items.get(3);
        assertThat(create.get("target").asText()).isEqualTo(name);
        assertThat(create.get("actorLabel").asText()).isEqualTo(session.email());
        assertThat(create.get("clientAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(create.get("status").asInt()).isEqualTo(201);
        items.forEach(item -> assertThat(item.get("tenantId").asText()).isEqualTo(session.tenantId().toString()));

        Session other = Tenants.signUp(api(), "aud2");
        assertThat(api().get("/audit", other.accessToken()).body()).doesNotContain(name);
        assertThat(api().get("/audit?limit=200", admin().accessToken()).body()).contains(name);
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstAnswer() {
        Session session = Tenants.signUp(api(), "idem");
        String name = Tenants.unique("i");
        String key = UUID.randomUUID().toString();
        ApiClient.Answer first = api().send("POST", "/sites", session.accessToken(), "{\"name\":\"" + name + "\"}", "application/json",
                Map.of("Idempotency-Key", key));
        ApiClient.Answer second = api().send("POST", "/sites", session.accessToken(), "{\"name\":\"" + name + "\"}", "application/json",
                Map.of("Idempotency-Key", key));
        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(second.json().get("ipv4")).isEqualTo(first.json().get("ipv4"));
        ApiClient.Answer different = api().send("POST", "/sites", session.accessToken(), "{\"name\":\"" + Tenants.unique("j") + "\"}",
                "application/json", Map.of("Idempotency-Key", key));
        assertThat(different.status()).isEqualTo(409);
        assertThat(different.problem()).isEqualTo("idempotency-key-reused");
        assertThat(api().get("/sites", session.accessToken()).json().get("items")).hasSize(1);
    }

    @Test
    void aChangedSiteReachesItsHostWithoutAPassBeingRunByHand() throws Exception {
        Session session = Tenants.signUp(api(), "push");
        String name = Tenants.unique("push");
        createSite(session, name);
        awaitHost(() -> specNamed(name).map(dev.berth.hostprotocol.SiteSpec::running).orElse(false));
        api().post("/sites/" + name + "/stop", session.accessToken(), null);
        awaitHost(() -> specNamed(name).map(spec -> !spec.running()).orElse(false));
        api().delete("/sites/" + name, session.accessToken());
        awaitHost(() -> specNamed(name).isEmpty());
    }

    @Test
    void aPushedSiteIsRecordedOnceItsNodeReachesItWithoutWaitingForAPass() throws Exception {
        host().convergeAfter(java.time.Duration.ofMillis(300));
        try {
            Session session = Tenants.signUp(api(), "follow");
            String name = Tenants.unique("follow");
            assertThat(createSite(session, name).status()).isEqualTo(201);
            // The passes of this configuration run every ten minutes: only the push's follow-up can record it.
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            String state;
            do {
                Thread.sleep(20);
                state = api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText();
            } while (!state.equals("running") && System.nanoTime() < deadline);
            assertThat(state).isEqualTo("running");
        } finally {
            host().convergeAfter(null);
        }
    }

    @Test
    void aPushOfAGenerationTheHostReportedSendsNothing() {
        Session session = Tenants.signUp(api(), "push");
        String name = Tenants.unique("push");
        createSite(session, name);
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        UUID id = specNamed(name).orElseThrow().siteId();
        long applies = host().calls().stream().filter(call -> call.startsWith("apply " + name + " ")).count();
        app().reconciler().pushNow(id);
        assertThat(host().calls().stream().filter(call -> call.startsWith("apply " + name + " ")).count()).isEqualTo(applies);
    }

    @Test
    void aPassThatFindsAPushInFlightReturnsOnlyOnceTheNodeHasTheChange() throws Exception {
        Session session = Tenants.signUp(api(), "push");
        String name = Tenants.unique("push");
        host().holdApplies();
        java.util.concurrent.CompletableFuture<Boolean> heldAfterPass;
        try {
            createSite(session, name);
            heldAfterPass = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                app().reconciler().runOnce();
                return specNamed(name).isPresent();
            });
            Thread.sleep(300);
        } finally {
            host().releaseApplies();
        }
        assertThat(heldAfterPass.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("the node held the site when the pass returned").isTrue();
        assertThat(host().calls().stream().filter(call -> call.equals("apply " + name + " 1")).count()).isEqualTo(1);
    }

    @Test
    void anUploadRightAfterCreateWaitsForTheSiteToReachItsNodeAndDeploys() throws Exception {
        Session session = Tenants.signUp(api(), "early");
        String name = Tenants.unique("early");
        // A slow node: the create's push is still on its way when the upload arrives.
        host().holdApplies();
        java.util.concurrent.CompletableFuture<ApiClient.Answer> upload;
        try {
            assertThat(createSite(session, name).status()).isEqualTo(201);
            upload = java.util.concurrent.CompletableFuture.supplyAsync(() -> api().sendBytes("POST", "/sites/" + name + "/deploys",
                    session.accessToken(), dev.berth.testkit.Archives.tarGz(Map.of("index.html",
                            "<h1>early</h1>".getBytes(StandardCharsets.UTF_8))), "application/gzip", Map.of()));
            Thread.sleep(300);
            assertThat(upload).as("the upload waits for the site's spec to reach the node").isNotDone();
        } finally {
            host().releaseApplies();
        }
        ApiClient.Answer answer = upload.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
        UUID id = specNamed(name).orElseThrow().siteId();
        List<String> calls = host().calls();
        String install = calls.stream().filter(call -> call.startsWith("install " + id + " ")).findFirst().orElseThrow();
        assertThat(host().release(id, install.substring(install.lastIndexOf(' ') + 1))).as("the node holds the release").isNotNull();
        assertThat(calls.stream().filter(call -> call.equals("apply " + name + " 1")).count())
                .as("the spec went once: the upload waited for the push, it did not send it again").isEqualTo(1);
        assertThat(calls.indexOf("apply " + name + " 1")).isLessThan(calls.indexOf(install));
    }

    @Test
    void aGenerationTheNodeRefusedIsNotSentAgainByAPassThatWaitedOnItsPush() throws Exception {
        Session session = Tenants.signUp(api(), "refused");
        String name = Tenants.unique("refused");
        createSite(session, name);
        app().reconciler().runOnce();
        // The stop's push reaches a slow node that refuses it, while a pass waits on that push.
        host().failNext(new HostException("spec refused: limits out of range", false));
        host().holdApplies();
        String operation;
        java.util.concurrent.CompletableFuture<Void> pass;
        try {
            operation = api().post("/sites/" + name + "/stop", session.accessToken(), null).json().get("id").asText();
            pass = java.util.concurrent.CompletableFuture.runAsync(() -> app().reconciler().runOnce());
            Thread.sleep(300);
        } finally {
            host().releaseApplies();
        }
        pass.get(30, java.util.concurrent.TimeUnit.SECONDS);
        app().reconciler().runOnce();
        assertThat(host().calls().stream().filter(call -> call.equals("apply " + name + " 2")).count())
                .as("the refused generation went to the node once").isEqualTo(1);
        assertThat(api().get("/operations/" + operation, session.accessToken()).json().get("status").asText()).isEqualTo("failed");
        assertThat(api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText()).isEqualTo("failed");
    }

    @Test
    void aSiteCreatedWhileAPassObservesIsNotRemovedAsAnOrphan() throws Exception {
        Session session = Tenants.signUp(api(), "midpass");
        String name = Tenants.unique("midpass");
        // The create commits and its push reaches the node after the pass has read the sites but
        // before the node answers the pass's observation, which then reports the new site.
        host().beforeNextObserve(() -> {
            assertThat(createSite(session, name).status()).isEqualTo(201);
            try {
                awaitHost(() -> specNamed(name).isPresent());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        });
        app().reconciler().runOnce();
        assertThat(specNamed(name)).as("the node still holds the site the pass saw appear").isPresent();
        ApiClient.Answer deploy = api().sendBytes("POST", "/sites/" + name + "/deploys", session.accessToken(),
                dev.berth.testkit.Archives.tarGz(Map.of("index.html", "<h1>mid</h1>".getBytes(StandardCharsets.UTF_8))),
                "application/gzip", Map.of());
        assertThat(deploy.status()).as(deploy.toString()).isEqualTo(202);
    }

    /** The spec the fake host holds for the site of this name. */
    private java.util.Optional<dev.berth.hostprotocol.SiteSpec> specNamed(String name) {
        return host().specs().values().stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    /** Waits up to 10 s for the fake host to reach a state, with no reconciler pass run by the test. */
    private static void awaitHost(java.util.function.BooleanSupplier reached) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (!reached.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(reached.getAsBoolean()).as("the host reached the state in time").isTrue();
    }

    @Test
    void theReconcilerRemovesOrphansAndReportsHostFailuresOnTheSite() {
        Session session = Tenants.signUp(api(), "rec");
        String name = Tenants.unique("rc");
        createSite(session, name);
        UUID orphan = UUID.randomUUID();
        host().plantOrphan(orphan);
        app().reconciler().runOnce();
        assertThat(host().holds(orphan)).isFalse();
        assertThat(api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText()).isIn("provisioning", "running");

        // A spec the host refuses as invalid fails the site and its operation, and is not retried.
        host().failNextApply(new HostException("spec refused: limits out of range", false));
        String operation = api().post("/sites/" + name + "/stop", session.accessToken(), null).json().get("id").asText();
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        JsonNode failed = api().get("/sites/" + name, session.accessToken()).json();
        assertThat(failed.get("observedState").asText()).isEqualTo("failed");
        assertThat(failed.get("lastError").asText()).isEqualTo("the host refused the site's configuration");
        assertThat(failed.get("lastErrorType").asText()).isEqualTo("https://berth.dev/problems/site-spec-refused");
        assertThat(failed.has("hostDetail")).isFalse();
        JsonNode op = api().get("/operations/" + operation, session.accessToken()).json();
        assertThat(op.get("status").asText()).isEqualTo("failed");
        assertThat(op.get("error").asText()).isEqualTo("the host refused the site's configuration");
        assertThat(op.get("errorType").asText()).endsWith("/site-spec-refused");
        assertThat(op.toString()).doesNotContain("limits out of range");
        // A new desired state is a new spec: it is applied and the site converges.
        api().post("/sites/" + name + "/start", session.accessToken(), null);
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        assertThat(api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText()).isEqualTo("running");

        host().setUnreachable(true);
        app().reconciler().runOnce();
        assertThat(app().reconciler().hostError()).contains("unreachable");
        host().setUnreachable(false);
        app().reconciler().runOnce();
        assertThat(app().reconciler().hostError()).isNull();
    }

    @Test
    void theHostsOwnWordsAboutAFailureReachAdminsOnlyTenantsReadAStableFault() {
        Session session = Tenants.signUp(api(), "fault");
        String name = Tenants.unique("ft");
        createSite(session, name);
        app().reconciler().runOnce();
        String hostWords = "runtime: runc run failed: /var/lib/berth-hostd/bundles/x/config.json: exit status 1; "
                + "proxy: nginx -t: [emerg] host not found in upstream 10.1.1.7";
        host().reportFailed(siteId(name), hostWords);
        app().reconciler().runOnce();
        JsonNode site = api().get("/sites/" + name, session.accessToken()).json();
        assertThat(site.get("lastError").asText()).isEqualTo("the site's server did not start or stopped; the host starts it again");
        assertThat(site.get("lastErrorType").asText()).isEqualTo("https://berth.dev/problems/site-server-failed");
        assertThat(site.toString()).doesNotContain("runc").doesNotContain("/var/lib").doesNotContain("10.1.1.7");
        assertThat(api().get("/sites", session.accessToken()).body()).doesNotContain("runc").doesNotContain("nginx");
        JsonNode adminView = api().get("/admin/sites?limit=200", admin().accessToken()).json().get("items").findParents("name").stream()
                .filter(item -> item.get("name").asText().equals(name)).findFirst().orElseThrow();
        assertThat(adminView.get("hostDetail").asText()).isEqualTo(hostWords);
        assertThat(adminView.get("lastErrorType").asText()).endsWith("/site-server-failed");
    }

    private UUID siteId(String name) {
        return host().specs().values().stream().filter(spec -> spec.name().equals(name)).findFirst().orElseThrow().siteId();
    }

    @Test
    void aSitesUsageIsATimeSeriesOfCpuMemoryAndRequestsPerInterval() {
        Session session = Tenants.signUp(api(), "use");
        String name = Tenants.unique("us");
        assertThat(createSite(session, name).status()).isEqualTo(201);
        ApiClient.Answer empty = api().get("/sites/" + name + "/usage", session.accessToken());
        assertThat(empty.status()).isEqualTo(200);
        // The create's own reconcile pass may already have sampled the new site (its spec goes out first).
        assertThat(empty.json().get("samples").size()).isLessThanOrEqualTo(1);
        assertThat(empty.json().get("cpuLimitMillicores").asInt()).isPositive();

        app().reconciler().runOnce(); // applies the spec: the host holds the site from now on
        UUID id = siteId(name);
        host().usage(id, 300_000, 1_000_000_000L, 3);
        host().requests(id, 10);
        app().reconciler().runOnce();
        host().usage(id, 400_000, 1_500_000_000L, 4);
        host().requests(id, 17);
        app().reconciler().runOnce();

        JsonNode usage = api().get("/sites/" + name + "/usage", session.accessToken()).json();
        assertThat(usage.get("site").asText()).isEqualTo(name);
        assertThat(usage.get("sampleIntervalSeconds").asInt()).isZero();
        assertThat(usage.get("memoryLimitBytes").asLong()).isEqualTo(64L * 1024 * 1024);
        JsonNode samples = usage.get("samples");
        assertThat(samples.size()).isGreaterThanOrEqualTo(2);
        JsonNode last = samples.get(samples.size() - 1);
        assertThat(last.get("memoryBytes").asLong()).isEqualTo(400_000);
        assertThat(last.get("pids").asInt()).isEqualTo(4);
        // The create's push is followed by a pass of its own, which may sample at any moment of the
        // steps above: the 10 -> 17 requests (and the CPU time) then fall in one interval or two.
        long requestsSinceTen = 0;
        double cpuSinceTen = 0;
        for (JsonNode sample : samples) {
            if (sample.get("memoryBytes").asLong() == 400_000) {
                requestsSinceTen += sample.path("requests").asLong();
                cpuSinceTen += sample.path("cpuMillicores").asDouble();
            }
        }
        assertThat(requestsSinceTen).isEqualTo(7);
        assertThat(cpuSinceTen).isPositive();
        assertThat(samples.get(0).has("cpuMillicores")).isFalse();
        // The tenant page sums the latest figures of its sites.
        JsonNode tenantUsage = api().get("/tenant", session.accessToken()).json().get("usage");
        assertThat(tenantUsage.get("memoryBytes").asLong()).isEqualTo(400_000);
        assertThat(tenantUsage.get("pids").asInt()).isEqualTo(4);
        assertThat(tenantUsage.get("cpuUsageNanos").asLong()).isEqualTo(1_500_000_000L);
        assertThat(tenantUsage.get("diskBytes").asLong()).isZero();

        // A counter that goes back (the host restarted) leaves that interval unknown, never negative.
        int before = api().get("/sites/" + name + "/usage", session.accessToken()).json().get("samples").size();
        host().requests(id, 2);
        app().reconciler().runOnce();
        JsonNode afterRestart = api().get("/sites/" + name + "/usage", session.accessToken()).json().get("samples");
        List<JsonNode> since = new java.util.ArrayList<>();
        afterRestart.forEach(since::add);
        since = since.subList(before, since.size());
        assertThat(since).isNotEmpty();
        assertThat(since).anySatisfy(sample -> assertThat(sample.has("requests")).isFalse());
        assertThat(since).allSatisfy(sample -> assertThat(sample.path("requests").asLong()).isNotNegative());
    }

    @Test
    void theAccessLogIsRelayedNewestFirstBoundedAndAnUnreachableHostIs503() {
        Session session = Tenants.signUp(api(), "log");
        String name = Tenants.unique("lg");
        assertThat(createSite(session, name).status()).isEqualTo(201);
        app().reconciler().runOnce();
        UUID id = siteId(name);
        host().accessLog(id, List.of(
                new dev.berth.hostprotocol.AccessLogEntry("2026-11-29T05:00:02+01:00", name + ".berth.test", "127.0.0.1", "GET", "/new",
                        404, 153, 0.001, "Mozilla/5.0"),
                new dev.berth.hostprotocol.AccessLogEntry("2026-11-29T05:00:01+01:00", name + ".berth.test", "::1", "GET", "/old", 200,
                        1200, 0.002, "curl/7.88"),
                new dev.berth.hostprotocol.AccessLogEntry("not a time", null, null, "GET", "/broken", 200, 0, 0, null)));
        ApiClient.Answer log = api().get("/sites/" + name + "/access-log?limit=3", session.accessToken());
        assertThat(log.status()).isEqualTo(200);
        JsonNode items = log.json().get("items");
        assertThat(items).hasSize(2);
        assertThat(items.get(0).get("uri").asText()).isEqualTo("/new");
        assertThat(items.get(0).get("time").asText()).isEqualTo("2026-11-29T04:00:02Z");
        assertThat(items.get(1).get("status").asInt()).isEqualTo(200);
        assertThat(api().get("/sites/" + name + "/access-log?limit=1", session.accessToken()).json().get("items")).hasSize(1);
        for (String bad : new String[] {"0", "201", "x", "-1"}) {
            ApiClient.Answer refused = api().get("/sites/" + name + "/access-log?limit=" + bad, session.accessToken());
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.contentType()).startsWith("application/problem+json");
        }
        assertThat(host().calls()).noneMatch(call -> call.startsWith("access-log " + id + " 0") || call.endsWith(" 201"));
        host().failNext(new HostException("hostd unreachable (connection refused)", true));
        ApiClient.Answer down = api().get("/sites/" + name + "/access-log", session.accessToken());
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.problem()).isEqualTo("unavailable");
        assertThat(down.body()).doesNotContain("connection refused");
    }

    @Test
    void reservedSiteNamesArePublicAndRefused() {
        List<String> reserved = new ArrayList<>();
        api().get("/platform", null).json().get("reservedSiteNames").forEach(name -> reserved.add(name.asText()));
        assertThat(reserved).contains("www", "api", "app", "admin", "portal", "mail", "ns1", "ns2");
        Session session = Tenants.signUp(api(), "resv");
        for (String name : List.of("app", "portal", "ns2")) {
            ApiClient.Answer refused = createSite(session, name);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().get("errors").get(0).get("message").asText()).contains("reserved");
            assertThat(api().get("/site-names/" + name, session.accessToken()).status()).isEqualTo(400);
        }
    }

    @Test
    void platformFactsArePublicAndNameAvailabilityNeverSaysWhoHoldsAName() {
        ApiClient.Answer facts = api().get("/platform", null);
        assertThat(facts.status()).isEqualTo(200);
        assertThat(facts.json().get("domain").asText()).isEqualTo("berth.test");
        assertThat(facts.json().get("siteUrlScheme").asText()).isEqualTo("http");
        assertThat(facts.json().get("openSignup").asBoolean()).isTrue();

        Session holder = Tenants.signUp(api(), "hold");
        Session asker = Tenants.signUp(api(), "ask");
        String name = Tenants.unique("nm");
        ApiClient.Answer free = api().get("/site-names/" + name, asker.accessToken());
        assertThat(free.status()).isEqualTo(200);
        assertThat(free.json().get("hostname").asText()).isEqualTo(name + ".berth.test");
        assertThat(free.json().get("url").asText()).isEqualTo("http://" + name + ".berth.test/");
        assertThat(createSite(holder, name).status()).isEqualTo(201);
        ApiClient.Answer taken = api().get("/site-names/" + name, asker.accessToken());
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.problem()).isEqualTo("name-taken");
        assertThat(taken.json().get("errors").get(0).get("field").asText()).isEqualTo("name");
        assertThat(taken.body()).doesNotContain(holder.tenantName()).doesNotContain(holder.tenantId().toString());
        for (String bad : new String[] {"-lead", "UPPER", "www", "xn--abc", "a".repeat(64)}) {
            ApiClient.Answer invalid = api().get("/site-names/" + bad, asker.accessToken());
            assertThat(invalid.status()).as(bad).isEqualTo(400);
            assertThat(invalid.problem()).isEqualTo("validation");
        }
        assertThat(api().get("/sites", asker.accessToken()).json().get("items")).isEmpty();
    }

    @Test
    void adminsSeeTheHostsHealthAndAnUnreachableHostIsSaidSo() {
        Session admin = admin();
        ApiClient.Answer status = api().get("/admin/host", admin.accessToken());
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().get("reachable").asBoolean()).isTrue();
        assertThat(status.json().get("healthy").asBoolean()).isTrue();
        assertThat(status.json().get("runcVersion").asText()).contains("runc");
        assertThat(status.json().get("ipv4Forwarding").asText()).isEqualTo("0");
        assertThat(status.json().path("warmPool").path("size").asInt()).isEqualTo(4);
        assertThat(status.json().path("warmPool").path("ready").asInt()).isEqualTo(3);
        host().setUnreachable(true);
        try {
            JsonNode down = api().get("/admin/host", admin.accessToken()).json();
            assertThat(down.get("reachable").asBoolean()).isFalse();
            assertThat(down.get("healthy").asBoolean()).isFalse();
            assertThat(down.get("error").asText()).contains("unreachable");
        } finally {
            host().setUnreachable(false);
        }
    }

    @Test
    void aNewGenerationIsPushedBeforeTheHostIsObservedAndOnlyOnce() throws Exception {
        Session session = Tenants.signUp(api(), "pusher");
        String name = Tenants.unique("fast");
        // The host cannot be observed, yet the new site's spec goes out (the create nudges a pass too).
        host().setUnreachable(true);
        try {
            assertThat(createSite(session, name).status()).isEqualTo(201);
            app().reconciler().runOnce();
            app().reconciler().runOnce();
            // A pass that cannot observe returns without waiting for the create's push, which may still be on its way.
            awaitHost(() -> host().calls().contains("apply " + name + " 1"));
        } finally {
            host().setUnreachable(false);
        }
        assertThat(host().calls().stream().filter(call -> call.startsWith("apply " + name + " ")))
                .as("pushed once, not again while the host converges").containsExactly("apply " + name + " 1");
        app().reconciler().runOnce();
        assertThat(api().get("/sites/" + name, session.accessToken()).json().get("observedState").asText()).isEqualTo("running");
        assertThat(host().calls().stream().filter(call -> call.startsWith("apply " + name + " "))).hasSize(1);
    }

    @Test
    void adminSiteListShowsEachSitesCertificateStateAndUnknownWhenTheHostFails() {
        Session tenant = Tenants.signUp(api(), "cert");
        String secured = Tenants.unique("tls");
        String plain = Tenants.unique("plain");
        assertThat(createSite(tenant, secured).status()).isEqualTo(201);
        assertThat(createSite(tenant, plain).status()).isEqualTo(201);
        app().reconciler().runOnce();
        UUID securedId = host().specs().values().stream().filter(spec -> spec.name().equals(secured)).findFirst().orElseThrow().siteId();
        java.time.Instant notBefore = java.time.Instant.parse("2026-11-01T00:00:00Z");
        host().certificate(securedId, new dev.berth.hostprotocol.CertificateState("platform", List.of("*.sites.test", "sites.test"),
                "renewing", "CN=Pebble Intermediate CA", "1a2b", notBefore, notBefore.plusSeconds(90 * 86400L),
                notBefore.plusSeconds(60 * 86400L), null, null, null, 0, null));
        Session admin = admin();

        JsonNode certificate = adminListedSite(admin, secured).get("certificate");
        assertThat(certificate.get("state").asText()).isEqualTo("renewing");
        assertThat(certificate.get("notAfter").asText()).isEqualTo("2027-01-30T00:00:00Z");
        assertThat(certificate.has("lastError")).isFalse();
        JsonNode none = adminListedSite(admin, plain).get("certificate");
        assertThat(none.get("state").asText()).isEqualTo("none");
        assertThat(none.has("notAfter")).isFalse();
        // A tenant's own list does not carry it (GET /sites/{name}/certificate does).
        JsonNode own = api().get("/sites/" + secured, tenant.accessToken()).json();
        assertThat(own.has("certificate")).isFalse();

        // The host fails on the first site of the page: every site of the page is unknown, with the reason.
        host().failNext(new HostException("cannot read: hostd unreachable", true));
        JsonNode page = api().get("/admin/sites?limit=200", admin.accessToken()).json();
        assertThat(page.get("items")).isNotEmpty().allSatisfy(site -> {
            assertThat(site.get("certificate").get("state").asText()).isEqualTo("unknown");
            assertThat(site.get("certificate").get("lastError").asText()).contains("unreachable");
        });
        assertThat(adminListedSite(admin, secured).get("certificate").get("state").asText()).isEqualTo("renewing");
    }

    private JsonNode adminListedSite(Session admin, String name) {
        String cursor = null;
        do {
            JsonNode page = api().get("/admin/sites?limit=200" + (cursor == null ? "" : "&cursor=" + cursor), admin.accessToken()).json();
            for (JsonNode site : page.get("items")) {
                if (site.get("name").asText().equals(name)) {
                    return site;
                }
            }
            cursor = page.has("nextCursor") ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        throw new AssertionError("the admin site list has no site " + name);
    }

    @Test
    void unknownRoutesAndMethodsAnswerProblems() {
        ApiClient.Answer missing = api().get("/no-such-thing", null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        ApiClient.Answer method = api().send("PUT", "/health", null, null, null, Map.of());
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.contentType()).startsWith("application/problem+json");
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static <T> List<T> concurrently(int count, java.util.function.IntFunction<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                Callable<T> task = () -> {
                    start.await();
                    return call.apply(index);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
