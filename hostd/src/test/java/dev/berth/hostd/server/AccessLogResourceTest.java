package dev.berth.hostd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.accesslog.AccessLogReader;
import dev.berth.hostd.reconcile.Fakes;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The access-log and request-counter endpoints on real files: bounded, by site id only, problems for
 * bad input. Registered next to {@link SitesResource}, as in hostd, so the routing is the real one.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class AccessLogResourceTest {
    private static final ObjectMapper MAPPER = Jackson.newObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Path logs = temp("hostd-logs");
    private final SpecStore specs = store();
    private final AccessLogReader reader = new AccessLogReader(id -> logs.resolve(id + ".access.json"));
    private final Fakes.FakeContent content = new Fakes.FakeContent();
    private final Reconciler reconciler = Fakes.reconciler(specs, content);
    private final ResourceExtension resources = SitesResourceTest.withProblems(MAPPER)
            .addResource(SitesResourceTest.sitesResource(specs, reconciler, content))
            .addResource(new AccessLogResource(specs, reader))
            .addResource(new AccessLogResource.RequestCounters(specs, reader))
            .build();

    @AfterEach
    void stop() {
        reconciler.close();
    }

    private static Path temp(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SpecStore store() {
        try {
            return new SpecStore(temp("hostd-specs"), MAPPER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private UUID held() throws IOException {
        UUID siteId = UUID.randomUUID();
        specs.put(new SiteSpec(siteId, "alpha", UUID.randomUUID(), java.util.List.of("alpha.localhost"), "10.1.1.5",
                "fd00:b5e7:1::5", new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1));
        return siteId;
    }

    private JsonNode json(Response response) throws IOException {
        return MAPPER.readTree(response.readEntity(String.class));
    }

    @Test
    void aHeldSitesRecentRequestsAreAnsweredNewestFirst() throws IOException {
        UUID siteId = held();
        Files.writeString(logs.resolve(siteId + ".access.json"),
                "{\"time\":\"2026-11-29T04:00:01+00:00\",\"method\":\"GET\",\"uri\":\"/a\",\"status\":200,\"bytesSent\":5,\"requestSeconds\":0.001}\n"
                        + "{\"time\":\"2026-11-29T04:00:02+00:00\",\"method\":\"GET\",\"uri\":\"/b\",\"status\":404,\"bytesSent\":9,\"requestSeconds\":0.000}\n");
        Response response = resources.target("/v1/sites/" + siteId + "/access-log").queryParam("lines", 10).request().get();
        assertThat(response.getStatus()).isEqualTo(200);
        JsonNode entries = json(response).path("entries");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).path("uri").asText()).isEqualTo("/b");
        assertThat(entries.get(0).path("status").asInt()).isEqualTo(404);
    }

    @Test
    void badLineCountsUnknownSitesAndBadIdsAreProblems() throws IOException {
        UUID siteId = held();
        for (String lines : new String[] {"0", "201", "-3", "ten", "1e3"}) {
            Response response = resources.target("/v1/sites/" + siteId + "/access-log").queryParam("lines", lines).request().get();
            assertThat(response.getStatus()).as(lines).isEqualTo(422);
            assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
        }
        assertThat(resources.target("/v1/sites/" + UUID.randomUUID() + "/access-log").request().get().getStatus()).isEqualTo(404);
        assertThat(resources.target("/v1/sites/..%2F..%2Fetc%2Fpasswd/access-log").request().get().getStatus()).isIn(404, 422);
        assertThat(resources.target("/v1/sites/NOT-A-UUID/access-log").request().get().getStatus()).isEqualTo(422);
    }

    @Test
    void requestCountersCoverEveryHeldSite() throws IOException {
        UUID siteId = held();
        Path log = logs.resolve(siteId + ".access.json");
        Files.writeString(log, "{\"status\":200}\n");
        assertThat(json(resources.target("/v1/usage/requests").request().get()).get(0).path("requests").asLong()).isZero();
        Files.writeString(log, "{\"status\":200}\n{\"status\":200}\n{\"status\":200}\n");
        JsonNode counters = json(resources.target("/v1/usage/requests").request().get());
        assertThat(counters).hasSize(1);
        assertThat(counters.get(0).path("siteId").asText()).isEqualTo(siteId.toString());
        assertThat(counters.get(0).path("requests").asLong()).isEqualTo(2);
    }

    @Test
    void rangeStreamsTheRequestsOfATimeRangeAsNdjsonAndRefusesBadRanges() throws IOException {
        UUID siteId = held();
        StringBuilder log = new StringBuilder();
        for (int second = 0; second < 10; second++) {
            log.append("{\"time\":\"2026-12-04T10:00:0").append(second).append("+01:00\",\"method\":\"GET\",\"uri\":\"/").append(second)
                    .append("\",\"status\":200,\"bytesSent\":1}\n");
        }
        Files.writeString(logs.resolve(siteId + ".access.json"), log);

        Response range = resources.target("/v1/sites/" + siteId + "/access-log/range")
                .queryParam("from", "2026-12-04T09:00:02Z").queryParam("to", "2026-12-04T09:00:05Z").request().get();

        assertThat(range.getStatus()).isEqualTo(200);
        assertThat(range.getMediaType().toString()).isEqualTo("application/x-ndjson");
        assertThat(range.readEntity(String.class).lines().map(line -> {
            try {
                return MAPPER.readTree(line).get("uri").asText();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList()).containsExactly("/2", "/3", "/4");
        assertThat(resources.target("/v1/sites/" + siteId + "/access-log/range").queryParam("from", "2026-12-04T09:00:00Z")
                .queryParam("to", "2026-12-04T10:00:00Z").queryParam("limit", "2").request().get().readEntity(String.class).lines())
                .hasSize(2);
        assertThat(resources.target("/v1/sites/" + siteId + "/access-log/range").queryParam("from", "yesterday")
                .queryParam("to", "2026-12-04T09:00:05Z").request().get().getStatus()).isEqualTo(422);
        assertThat(resources.target("/v1/sites/" + siteId + "/access-log/range").queryParam("from", "2026-12-04T09:00:05Z")
                .queryParam("to", "2026-12-04T09:00:05Z").request().get().getStatus()).isEqualTo(422);
        assertThat(resources.target("/v1/sites/" + siteId + "/access-log/range").queryParam("from", "2026-12-04T09:00:00Z")
                .queryParam("to", "2026-12-04T09:00:05Z").queryParam("limit", "100001").request().get().getStatus()).isEqualTo(422);
        assertThat(resources.target("/v1/sites/" + UUID.randomUUID() + "/access-log/range").queryParam("from", "2026-12-04T09:00:00Z")
                .queryParam("to", "2026-12-04T09:00:05Z").request().get().getStatus()).isEqualTo(404);
    }
}
