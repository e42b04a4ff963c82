package dev.berth.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testkit.PrometheusText;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Configuration;
import io.dropwizard.testing.DropwizardTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.text.StringSubstitutor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the API and hostd share: /prometheus on the admin port, request ids in responses and in every log line, both layouts. */
class ObservabilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path logs;

    private DropwizardTestSupport<Configuration> start(String format, Class<? extends ObservedApp> application) throws Exception {
        Path log = logs.resolve(format + ".log");
        Map<String, String> variables = Map.of("LOG_FILE", log.toString(), "LOG_FORMAT", format);
        DropwizardTestSupport<Configuration> app = new DropwizardTestSupport<>(application, "observed.yml",
                new SubstitutingSourceProvider(new ResourceConfigurationSourceProvider(), new StringSubstitutor(variables::get)));
        app.before();
        return app;
    }

    private HttpResponse<String> get(int port, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void prometheusTextOnTheAdminPortCarriesTheJvmAndJettyFiguresAndParses() throws Exception {
        Assumptions.assumeTrue(PrometheusText.unavailable().isEmpty(), () -> PrometheusText.unavailable().orElse(""));
        DropwizardTestSupport<Configuration> app = start("text", ObservedApp.class);
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(get(app.getLocalPort(), "/hello", Map.of()).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> scrape = get(app.getAdminPort(), PrometheusEndpoint.PATH, Map.of());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(get(app.getLocalPort(), PrometheusEndpoint.PATH, Map.of()).statusCode())
                    .as("never on the application port").isEqualTo(404);

            PrometheusText.Exposition metrics = PrometheusText.parse(scrape.body());

            assertThat(metrics.value("jvm_memory_used_bytes", "area", "heap")).isPositive();
            assertThat(metrics.named("jvm_threads_current")).isNotEmpty();
            assertThat(metrics.value("io_dropwizard_jetty_MutableServletContextHandler_requests_seconds_count")).isGreaterThanOrEqualTo(3);
            assertThat(metrics.value("io_dropwizard_jetty_MutableServletContextHandler_2xx_responses_total")).isGreaterThanOrEqualTo(3);
            assertThat(metrics.any(name -> name.startsWith("org_eclipse_jetty_util_thread_QueuedThreadPool_dw_"))).isTrue();
            assertThat(metrics.any(name -> name.startsWith("jvm_memory_heap_"))).as("Dropwizard's own jvm.* are not repeated").isFalse();
        } finally {
            app.after();
        }
    }

    @Test
    void everyJsonLogLineOfARequestCarriesTheIdTheResponseNames() throws Exception {
        DropwizardTestSupport<Configuration> app = start("json", ObservedApp.class);
        HttpResponse<String> first;
        HttpResponse<String> second;
        try {
            first = get(app.getLocalPort(), "/hello", Map.of());
            second = get(app.getLocalPort(), "/hello", Map.of(RequestIds.HEADER, "chosen-by-the-client"));
        } finally {
            app.after();
        }
        String firstId = first.headers().firstValue(RequestIds.HEADER).orElseThrow();
        String secondId = second.headers().firstValue(RequestIds.HEADER).orElseThrow();
        assertThat(firstId).matches("[0-9a-f-]{36}").isNotEqualTo(secondId);
        assertThat(secondId).as("an untrusting application makes its own ids").isNotEqualTo("chosen-by-the-client");

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(logs.resolve("json.log"))) {
            lines.add(JSON.readTree(line));
        }
        List<JsonNode> ofFirst = lines.stream().filter(line -> firstId.equals(line.path("mdc").path("requestId").asText(null))).toList();
        assertThat(ofFirst).extracting(line -> line.get("message").asText()).containsExactly("saying hello", "said hello to " + firstId);
        assertThat(ofFirst).allSatisfy(line -> assertThat(line.get("level").asText()).isIn("INFO", "WARN"));
        assertThat(lines.stream().filter(line -> line.path("message").asText().startsWith("said hello")).count()).isEqualTo(2);
    }

    @Test
    void aTrustingApplicationKeepsAWellFormedCallerIdAndTheTextLayoutPrintsIt() throws Exception {
        DropwizardTestSupport<Configuration> app = start("text", ObservedApp.Trusting.class);
        HttpResponse<String> kept;
        HttpResponse<String> refused;
        try {
            kept = get(app.getLocalPort(), "/hello", Map.of(RequestIds.HEADER, "api-3f2a9c"));
            refused = get(app.getLocalPort(), "/hello", Map.of(RequestIds.HEADER, "no spaces\tor tabs"));
        } finally {
            app.after();
        }
        assertThat(kept.headers().firstValue(RequestIds.HEADER)).contains("api-3f2a9c");
        assertThat(refused.headers().firstValue(RequestIds.HEADER).orElseThrow()).matches("[0-9a-f-]{36}");
        List<String> lines = Files.readAllLines(logs.resolve("text.log"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("INFO ").endsWith("ObservedApp$Greeting: [api-3f2a9c] saying hello"));
        assertThat(lines).filteredOn(line -> line.contains("Started")).allSatisfy(line -> assertThat(line).doesNotContain("[]"));
    }
}
