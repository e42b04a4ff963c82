package dev.berth.hostd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.accesslog.AccessLogReader;
import dev.berth.hostd.reconcile.Fakes;
import dev.berth.hostd.reconcile.Reconciler;
import dev.berth.hostd.site.SiteValidator;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.AccessLogEntry;
import dev.berth.hostprotocol.AccessLogPage;
import dev.berth.hostprotocol.HostReport;
import dev.berth.hostprotocol.Problem;
import dev.berth.hostprotocol.ProblemType;
import dev.berth.hostprotocol.ReleaseInstalled;
import dev.berth.hostprotocol.RequestCounter;
import dev.berth.hostprotocol.SiteObservation;
import dev.berth.hostprotocol.WireSamples;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * hostd's side of the wire contract: what its resources answer parses, with the contract's strict
 * mapper, as the shared records and has the fields of the golden files; the golden spec is accepted
 * as it is.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class WireContractServerTest {
    private static final ObjectMapper MAPPER = WireSamples.mapper();
    private static final BridgePlan PLAN = BridgePlan.of("berth0", Subnet4.parse("10.1.1.254/24"),
            Subnet6.parse("fd42:b3f1:7a00:1::fe/64"), null);
    private final Path logs = directory("hostd-logs");
    private final SpecStore specs = specStore();
    private final Fakes.FakeContent content = new Fakes.FakeContent();
    private final Reconciler reconciler = Fakes.reconciler(specs, content);
    private final AccessLogReader accessLogs = new AccessLogReader(id -> logs.resolve(id + ".access.json"));
    private final ResourceExtension resources = SitesResourceTest.withProblems(MAPPER)
            .addResource(new SitesResource(specs, new SiteValidator(PLAN, SiteValidator.Ranges.defaults(2, 4096)), reconciler, content))
            .addResource(new HostResource(new Fakes.FakeRuntime(), new Fakes.FakeProxy(), new Fakes.FakeCgroups(), reconciler,
                    () -> true, PLAN))
            .addResource(new AccessLogResource(specs, accessLogs))
            .addResource(new AccessLogResource.RequestCounters(specs, accessLogs))
            .build();

    private static Path directory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SpecStore specStore() {
        try {
            return new SpecStore(directory("hostd-specs"), MAPPER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        reconciler.close();
    }

    private Response putGoldenSpec() {
        return resources.target("/v1/sites/" + WireSamples.SITE).request()
                .put(Entity.entity(WireSamples.golden("site-spec"), MediaType.APPLICATION_JSON));
    }

    private static <T> T parse(Response response, Class<T> type, String golden) throws IOException {
        String body = response.readEntity(String.class);
        assertThat(fieldNames(MAPPER.readTree(body))).as("fields of the answer next to golden/" + golden + ".json")
                .isEqualTo(fieldNames(MAPPER.readTree(WireSamples.golden(golden))));
        return MAPPER.readValue(body, type);
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    @Test
    void theGoldenSpecIsAcceptedAndEveryObservationParsesAsTheSharedRecord() throws Exception {
        Response accepted = putGoldenSpec();
        assertThat(accepted.getStatus()).isEqualTo(202);
        SiteObservation observation = parse(accepted, SiteObservation.class, "site-observation");
        assertThat(observation.siteId()).isEqualTo(WireSamples.SITE);
        assertThat(observation.desiredGeneration()).isEqualTo(WireSamples.SITE_SPEC.generation());
        assertThat(specs.get(WireSamples.SITE)).contains(WireSamples.SITE_SPEC);

        SiteObservation one = parse(resources.target("/v1/sites/" + WireSamples.SITE).request().get(), SiteObservation.class,
                "site-observation");
        assertThat(one.ipv4()).isEqualTo(WireSamples.SITE_SPEC.ipv4());
        String list = resources.target("/v1/sites").request().get(String.class);
        List<SiteObservation> all = MAPPER.readValue(list, new TypeReference<List<SiteObservation>>() { });
        assertThat(all).extracting(SiteObservation::siteId).containsExactly(WireSamples.SITE);
    }

    @Test
    void theHostReportParsesAsTheSharedRecordAndCarriesTheHostsAddressPlan() throws Exception {
        putGoldenSpec();
        HostReport report = parse(resources.target("/v1/host").request().get(), HostReport.class, "host-report");
        assertThat(report.sites()).isEqualTo(1);
        assertThat(report.network()).isEqualTo(PLAN.toNetworkPlan());
        assertThat(BridgePlan.of(report.network()).lowestFree(List.of()).orElseThrow().ipv4()).isEqualTo("10.1.1.1");
    }

    @Test
    void accessLogsAndCountersParseAsTheSharedRecords() throws Exception {
        putGoldenSpec();
        List<String> lines = new ArrayList<>();
        for (AccessLogEntry entry : WireSamples.ACCESS_LOG_PAGE.entries()) {
            lines.add(0, new ObjectMapper().writeValueAsString(entry)); // the file is oldest first
        }
        Files.write(logs.resolve(WireSamples.SITE + ".access.json"), lines);
        AccessLogPage page = parse(resources.target("/v1/sites/" + WireSamples.SITE + "/access-log").queryParam("lines", 10)
                .request().get(), AccessLogPage.class, "access-log-page");
        assertThat(page).isEqualTo(WireSamples.ACCESS_LOG_PAGE);
        List<RequestCounter> counters = MAPPER.readValue(resources.target("/v1/usage/requests").request().get(String.class),
                new TypeReference<List<RequestCounter>>() { });
        assertThat(counters).extracting(RequestCounter::siteId).containsExactly(WireSamples.SITE);
    }

    @Test
    void aReleaseUploadIsAnsweredWithTheSharedRecord() throws Exception {
        putGoldenSpec();
        Response installed = resources.target("/v1/sites/" + WireSamples.SITE + "/releases/r-0003").request()
                .put(Entity.entity(new byte[0], "application/x-tar"));
        assertThat(installed.getStatus()).isEqualTo(201);
        assertThat(parse(installed, ReleaseInstalled.class, "release-installed")).isEqualTo(WireSamples.RELEASE_INSTALLED);
    }

    @Test
    void everyErrorIsASharedProblemOfAContractType() throws Exception {
        Response missing = resources.target("/v1/sites/" + UUID.randomUUID()).request().get();
        assertThat(missing.getMediaType().toString()).startsWith(Problem.MEDIA_TYPE);
        assertThat(parse(missing, Problem.class, "http-problem").is(ProblemType.NOT_FOUND)).isTrue();

        String invalid = WireSamples.golden("site-spec").replace("\"10.1.1.7\"", "\"10.1.1.254\"").replace("\"alpha\"", "\"Alpha!\"");
        Response refused = resources.target("/v1/sites/" + WireSamples.SITE).request().put(Entity.entity(invalid, MediaType.APPLICATION_JSON));
        Problem problem = parse(refused, Problem.class, "problem");
        assertThat(problem.is(ProblemType.INVALID_SPEC)).isTrue();
        assertThat(problem.status()).isEqualTo(422);
        assertThat(problem.problems()).hasSize(2);

        Response stale = putGoldenSpec();
        assertThat(stale.getStatus()).isEqualTo(202);
        String older = WireSamples.golden("site-spec").replace("\"generation\" : 4", "\"generation\" : 3").replace("r-0003", "r-0002");
        Problem staleProblem = MAPPER.readValue(resources.target("/v1/sites/" + WireSamples.SITE).request()
                .put(Entity.entity(older, MediaType.APPLICATION_JSON)).readEntity(String.class), Problem.class);
        assertThat(staleProblem.is(ProblemType.STALE_GENERATION)).isTrue();

        Problem wrongMethod = MAPPER.readValue(resources.target("/v1/host").request().delete().readEntity(String.class), Problem.class);
        assertThat(wrongMethod.type()).isEqualTo(ProblemType.ofHttpStatus(405));
    }
}
