package dev.berth.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.hosts.HostException;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.TestApp;
import dev.berth.testkit.PrometheusText;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The API observed as an operator observes it: {@code /prometheus} on the admin port parsed by a
 * Prometheus parser, request ids in answers and in the JSON log, the API reference page. Runs on
 * each database (the metrics are SQL).
 */
abstract class ObservabilityBehaviour {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    abstract DropwizardAppExtension<BerthConfiguration> extension();

    abstract Path logFile();

    ApiClient api() {
        return new ApiClient(extension().getLocalPort());
    }

    TestApp app() {
        return extension().getApplication();
    }

    private HttpResponse<String> raw(int port, String method, String path, byte[] body, String token, String type) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (type != null) {
            request.header("Content-Type", type);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusText.Exposition scrape() throws Exception {
        HttpResponse<String> answer = raw(extension().getAdminPort(), "GET", "/prometheus", null, null, null);
        assertThat(answer.statusCode()).isEqualTo(200);
        return PrometheusText.parse(answer.body());
    }

    private static double total(PrometheusText.Exposition metrics, String name) {
        return metrics.named(name).stream().mapToDouble(PrometheusText.Sample::value).sum();
    }

    private static byte[] zip(String page) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("index.html"));
            zip.write(page.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private UUID siteId(String name) {
        return app().host().specs().values().stream().filter(spec -> spec.name().equals(name)).findFirst().orElseThrow().siteId();
    }

    @Test
    void prometheusOnTheAdminPortCountsSitesDeploysQueuesAndLagFromTheDatabase() throws Exception {
        Assumptions.assumeTrue(PrometheusText.unavailable().isEmpty(), () -> PrometheusText.unavailable().orElse(""));
        PrometheusText.Exposition before = scrape();
        Session owner = Tenants.signUp(api(), "obs");
        String blog = Tenants.unique("blog");
        String shop = Tenants.unique("shop");
        assertThat(api().post("/sites", owner.accessToken(), "{\"name\":\"" + blog + "\"}").status()).isEqualTo(201);
        assertThat(api().post("/sites", owner.accessToken(), "{\"name\":\"" + shop + "\"}").status()).isEqualTo(201);

        PrometheusText.Exposition created = scrape();
        // Creating nudges the reconciler, which may already have provisioned them: count every state.
        assertThat(total(created, "berth_sites") - total(before, "berth_sites")).isEqualTo(2);
        assertThat(created.value("berth_sites_unconverged")).isBetween(0.0, 2.0 + before.value("berth_sites_unconverged"));
        assertThat(created.value("berth_reconcile_lag_seconds")).isGreaterThanOrEqualTo(0).isLessThan(600);
        assertThat(created.value("berth_tenants")).isGreaterThanOrEqualTo(before.value("berth_tenants") + 1);

        app().reconciler().runOnce();
        app().reconciler().runOnce();
        PrometheusText.Exposition running = scrape();
        assertThat(running.value("berth_sites", "state", "running") - before.value("berth_sites", "state", "running")).isEqualTo(2);
        // The stop's own nudge may already run the reconciler: its operation may or may not be pending now.
        assertThat(api().post("/sites/" + shop + "/stop", owner.accessToken(), null).status()).isEqualTo(202);
        PrometheusText.Exposition stopping = scrape();
        assertThat(stopping.value("berth_sites_desired", "state", "stopped") - before.value("berth_sites_desired", "state", "stopped"))
                .isEqualTo(1);
        assertThat(stopping.value("berth_operations_pending")).isBetween(0.0, 1.0);

        app().reconciler().runOnce();
        app().reconciler().runOnce();
        HttpResponse<String> live = raw(extension().getLocalPort(), "POST", "/api/v1/sites/" + blog + "/deploys", zip("<h1>v1</h1>"),
                owner.accessToken(), "application/zip");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(202);
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        app().host().failNext(new HostException("the host's disk is full", true));
        HttpResponse<String> failed = raw(extension().getLocalPort(), "POST", "/api/v1/sites/" + blog + "/deploys", zip("<h1>v2</h1>"),
                owner.accessToken(), "application/zip");
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);

        // Finished deploys are counted once they are a few seconds old (a late commit is still seen).
        PrometheusText.Exposition after = scrape();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while ((after.value("berth_deploys_finished_total", "outcome", "live") < 1
                || after.value("berth_deploys_finished_total", "outcome", "failed") < 1) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            after = scrape();
        }
        assertThat(after.value("berth_deploys_finished_total", "outcome", "live")).isEqualTo(1);
        assertThat(after.value("berth_deploys_finished_total", "outcome", "failed")).isEqualTo(1);
        assertThat(after.value("berth_deploy_duration_seconds_count", "outcome", "live")).isEqualTo(1);
        assertThat(after.value("berth_deploy_duration_seconds_sum", "outcome", "live")).isBetween(0.0, 60.0);
        assertThat(after.value("berth_deploy_duration_seconds_bucket", "outcome", "live", "le", "+Inf")).isEqualTo(1);
        assertThat(after.value("berth_deploys", "status", "live") - before.value("berth_deploys", "status", "live")).isEqualTo(1);
        assertThat(after.value("berth_deploys", "status", "failed") - before.value("berth_deploys", "status", "failed")).isEqualTo(1);
        assertThat(after.value("berth_deploy_queue_depth")).isZero();
        assertThat(after.value("berth_sites", "state", "stopped") - before.value("berth_sites", "state", "stopped")).isEqualTo(1);
        assertThat(after.value("berth_sites_unconverged")).isZero();
        assertThat(after.value("berth_reconcile_lag_seconds")).isZero();
        // JVM and Jetty figures alongside.
        assertThat(after.value("jvm_memory_used_bytes", "area", "heap")).isPositive();
        assertThat(after.value("io_dropwizard_jetty_MutableServletContextHandler_requests_seconds_count")).isPositive();
        // Never on the public port: there /prometheus is only the portal's page.
        HttpResponse<String> publicPort = raw(extension().getLocalPort(), "GET", "/prometheus", null, null, null);
        assertThat(publicPort.body()).doesNotContain("berth_sites");
    }

    @Test
    void everyAnswerNamesItsRequestIdAndAServerErrorQuotesItAndLogsItOnEveryLine() throws Exception {
        Session owner = Tenants.signUp(api(), "rid");
        String site = Tenants.unique("logs");
        ApiClient.Answer created = api().post("/sites", owner.accessToken(), "{\"name\":\"" + site + "\"}");
        assertThat(created.header("X-Request-Id")).matches("[0-9a-f-]{36}");
        assertThat(api().get("/health", null).header("X-Request-Id")).isNotEqualTo(created.header("X-Request-Id"));
        ApiClient.Answer notFound = api().get("/sites/nope-" + UUID.randomUUID().toString().substring(0, 8), owner.accessToken());
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.header("X-Request-Id")).isNotBlank();

        app().reconciler().runOnce();
        app().host().crashNext(new IllegalStateException("a bug in the access-log relay"));
        // Raw: the contract lists no 500 (it is never meant to happen).
        HttpResponse<String> crashed = raw(extension().getLocalPort(), "GET", "/api/v1/sites/" + site + "/access-log", null,
                owner.accessToken(), null);

        assertThat(crashed.statusCode()).isEqualTo(500);
        String requestId = crashed.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(JSON.readTree(crashed.body()).get("correlationId").asText()).isEqualTo(requestId);
        // Dropwizard's appenders write asynchronously: wait for the request's lines.
        List<JsonNode> lines = new ArrayList<>();
        List<JsonNode> ofRequest = List.of();
        for (long deadline = System.nanoTime() + 10_000_000_000L; ofRequest.isEmpty() && System.nanoTime() < deadline; Thread.sleep(100)) {
            lines.clear();
            // Whole lines only: the appender may be halfway through writing the last one.
            String text = Files.readString(logFile());
            for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
                if (!line.isEmpty()) {
                    lines.add(JSON.readTree(line));
                }
            }
            ofRequest = lines.stream().filter(line -> requestId.equals(line.path("mdc").path("requestId").asText(null))).toList();
        }
        assertThat(ofRequest).isNotEmpty();
        assertThat(ofRequest).anySatisfy(line -> {
            assertThat(line.get("level").asText()).isEqualTo("ERROR");
            assertThat(line.get("message").asText()).contains("correlation id " + requestId);
            assertThat(line.get("exception").asText()).contains("a bug in the access-log relay");
        });
        assertThat(lines).allSatisfy(line -> assertThat(line.has("timestamp") && line.has("level") && line.has("logger")).isTrue());
    }

    @Test
    void theApiReferenceIsServedAtApiDocsWithAPolicyThatAllowsNoInlineScript() throws Exception {
        HttpResponse<String> bare = raw(extension().getLocalPort(), "GET", "/api/docs", null, null, null);
        assertThat(bare.statusCode()).isEqualTo(301);
        assertThat(bare.headers().firstValue("Location")).contains("/api/docs/");
        HttpResponse<String> page = raw(extension().getLocalPort(), "GET", "/api/docs/", null, null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"swagger-ui-bundle.js\"></script>").doesNotContain("<script>");
        String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertThat(policy).contains("script-src 'self';").contains("default-src 'none'").doesNotContain("unsafe");
        assertThat(raw(extension().getLocalPort(), "GET", "/api/docs/swagger-ui-bundle.js", null, null, null).statusCode()).isEqualTo(200);
        assertThat(raw(extension().getLocalPort(), "GET", "/api/docs/docs.js", null, null, null).body()).contains("validatorUrl: null");
    }

    private record Owned(Session owner, String site, UUID siteId) {
    }

    private Owned siteOnHost(String prefix) {
        Session owner = Tenants.signUp(api(), prefix);
        String site = Tenants.unique(prefix);
        assertThat(api().post("/sites", owner.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        app().reconciler().runOnce();
        app().reconciler().runOnce();
        return new Owned(owner, site, siteId(site));
    }

    private void point(UUID siteId, int resolutionSeconds, java.time.Instant start, long requests) {
        app().jdbi().useHandle(handle -> handle.createUpdate("""
                        INSERT INTO usage_points (site_id, resolution_seconds, period_start, cpu_millicores, memory_bytes, pids, requests)
                        VALUES (:site, :resolution, :start, 12.5, 4096, 3, :requests)""")
                .bind("site", siteId).bind("resolution", resolutionSeconds).bind("start", start.atOffset(java.time.ZoneOffset.UTC))
                .bind("requests", requests).execute());
    }

    @Test
    void usageGraphsOfADayAndAMonthComeFromTheArchiveAndTheHourKeepsItsArchivedStartAfterARestart() {
        Owned owned = siteOnHost("arc");
        java.time.Instant minute = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        point(owned.siteId(), 60, minute.minus(Duration.ofMinutes(30)), 7);
        point(owned.siteId(), 60, minute.minus(Duration.ofHours(2)), 8);
        point(owned.siteId(), 3600, minute.truncatedTo(java.time.temporal.ChronoUnit.HOURS).minus(Duration.ofDays(3)), 900);

        JsonNode day = api().get("/sites/" + owned.site() + "/usage?period=day", owned.owner().accessToken()).json();
        assertThat(day.get("period").asText()).isEqualTo("day");
        assertThat(day.get("sampleIntervalSeconds").asInt()).isEqualTo(60);
        assertThat(day.get("samples")).extracting(sample -> sample.get("requests").asLong()).containsExactly(8L, 7L);
        assertThat(day.get("samples").get(1).get("time").asText())
                .isEqualTo(minute.minus(Duration.ofMinutes(29)).toString().replace(":00Z", ":00Z"));
        JsonNode month = api().get("/sites/" + owned.site() + "/usage?period=month", owned.owner().accessToken()).json();
        assertThat(month.get("sampleIntervalSeconds").asInt()).isEqualTo(3600);
        assertThat(month.get("samples")).extracting(sample -> sample.get("requests").asLong()).containsExactly(900L);
        assertThat(month.get("samples").get(0).get("cpuMillicores").asDouble()).isEqualTo(12.5);
        // This API's memory began after the archived minute of half an hour ago (as after a restart): the hour shows it first.
        JsonNode hour = api().get("/sites/" + owned.site() + "/usage", owned.owner().accessToken()).json();
        assertThat(hour.get("period").asText()).isEqualTo("hour");
        assertThat(hour.get("samples").get(0).get("requests").asLong()).isEqualTo(7);
        assertThat(hour.get("samples")).noneMatch(sample -> sample.path("requests").asLong() == 8);
        ApiClient.Answer bad = api().get("/sites/" + owned.site() + "/usage?period=year", owned.owner().accessToken());
        assertThat(bad.status()).isEqualTo(400);
    }

    @Test
    void aSitesAccessLogDownloadsAsNdjsonForATimeRangeBoundedAndScopedToItsTenant() throws Exception {
        Owned owned = siteOnHost("ndj");
        List<dev.berth.hostprotocol.AccessLogEntry> newestFirst = new ArrayList<>();
        for (int second = 9; second >= 0; second--) {
            newestFirst.add(new dev.berth.hostprotocol.AccessLogEntry("2026-12-04T10:00:0" + second + "+01:00", owned.site() + ".berth.test",
                    "127.0.0.1", "GET", "/page-" + second, 200, 100 + second, 0.001, "curl/8"));
        }
        app().host().accessLog(owned.siteId(), newestFirst);
        String path = "/api/v1/sites/" + owned.site() + "/access-log/export";

        HttpResponse<String> range = raw(extension().getLocalPort(), "GET", path + "?from=2026-12-04T09:00:02Z&to=2026-12-04T09:00:05Z",
                null, owned.owner().accessToken(), null);

        assertThat(range.statusCode()).as(range.body()).isEqualTo(200);
        assertThat(range.headers().firstValue("Content-Type")).contains("application/x-ndjson");
        assertThat(range.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment; filename=\"" + owned.site());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : range.body().lines().toList()) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).extracting(line -> line.get("uri").asText()).containsExactly("/page-2", "/page-3", "/page-4");
        assertThat(lines.get(0).get("time").asText()).isEqualTo("2026-12-04T09:00:02Z");
        assertThat(lines.get(0).get("bytesSent").asLong()).isEqualTo(102);
        String token = owned.owner().accessToken();
        assertThat(raw(extension().getLocalPort(), "GET", path + "?from=2026-12-04T09:00:00Z&to=2026-12-04T09:01:00Z&limit=4", null, token,
                null).body().lines()).hasSize(4);
        for (String bad : List.of("?from=yesterday", "?from=2026-12-04T10:00:00Z&to=2026-12-04T09:00:00Z",
                "?from=2026-10-01T00:00:00Z&to=2026-12-04T00:00:00Z", "?limit=0", "?limit=100001")) {
            HttpResponse<String> refused = raw(extension().getLocalPort(), "GET", path + bad, null, token, null);
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        }
        Session stranger = Tenants.signUp(api(), "nosy");
        assertThat(raw(extension().getLocalPort(), "GET", path, null, stranger.accessToken(), null).statusCode()).isEqualTo(404);
        app().host().failNext(new HostException("hostd unreachable", true));
        assertThat(raw(extension().getLocalPort(), "GET", path, null, token, null).statusCode()).isEqualTo(503);
        assertThat(raw(extension().getLocalPort(), "GET", path, null, null, null).statusCode()).isEqualTo(401);
    }
}
