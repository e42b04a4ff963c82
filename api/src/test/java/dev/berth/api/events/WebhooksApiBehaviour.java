package dev.berth.api.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.TestApp;
import dev.berth.hostprotocol.CertificateState;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Webhook endpoints, deliveries and notification preferences through HTTP with raw JSON, against
 * the real application with a fake host and a receiver on loopback (the only endpoint address the
 * test configuration allows). Every answer is checked against openapi.yaml. Runs once per database.
 */
abstract class WebhooksApiBehaviour {
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    private String create(Session session, String url, String types) {
        ApiClient.Answer created = api().post("/webhooks", session.accessToken(),
                "{\"url\":\"" + url + "\",\"description\":\"ci\",\"eventTypes\":" + types + "}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.body();
    }

    /**
     * Runs the event worker until nothing is left to do now, and waits for attempts the
     * application's own worker thread may have in flight (both claim with SKIP LOCKED).
     */
    private void deliverAll() throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            while (app().eventWorker().runOnce() > 0) {
                // keep going
            }
            int unsettled = app().jdbi().withHandle(handle -> handle.createQuery("""
                    SELECT (SELECT COUNT(*) FROM events WHERE dispatched_at IS NULL)
                         + (SELECT COUNT(*) FROM event_deliveries WHERE status = 'pending' AND response_status IS NULL AND last_error IS NULL)
                    """).mapTo(Integer.class).one());
            if (unsettled == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("deliveries did not settle within 15 s");
    }

    @Test
    void anEndpointIsCreatedWithItsSecretShownOnceThenReadUpdatedAndDeleted() throws Exception {
        Session owner = Tenants.signUp(api(), "hook");
        ApiClient.Answer created = api().post("/webhooks", owner.accessToken(),
                "{\"url\":\"http://127.0.0.1:1/in\",\"description\":\"deploys\",\"eventTypes\":[\"deploy.live\",\"deploy.failed\"]}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Cache-Control")).contains("no-store");
        String id = created.json().get("id").asText();
        assertThat(created.header("Location")).endsWith("/api/v1/webhooks/" + id);
        assertThat(created.json().get("secret").asText()).matches("^whsec_[A-Za-z0-9+/]{43}=$");

        ApiClient.Answer read = api().get("/webhooks/" + id, owner.accessToken());
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().has("secret")).isFalse();
        assertThat(read.json().get("eventTypes").toString()).isEqualTo("[\"deploy.live\",\"deploy.failed\"]");
        assertThat(api().get("/webhooks", owner.accessToken()).json().get("items")).hasSize(1);
        assertThat(api().get("/webhooks", owner.accessToken()).body()).doesNotContain("whsec_");

        String etag = read.header("ETag");
        String update = "{\"url\":\"http://127.0.0.1:2/in\",\"eventTypes\":[\"site.failed\"],\"enabled\":false}";
        ApiClient.Answer updated = api().send("PUT", "/webhooks/" + id, owner.accessToken(), update, "application/json", Map.of("If-Match", etag));
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(updated.json().get("enabled").asBoolean()).isFalse();
        assertThat(updated.json().get("description").asText()).isEmpty();
        ApiClient.Answer stale = api().send("PUT", "/webhooks/" + id, owner.accessToken(), update, "application/json", Map.of("If-Match", etag));
        assertThat(stale.status()).isEqualTo(412);

        assertThat(api().delete("/webhooks/" + id, owner.accessToken()).status()).isEqualTo(204);
        assertThat(api().get("/webhooks/" + id, owner.accessToken()).status()).isEqualTo(404);
    }

    @Test
    void endpointUrlsOutsideThePolicyAndUnknownEventTypesAreRefused() {
        Session owner = Tenants.signUp(api(), "refuse");
        for (String url : List.of("http://169.254.169.254/latest/meta-data/", "https://10.0.0.1/hook", "http://127.0.0.2:8080/hook",
                "https://user:pass@127.0.0.1/hook", "file:///etc/passwd")) {
            ApiClient.Answer refused = api().post("/webhooks", owner.accessToken(), "{\"url\":\"" + url + "\",\"eventTypes\":[\"site.created\"]}");
            assertThat(refused.status()).as(url + ": " + refused).isEqualTo(400);
            assertThat(refused.json().path("errors").findValuesAsText("field")).contains("url");
        }
        ApiClient.Answer unknown = api().post("/webhooks", owner.accessToken(), "{\"url\":\"http://127.0.0.1:1/x\",\"eventTypes\":[\"webhook.test\"]}");
        assertThat(unknown.status()).isEqualTo(400);
        ApiClient.Answer none = api().post("/webhooks", owner.accessToken(), "{\"url\":\"http://127.0.0.1:1/x\",\"eventTypes\":[]}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(api().get("/webhooks", owner.accessToken()).json().get("items")).isEmpty();
    }

    @Test
    void aSitesLifeAndItsDeploysReachTheEndpointSignedAndAreListedAsDeliveries() throws Exception {
        Session owner = Tenants.signUp(api(), "life");
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String body = create(owner, receiver.url("/events"), "[\"site.created\",\"site.started\",\"site.stopped\",\"site.deleted\","
                    + "\"deploy.live\",\"deploy.failed\"]");
            String id = api().get("/webhooks", owner.accessToken()).json().get("items").get(0).get("id").asText();
            receiver.secret(new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).get("secret").asText());
            String site = Tenants.unique("ev");
            assertThat(api().post("/sites", owner.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
            app().reconciler().runOnce();
            java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
            try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(zip)) {
                out.putNextEntry(new java.util.zip.ZipEntry("index.html"));
                out.write("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            assertThat(api().sendBytes("POST", "/sites/" + site + "/deploys", owner.accessToken(), zip.toByteArray(), "application/zip", Map.of())
                    .status()).isEqualTo(202);
            assertThat(api().sendBytes("POST", "/sites/" + site + "/deploys", owner.accessToken(), "not a zip".getBytes(), "application/zip",
                    Map.of()).status()).isBetween(400, 499);
            app().reconciler().runOnce();
            api().post("/sites/" + site + "/stop", owner.accessToken(), null);
            app().reconciler().runOnce();
            api().delete("/sites/" + site, owner.accessToken());
            app().reconciler().runOnce();
            app().reconciler().runOnce();
            deliverAll();

            List<String> types = receiver.received().stream().map(r -> {
                try {
                    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("type").asText();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertThat(types).containsExactlyInAnyOrder("site.created", "site.started", "deploy.live", "deploy.failed", "site.stopped", "site.deleted");
            assertThat(receiver.received()).allMatch(WebhookReceiver.Received::signatureValid);
            assertThat(receiver.received()).allMatch(r -> r.text().contains("\"site\":\"" + site + "\""));

            ApiClient.Answer deliveries = api().get("/webhooks/" + id + "/deliveries", owner.accessToken());
            assertThat(deliveries.status()).isEqualTo(200);
            assertThat(deliveries.json().get("items")).hasSize(6).allSatisfy(delivery -> {
                assertThat(delivery.get("status").asText()).isEqualTo("succeeded");
                assertThat(delivery.get("responseStatus").asInt()).isEqualTo(204);
                assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
            });
        }
    }

    @Test
    void aSiteTheHostReportsFailedReachesTheEndpointFromTheReconcilerSignedWithoutTheHostsOwnWords() throws Exception {
        Session owner = Tenants.signUp(api(), "failed");
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.JsonNode endpoint = json.readTree(create(owner, receiver.url("/failed"), "[\"site.failed\"]"));
            receiver.secret(endpoint.get("secret").asText());
            String site = Tenants.unique("fl");
            assertThat(api().post("/sites", owner.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
            app().reconciler().runOnce();
            UUID siteId = app().host().specs().values().stream().filter(spec -> spec.name().equals(site)).findFirst().orElseThrow().siteId();
            String hostWords = "runtime: runc run failed: /var/lib/berth-hostd/bundles/x/config.json: exit status 1";
            app().host().reportFailed(siteId, hostWords);
            app().reconciler().runOnce();
            deliverAll();

            assertThat(receiver.received()).hasSize(1);
            WebhookReceiver.Received delivery = receiver.received().get(0);
            assertThat(delivery.signatureValid()).isTrue();
            assertThat(delivery.path()).isEqualTo("/failed");
            com.fasterxml.jackson.databind.JsonNode payload = json.readTree(delivery.body());
            assertThat(payload.get("type").asText()).isEqualTo("site.failed");
            assertThat(payload.get("data").get("site").asText()).isEqualTo(site);
            assertThat(payload.get("data").get("error").asText()).isEqualTo("the site's server did not start or stopped; the host starts it again");
            assertThat(delivery.text()).doesNotContain("runc").doesNotContain("/var/lib");
            assertThat(delivery.header("webhook-id")).isNotBlank();

            ApiClient.Answer deliveries = api().get("/webhooks/" + endpoint.get("id").asText() + "/deliveries", owner.accessToken());
            assertThat(deliveries.status()).isEqualTo(200);
            assertThat(deliveries.json().get("items")).hasSize(1).allSatisfy(listed -> {
                assertThat(listed.get("eventType").asText()).isEqualTo("site.failed");
                assertThat(listed.get("eventId").asText()).isEqualTo(delivery.header("webhook-id"));
                assertThat(listed.get("status").asText()).isEqualTo("succeeded");
                assertThat(listed.get("responseStatus").asInt()).isEqualTo(204);
            });
        }
    }

    @Test
    void aTestEventAndARedeliveryAreSentOnDemand() throws Exception {
        Session owner = Tenants.signUp(api(), "ondemand");
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String body = create(owner, receiver.url("/t"), "[\"site.created\"]");
            com.fasterxml.jackson.databind.JsonNode endpoint = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
            receiver.secret(endpoint.get("secret").asText());
            String id = endpoint.get("id").asText();
            ApiClient.Answer test = api().post("/webhooks/" + id + "/test", owner.accessToken(), null);
            assertThat(test.status()).isEqualTo(202);
            assertThat(test.json().get("eventType").asText()).isEqualTo("webhook.test");
            String deliveryId = test.json().get("id").asText();
            ApiClient.Answer early = api().post("/webhooks/" + id + "/deliveries/" + deliveryId + "/redeliver", owner.accessToken(), null);
            assertThat(early.status()).as("a pending delivery is retried by itself").isIn(409, 202);
            deliverAll();
            ApiClient.Answer again = api().post("/webhooks/" + id + "/deliveries/" + deliveryId + "/redeliver", owner.accessToken(), null);
            assertThat(again.status()).isEqualTo(202);
            assertThat(again.json().get("eventId").asText()).isEqualTo(test.json().get("eventId").asText());
            deliverAll();
            assertThat(receiver.received()).hasSizeGreaterThanOrEqualTo(2).allMatch(WebhookReceiver.Received::signatureValid)
                    .allMatch(r -> r.header("webhook-id").equals(test.json().get("eventId").asText()));
        }
    }

    @Test
    void eachMemberChoosesTheEventsTheyAreEmailedAbout() throws Exception {
        Session owner = Tenants.signUp(api(), "notify");
        ApiClient.Answer initial = api().get("/me/notifications", owner.accessToken());
        assertThat(initial.status()).isEqualTo(200);
        assertThat(initial.json().get("email").asText()).isEqualTo(owner.email());
        assertThat(initial.json().get("eventTypes")).isEmpty();
        ApiClient.Answer chosen = api().send("PUT", "/me/notifications", owner.accessToken(), "{\"eventTypes\":[\"site.created\",\"quota.near\"]}",
                "application/json", Map.of());
        assertThat(chosen.status()).isEqualTo(200);
        assertThat(chosen.json().get("eventTypes").toString()).contains("site.created").contains("quota.near");
        assertThat(api().send("PUT", "/me/notifications", owner.accessToken(), "{\"eventTypes\":[\"nope\"]}", "application/json", Map.of()).status())
                .isEqualTo(400);

        String site = Tenants.unique("mailed");
        assertThat(api().post("/sites", owner.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        deliverAll();
        app().mailWorker().runOnce();
        List<String> mail = List.of();
        for (int wait = 0; wait < 200 && mail.isEmpty(); wait++) {
            mail = mailTo(owner.email());
            Thread.sleep(50);
        }
        assertThat(mail).hasSize(1);
        assertThat(mail.get(0)).contains("Subject: [" + owner.tenantName() + "] Site " + site + " was created");
    }

    /** The .eml files the application wrote to {@code recipient} (the test configuration writes mail to target/test-mail). */
    private static List<String> mailTo(String recipient) throws java.io.IOException {
        Path directory = Path.of("target/test-mail");
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.toString().endsWith(".eml")).map(file -> {
                try {
                    return Files.readString(file);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).filter(text -> text.contains("To: " + recipient)).toList();
        }
    }

    @Test
    void quotaNearAndCertificateEventsComeFromTheWatches() throws Exception {
        Session owner = Tenants.signUp(api(), "watch");
        Session admin = Tenants.login(api(), "root@berth.test", "admin-password-for-tests", null, "platform");
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String body = create(owner, receiver.url("/w"), "[\"quota.near\",\"certificate.issued\",\"certificate.failed\",\"certificate.expiring\"]");
            receiver.secret(new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).get("secret").asText());
            assertThat(api().send("PUT", "/admin/tenants/" + owner.tenantId() + "/quota", admin.accessToken(),
                    "{\"maxSites\":5,\"maxRunningSites\":5,\"cpuMillicores\":1000,\"memoryMib\":512,\"pids\":256,\"diskMib\":1024,"
                            + "\"maxUploadMib\":100,\"apiRequestsPerMinute\":600}", "application/json", Map.of()).status()).isEqualTo(200);
            String site = null;
            for (int i = 0; i < 4; i++) {
                site = Tenants.unique("q");
                assertThat(api().post("/sites", owner.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
            }
            app().quotaWatch().runOnce();
            app().quotaWatch().runOnce();
            UUID siteId = app().jdbi().withHandle(h -> h.createQuery("SELECT id FROM sites WHERE name = :n").bind("n", "x").mapTo(UUID.class)
                    .findOne()).orElse(null);
            String lastSite = site;
            UUID id = app().jdbi().withHandle(h -> h.createQuery("SELECT id FROM sites WHERE name = :n").bind("n", lastSite).mapTo(UUID.class).one());
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            app().host().certificate(id, new CertificateState("c1", List.of(lastSite + ".berth.test"), "active", "Test CA", "01",
                    now.minusSeconds(60), now.plus(java.time.Duration.ofDays(5)), now.plus(java.time.Duration.ofDays(2)), null, null, null, 0, null));
            app().certificateWatch().runOnce();
            app().certificateWatch().runOnce();
            app().host().certificate(id, new CertificateState("c1", List.of(lastSite + ".berth.test"), "failed", "Test CA", "01",
                    now.minusSeconds(60), now.plus(java.time.Duration.ofDays(5)), null, "rate limited", null, now.plusSeconds(600), 0, null));
            app().certificateWatch().runOnce();
            deliverAll();
            List<String> payloads = receiver.received().stream().map(WebhookReceiver.Received::text).toList();
            assertThat(payloads.stream().filter(p -> p.contains("\"type\":\"quota.near\"")))
                    .as("sites and running sites both reach 4 of 5, each announced once").hasSize(2)
                    .anyMatch(p -> p.contains("\"name\":\"maxSites\"") && p.contains("\"used\":4") && p.contains("\"limit\":5"))
                    .anyMatch(p -> p.contains("\"name\":\"maxRunningSites\"") && p.contains("\"percent\":80"));
            assertThat(payloads.stream().filter(p -> p.contains("\"type\":\"certificate.issued\""))).hasSize(1);
            assertThat(payloads.stream().filter(p -> p.contains("\"type\":\"certificate.expiring\""))).hasSize(1);
            assertThat(payloads.stream().filter(p -> p.contains("\"type\":\"certificate.failed\""))).hasSize(1)
                    .allMatch(p -> p.contains("rate limited"));
            assertThat(siteId).isNull();
        }
    }
}
