package dev.berth.api.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.hostile.HostileCase.Request;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The hostile-input suite: every case of the tables ({@link SiteNameCases}, {@link JsonBodyCases},
 * {@link TokenCases}, {@link ArchiveCases}, {@link RepositoryUrlCases}, {@link WebhookCases},
 * {@link DomainCases}, {@link ClientAddressCases}, {@link EndpointUrlCases}) is
 * sent to the real application (with the fake host) and must be answered with its status and
 * problem type, never a 500, and must leave the database, the data directory and the host exactly
 * as they were, apart from the writes the case names. Runs once per database (see the subclasses).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostileInput {
    private static final String PROBLEM_TYPES = "https://berth.dev/problems/";
    private World world;

    /** The running application this class's cases are sent to. */
    abstract DropwizardAppExtension<BerthConfiguration> extension();

    /** A fresh data directory (spool, keys) for one application, so that the suite sees every file it holds. */
    static String temporaryDataDirectory() {
        try {
            java.nio.file.Path directory = java.nio.file.Files.createTempDirectory("berth-hostile-");
            directory.toFile().deleteOnExit();
            return directory.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private World world() throws Exception {
        if (world == null) {
            BerthConfiguration config = extension().getConfiguration();
            world = new World(new ApiClient(extension().getLocalPort()), extension().getApplication(), config,
                    Path.of(config.platform.dataDirectory));
        }
        return world;
    }

    @AfterAll
    void closeTrap() throws Exception {
        if (world != null) {
            world.trap.close();
        }
    }

    /** A table of cases, built against the world. */
    @FunctionalInterface
    interface Table {
        List<HostileCase> cases(World world) throws Exception;
    }

    private static final List<Table> TABLES = List.of(SiteNameCases::cases, JsonBodyCases::cases, TokenCases::cases, ArchiveCases::cases,
            RepositoryUrlCases::cases, WebhookCases::cases, DomainCases::cases, ClientAddressCases::cases, EndpointUrlCases::cases);

    /** One container per table, named after its area, holding one test per case. */
    @TestFactory
    Stream<DynamicContainer> everyHostileInputIsRefusedWithoutSideEffects() throws Exception {
        List<DynamicContainer> areas = new ArrayList<>();
        for (Table table : TABLES) {
            List<HostileCase> cases = table.cases(world());
            areas.add(DynamicContainer.dynamicContainer(cases.get(0).area(), cases.stream()
                    .map(hostile -> DynamicTest.dynamicTest(hostile.area() + ": " + hostile.name(), () -> execute(hostile)))));
        }
        return areas.stream();
    }

    @Test
    void theSuiteHoldsAtLeastTwoHundredDistinctCases() throws Exception {
        List<HostileCase> all = new ArrayList<>();
        for (Table table : TABLES) {
            all.addAll(table.cases(world()));
        }
        Set<String> names = new HashSet<>();
        all.forEach(hostile -> assertThat(names.add(hostile.area() + ": " + hostile.name())).as("duplicate case " + hostile.name()).isTrue());
        Map<String, Long> byArea = all.stream().collect(Collectors.groupingBy(HostileCase::area, java.util.TreeMap::new, Collectors.counting()));
        System.out.println("Hostile-input cases by area: " + byArea + ", " + all.size() + " in all");
        assertThat(all).hasSizeGreaterThanOrEqualTo(200);
    }

    @Test
    void theSuitesForgerSignsLikeTheServerSoEachForgedTokenIsRefusedForWhatItChanges() throws Exception {
        ApiClient.Answer me = world().api.get("/me", TokenCases.controlToken(world()));
        assertThat(me.status()).as(me.toString()).isEqualTo(200);
        assertThat(me.json().get("tenantId").asText()).isEqualTo(world().victim.tenantId().toString());
    }

    private void execute(HostileCase hostile) throws Exception {
        Request request = hostile.prepare().request();
        StateSnapshot before = world.capture();
        // A client of its own: no case inherits a connection an earlier hostile request left half-read or closing.
        ApiClient.Answer answer = new ApiClient(extension().getLocalPort()).sendBytes(request.method(), request.path(), request.token(), request.body(), request.contentType(),
                request.headers());
        assertThat(answer.status()).as(answer.toString()).isEqualTo(hostile.status());
        if (hostile.problem() != null) {
            assertThat(answer.contentType()).as(answer.toString()).startsWith("application/problem+json");
            assertThat(answer.json().path("type").asText()).as(answer.toString()).isEqualTo(PROBLEM_TYPES + hostile.problem());
            assertThat(answer.json().path("status").asInt()).isEqualTo(hostile.status());
        }
        // Whatever the refused request could have started is done by now: the reconciler applies what it was nudged about.
        world.converge();
        StateSnapshot after = world.capture();
        assertThat(before.unexplainedChanges(after, hostile.allowed(), answer.status())).as("side effects of: " + hostile.name()).isEmpty();
        hostile.check().verify(answer);
    }
}
