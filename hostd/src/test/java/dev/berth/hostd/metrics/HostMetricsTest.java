package dev.berth.hostd.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.hostd.accesslog.AccessLogReader;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.SiteObservation;
import dev.berth.observability.PrometheusEndpoint;
import dev.berth.testkit.PrometheusText;
import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * hostd's {@code /prometheus} as Prometheus reads it: {@link HostMetrics} over a real access-log
 * reader and fake observations, served by the shared endpoint behind {@link AdminExposure}, on a
 * small Dropwizard application (hostd itself needs root; its real scrape is in the e2e suite).
 */
class HostMetricsTest {
    static final UUID ALPHA = UUID.randomUUID();
    static final UUID BETA = UUID.randomUUID();
    static final List<SiteObservation> SITES = new CopyOnWriteArrayList<>();
    static final List<CertificateState> CERTIFICATES = new CopyOnWriteArrayList<>();
    static Path logs;
    static DropwizardTestSupport<Configuration> app;
    final HttpClient http = HttpClient.newHttpClient();

    /** The metrics part of hostd's composition, with the inputs above. */
    public static final class MetricsApp extends Application<Configuration> {
        @Override
        public void run(Configuration configuration, Environment environment) {
            PrometheusEndpoint.install(environment).register(new HostMetrics(() -> List.copyOf(SITES),
                    new AccessLogReader(id -> logs.resolve(id + ".access.json")), () -> List.copyOf(CERTIFICATES),
                    () -> new dev.berth.hostprotocol.WarmPoolState(4, 3, null)));
            AdminExposure.restrict(environment);
        }
    }

    static SiteObservation site(UUID id, String name, String state, long desired, long applied, Map<String, String> errors) {
        Map<dev.berth.hostprotocol.SitePart, String> byPart = new java.util.HashMap<>();
        errors.forEach((part, error) -> byPart.put(dev.berth.hostprotocol.SitePart.valueOf(part.toUpperCase(java.util.Locale.ROOT)), error));
        return new SiteObservation(id, name, SiteObservation.State.valueOf(state.toUpperCase(java.util.Locale.ROOT)), desired, applied, null,
                byPart, 3_000_000, 2_500_000_000L, 1, "10.1.1.2", "fd00::2", null, 1, null, Instant.now(), -1);
    }

    @BeforeAll
    static void start() throws Exception {
        logs = Files.createTempDirectory("host-metrics-");
        app = new DropwizardTestSupport<>(MetricsApp.class, (String) null,
                ConfigOverride.config("server.applicationConnectors[0].port", "0"),
                ConfigOverride.config("server.applicationConnectors[0].bindHost", "127.0.0.1"),
                ConfigOverride.config("server.adminConnectors[0].port", "0"),
                ConfigOverride.config("server.adminConnectors[0].bindHost", "127.0.0.1"));
        app.before();
    }

    @AfterAll
    static void stop() throws Exception {
        app.after();
        try (var files = Files.list(logs)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(logs);
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getAdminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void log(UUID site, String uri, int bytes) throws Exception {
        Files.writeString(logs.resolve(site + ".access.json"), "{\"time\":\"2026-12-04T10:00:00+00:00\",\"host\":\"a.localhost\","
                + "\"method\":\"GET\",\"uri\":\"" + uri + "\",\"status\":200,\"bytesSent\":" + bytes + ",\"requestSeconds\":0.001}\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void sitesPartsRequestsBytesAndCertificatesAreScrapedWithSaneValues() throws Exception {
        Assumptions.assumeTrue(PrometheusText.unavailable().isEmpty(), () -> PrometheusText.unavailable().orElse(""));
        SITES.add(site(ALPHA, "alpha", "running", 3, 3, Map.of()));
        SITES.add(site(BETA, "beta", "failed", 2, 1, Map.of("proxy", "nginx -t failed", "dns", "refused")));
        Instant expiry = Instant.parse("2027-03-01T00:00:00Z");
        CERTIFICATES.add(new CertificateState("platform", List.of("*.example.test"), "active", "Pebble", "01", Instant.now(), expiry,
                null, null, null, null, 0, "v1"));
        log(ALPHA, "/first", 10);
        assertThat(admin("GET", "/prometheus").statusCode()).isEqualTo(200); // sets the counters' baseline
        log(ALPHA, "/a", 100);
        log(ALPHA, "/b", 250);
        log(BETA, "/c", 5);

        PrometheusText.Exposition metrics = PrometheusText.parse(admin("GET", "/prometheus").body());

        assertThat(metrics.value("berth_hostd_sites", "state", "running")).isEqualTo(1);
        assertThat(metrics.value("berth_hostd_sites", "state", "failed")).isEqualTo(1);
        assertThat(metrics.value("berth_hostd_sites", "state", "stopped")).isZero();
        assertThat(metrics.value("berth_hostd_sites_unconverged")).isEqualTo(1);
        assertThat(metrics.value("berth_hostd_site_errors", "part", "proxy")).isEqualTo(1);
        assertThat(metrics.value("berth_hostd_site_errors", "part", "dns")).isEqualTo(1);
        assertThat(metrics.value("berth_hostd_site_errors", "part", "runtime")).isZero();
        assertThat(metrics.value("berth_site_requests_total", "site", "alpha")).isEqualTo(2);
        assertThat(metrics.value("berth_site_sent_bytes_total", "site", "alpha")).isEqualTo(350);
        // beta had no log at the first look: its first request, written afterwards, counts.
        assertThat(metrics.value("berth_site_requests_total", "site", "beta")).isEqualTo(1);
        assertThat(metrics.value("berth_site_sent_bytes_total", "site", "beta")).isEqualTo(5);
        assertThat(metrics.value("berth_site_memory_bytes", "site", "alpha")).isEqualTo(3_000_000);
        assertThat(metrics.value("berth_site_cpu_seconds_total", "site", "beta")).isEqualTo(2.5);
        assertThat(metrics.value("berth_certificate_expiry_timestamp_seconds", "certificate", "platform")).isEqualTo(expiry.getEpochSecond());
        assertThat(metrics.value("berth_certificate_renewal_failures", "certificate", "platform")).isZero();
        assertThat(metrics.value("berth_hostd_warm_pool_size")).isEqualTo(4);
        assertThat(metrics.value("berth_hostd_warm_pool_ready")).isEqualTo(3);
        assertThat(metrics.named("jvm_memory_used_bytes", "area", "heap")).isNotEmpty();
    }

    @Test
    void theAdminPortAnswersMetricsAndHealthOnlyNeverTasksOrThreadDumps() throws Exception {
        assertThat(admin("GET", "/prometheus").statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/ping").statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/healthcheck").statusCode()).isIn(200, 500);
        assertThat(admin("POST", "/tasks/log-level?logger=ROOT&level=TRACE").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/tasks/gc").statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/threads").statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/metrics").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/prometheus").statusCode()).isEqualTo(404);
    }
}
