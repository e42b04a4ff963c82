package dev.berth.hostd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.content.ReleaseStore;
import dev.berth.hostd.reconcile.Fakes;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.site.SpecStore;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A site's disk ceiling and usage through the socket API, with the real release store behind it. */
@ExtendWith(DropwizardExtensionsSupport.class)
class SiteDiskResourceTest {
    private static final ObjectMapper MAPPER = Jackson.newObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final long CEILING = 4096;
    private final SpecStore specs = store("hostd-specs");
    private final ReleaseStore content = new ReleaseStore(directory("hostd-sites"), new ReleaseStore.Limits(100, 1 << 20, 5, CEILING));
    private final Reconciler reconciler = Fakes.reconciler(specs, content);
    private final ResourceExtension resources = SitesResourceTest.withProblems(MAPPER)
            .addResource(SitesResourceTest.sitesResource(specs, reconciler, content))
            .build();

    private static Path directory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SpecStore store(String prefix) {
        try {
            return new SpecStore(directory(prefix), MAPPER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        reconciler.close();
    }

    private static byte[] tarOf(int bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            byte[] data = "x".repeat(bytes).getBytes(StandardCharsets.US_ASCII);
            TarArchiveEntry entry = new TarArchiveEntry("index.html");
            entry.setSize(data.length);
            tar.putArchiveEntry(entry);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    private Response install(UUID siteId, String release, int bytes) throws IOException {
        return resources.target("/v1/sites/" + siteId + "/releases/" + release).request()
                .put(Entity.entity(tarOf(bytes), "application/x-tar"));
    }

    @Test
    void aReleaseOverTheSitesCeilingIsAProblemOfItsOwnAndUsageIsReported() throws Exception {
        UUID siteId = UUID.randomUUID();
        String spec = """
                {"siteId":"%s","name":"alpha","tenantId":"6d0f5a3e-0000-4000-8000-000000000001","hostnames":["alpha.localhost"],
                 "ipv4":"10.1.1.5","ipv6":"fd00:b5e7:1::5","siteLimits":{"cpuMillicores":500,"memoryMib":64,"pids":64},
                 "tenantLimits":{"cpuMillicores":1000,"memoryMib":256,"pids":256},"running":true,"release":null,"generation":1}
                """.formatted(siteId);
        assertThat(resources.target("/v1/sites/" + siteId).request().put(Entity.entity(spec, MediaType.APPLICATION_JSON)).getStatus())
                .isEqualTo(202);
        reconciler.converger().converge(siteId);
        long welcome = MAPPER.readTree(resources.target("/v1/sites/" + siteId).request().get(String.class)).path("diskBytes").asLong();
        assertThat(welcome).isPositive();

        assertThat(install(siteId, "r1", 1000).getStatus()).isEqualTo(201);
        JsonNode observed = MAPPER.readTree(resources.target("/v1/sites").request().get(String.class)).get(0);
        assertThat(observed.path("diskBytes").asLong()).isEqualTo(welcome + 1000);

        Response refused = install(siteId, "r2", (int) CEILING);
        assertThat(refused.getStatus()).isEqualTo(422);
        assertThat(refused.getMediaType().toString()).startsWith("application/problem+json");
        JsonNode problem = MAPPER.readTree(refused.readEntity(String.class));
        assertThat(problem.path("type").asText()).isEqualTo("https://berth.dev/problems/hostd/disk-ceiling");
        assertThat(problem.path("detail").asText()).contains("disk ceiling of 4096 bytes (content.maxSiteBytes)");
        assertThat(content.diskBytes(siteId)).isEqualTo(welcome + 1000);
    }
}
