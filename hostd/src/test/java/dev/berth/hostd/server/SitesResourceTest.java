package dev.berth.hostd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.content.Content;
import dev.berth.hostd.reconcile.Fakes;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.site.SiteValidator;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The socket API's answers with fakes behind it: raw JSON in, status and problem documents out. */
@ExtendWith(DropwizardExtensionsSupport.class)
class SitesResourceTest {
    private static final ObjectMapper MAPPER = Jackson.newObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final SpecStore specs = newStore();
    private final Fakes.FakeContent content = new Fakes.FakeContent();
    private final Reconciler reconciler = Fakes.reconciler(specs, content);
    private final ResourceExtension resources = withProblems(MAPPER)
            .addResource(sitesResource(specs, reconciler, content))
            .build();

    /** A resource extension with hostd's problem mappers (every error problem+json) and the given mapper. */
    static ResourceExtension.Builder withProblems(ObjectMapper mapper) {
        return ResourceExtension.builder()
                .setMapper(mapper)
                .setRegisterDefaultExceptionMappers(false)
                .addProvider(new Problems.InvalidSpecMapper())
                .addProvider(new Problems.HostOperationMapper())
                .addProvider(new Problems.JsonMapper())
                .addProvider(new Problems.WebApplicationMapper())
                .addProvider(new Problems.UnexpectedMapper());
    }

    /** hostd's sites resource for the bridge addresses 10.1.1.254/24 and fd00:b5e7:1::fe/64. */
    static SitesResource sitesResource(SpecStore specs, Reconciler reconciler, Content content) {
        return new SitesResource(specs, new SiteValidator(Subnet4.parse("10.1.1.254/24"), Subnet6.parse("fd00:b5e7:1::fe/64"),
                SiteValidator.Ranges.defaults(2, 4096)), reconciler, content);
    }

    private static SpecStore newStore() {
        try {
            return new SpecStore(Files.createTempDirectory("hostd-specs"), MAPPER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        reconciler.close();
    }

    private static String spec(UUID siteId, String ipv4, long generation) {
        return """
                {"siteId":"%s","name":"alpha","tenantId":"6d0f5a3e-0000-4000-8000-000000000001","hostnames":["alpha.localhost"],
                 "ipv4":"%s","ipv6":"fd00:b5e7:1::5","siteLimits":{"cpuMillicores":500,"memoryMib":64,"pids":64},
                 "tenantLimits":{"cpuMillicores":1000,"memoryMib":256,"pids":256},"running":true,"release":null,"generation":%d}
                """.formatted(siteId, ipv4, generation);
    }

    private Response put(UUID siteId, String json) {
        return resources.target("/v1/sites/" + siteId).request().put(Entity.entity(json, MediaType.APPLICATION_JSON));
    }

    private static JsonNode body(Response response) throws IOException {
        return MAPPER.readTree(response.readEntity(String.class));
    }

    @Test
    void aValidSpecIsAcceptedStoredAndReported() throws Exception {
        UUID siteId = UUID.randomUUID();
        Response response = put(siteId, spec(siteId, "10.1.1.5", 1));
        assertThat(response.getStatus()).isEqualTo(202);
        assertThat(specs.get(siteId)).isPresent();
        JsonNode observed = body(resources.target("/v1/sites/" + siteId).request().get());
        assertThat(observed.path("siteId").asText()).isEqualTo(siteId.toString());
        assertThat(observed.path("desiredGeneration").asLong()).isEqualTo(1);
    }

    @Test
    void theSameSpecTwiceIsAnswered200AndAnOlderGeneration409() throws Exception {
        UUID siteId = UUID.randomUUID();
        assertThat(put(siteId, spec(siteId, "10.1.1.5", 2)).getStatus()).isEqualTo(202);
        assertThat(put(siteId, spec(siteId, "10.1.1.5", 2)).getStatus()).isEqualTo(200);
        Response stale = put(siteId, spec(siteId, "10.1.1.6", 1));
        assertThat(stale.getStatus()).isEqualTo(409);
        assertThat(body(stale).path("type").asText()).endsWith("/stale-generation");
    }

    @Test
    void anInvalidSpecIsRefusedWithEveryProblemAndNothingStored() throws Exception {
        UUID siteId = UUID.randomUUID();
        Response response = put(siteId, spec(siteId, "192.168.1.5", 1).replace("\"alpha\"", "\"Alpha!\""));
        assertThat(response.getStatus()).isEqualTo(422);
        assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
        JsonNode problem = body(response);
        assertThat(problem.path("problems")).hasSize(2);
        assertThat(problem.path("detail").asText()).contains("name must be a DNS label").contains("ipv4 192.168.1.5");
        assertThat(specs.get(siteId)).isEmpty();
    }

    @Test
    void unknownFieldsAndMalformedJsonAreProblems() throws Exception {
        UUID siteId = UUID.randomUUID();
        Response unknown = put(siteId, spec(siteId, "10.1.1.5", 1).replace("\"running\"", "\"privileged\":true,\"running\""));
        assertThat(unknown.getStatus()).isEqualTo(400);
        assertThat(body(unknown).path("detail").asText()).contains("unknown field 'privileged'");
        Response malformed = put(siteId, "{\"siteId\": ");
        assertThat(malformed.getStatus()).isEqualTo(400);
        assertThat(malformed.getMediaType().toString()).startsWith("application/problem+json");
        assertThat(specs.get(siteId)).isEmpty();
    }

    @Test
    void aSiteIdThatIsNotAUuidIsRefused() {
        assertThat(put(UUID.randomUUID(), "{}").getStatus()).isEqualTo(422);
        Response response = resources.target("/v1/sites/..%2Fetc").request().get();
        assertThat(response.getStatus()).isIn(404, 422);
    }

    @Test
    void deletingAnUnknownSiteSucceeds() {
        Response response = resources.target("/v1/sites/" + UUID.randomUUID()).request().delete();
        assertThat(response.getStatus()).isEqualTo(204);
    }

    @Test
    void aReleaseForAnUnknownSiteIs404() {
        Response response = resources.target("/v1/sites/" + UUID.randomUUID() + "/releases/r1").request()
                .put(Entity.entity(new byte[10], "application/x-tar"));
        assertThat(response.getStatus()).isEqualTo(404);
    }
}
