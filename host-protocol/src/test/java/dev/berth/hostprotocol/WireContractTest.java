package dev.berth.hostprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wire contract pinned by golden files: each record writes exactly its file and reads back
 * equal. A changed golden is a changed protocol; both hostd and the API read the same files in their
 * own contract tests. {@code -Dberth.writeGoldens=true} rewrites them from the samples.
 */
class WireContractTest {
    private final ObjectMapper mapper = WireSamples.mapper();

    static Stream<String> names() {
        return WireSamples.ALL.keySet().stream().sorted();
    }

    private JavaType typeOf(String name) {
        if (name.equals("request-counters")) {
            return mapper.getTypeFactory().constructType(new TypeReference<List<RequestCounter>>() { });
        }
        return mapper.getTypeFactory().constructType(WireSamples.ALL.get(name).getClass());
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyRecordWritesExactlyItsGoldenFileAndReadsItBack(String name) throws Exception {
        Object sample = WireSamples.ALL.get(name);
        String written = mapper.writeValueAsString(sample) + "\n";
        if (Boolean.getBoolean("berth.writeGoldens")) {
            Files.writeString(Path.of("src/test/resources/golden", name + ".json"), written, StandardCharsets.UTF_8);
        }
        assertThat(written).isEqualTo(WireSamples.golden(name));
        assertThat((Object) mapper.readValue(WireSamples.golden(name), typeOf(name))).isEqualTo(sample);
    }

    @Test
    void enumsTravelAsTheirLowerCaseWireNames() throws Exception {
        String observation = WireSamples.golden("site-observation");
        assertThat(observation).contains("\"state\" : \"failed\"", "\"content\" : \"release r-0003 is not installed\"");
        for (SitePart part : SitePart.values()) {
            assertThat(mapper.writeValueAsString(part)).isEqualTo("\"" + part.wireName() + "\"");
        }
        for (SiteObservation.State state : SiteObservation.State.values()) {
            assertThat(mapper.readValue("\"" + state.wireName() + "\"", SiteObservation.State.class)).isEqualTo(state);
        }
    }

    @Test
    void aSpecWithAnUnknownFieldIsRefusedSoNeitherSideDropsWhatTheOtherMeant() {
        String withExtra = WireSamples.golden("site-spec").replaceFirst("\\{", "{ \"priority\" : 1,");
        assertThatThrownBy(() -> mapper.readValue(withExtra, SiteSpec.class)).isInstanceOf(UnrecognizedPropertyException.class);
    }

    @Test
    void problemsCarryTheirStableTypeAndLeaveOutAnEmptyRuleList() throws Exception {
        Problem problem = mapper.readValue(WireSamples.golden("problem"), Problem.class);
        assertThat(problem.is(ProblemType.INVALID_SPEC)).isTrue();
        assertThat(problem.type()).hasToString("https://berth.dev/problems/hostd/invalid-spec");
        assertThat(WireSamples.golden("http-problem")).doesNotContain("\"problems\"")
                .contains("https://berth.dev/problems/hostd/http-405");
        assertThat(mapper.readValue(WireSamples.golden("http-problem"), Problem.class).problems()).isEmpty();
    }

    @Test
    void theErrorsOfAnObservationReadTheSameWhateverOrderTheyWereMadeIn() throws Exception {
        SiteObservation sample = WireSamples.SITE_OBSERVATION;
        SiteObservation reversed = new SiteObservation(sample.siteId(), sample.name(), sample.state(), sample.desiredGeneration(),
                sample.appliedGeneration(), sample.lastError(), new java.util.TreeMap<>(Map.of(SitePart.CONTENT, "release r-0003 is not installed",
                SitePart.PROXY, "nginx -t failed")).descendingMap(), sample.memoryBytes(), sample.cpuUsageNanos(), sample.pids(),
                sample.ipv4(), sample.ipv6(), sample.release(), sample.restarts(), sample.lastExit(), sample.updatedAt(), sample.diskBytes());
        assertThat(mapper.writeValueAsString(reversed) + "\n").isEqualTo(WireSamples.golden("site-observation"));
    }
}
