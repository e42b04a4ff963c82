package dev.berth.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.e2e.bench.PerformanceGoals.Row;
import dev.berth.e2e.bench.PerformanceGoals.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerformanceGoalsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static JsonNode stack(double createP50, double createP99, double floorP50) throws Exception {
        return json("""
                {'sites': 10,
                 'createToFirst200': {'count': 10, 'p50Millis': %s, 'p95Millis': %s, 'p99Millis': %s},
                 'floorRuncRunTo200': {'count': 10, 'p50Millis': %s},
                 'floorRuncDelete': {'count': 10, 'p50Millis': 12.0},
                 'stopTo503': {'count': 10, 'p50Millis': 20.0},
                 'startTo200': {'count': 10, 'p50Millis': 45.0},
                 'createPostAnswered': {'count': 10, 'p50Millis': 9.0},
                 'createClaim': {'count': 10, 'p50Millis': 21.0},
                 'createClaimNetwork': {'count': 10, 'p50Millis': 11.0},
                 'stopPostAnswered': {'count': 10, 'p50Millis': 7.0},
                 'startPostAnswered': {'count': 10, 'p50Millis': 8.0},
                 'startClaim': {'count': 0},
                 'podmanRunTo200': 'not installed'}
                """.formatted(createP50, createP99, createP99, floorP50));
    }

    private static JsonNode density(int sites, int answering, double routableP50) throws Exception {
        return json("""
                {'sites': %d, 'answering': %d, 'portsPerBridge': {'b0': 125, 'b1': 35},
                 'cgroupMib': 60.0, 'kernelGrowthMib': 100.0, 'nginxRssGrowthMib': 1.0, 'memAvailableDropMib': 170.0,
                 'sitesInMemoryFigures': %d, 'presentWhenMeasured': %d,
                 'routableWithOnePresent': {'p50Millis': 60.0}, 'routableWithManyPresent': {'p50Millis': %s}}
                """.formatted(sites, answering, sites + 10, sites + 11, routableP50));
    }

    @Test
    void createBelowItsFloorWithinBothPercentilesIsMet() throws Exception {
        Row row = PerformanceGoals.create(stack(40, 120, 50));

        assertThat(row.verdict()).isEqualTo(Verdict.MET);
        assertThat(row.value() / row.comparisons().get(0).value()).isEqualTo(0.8);
        assertThat(row.why()).isNull();
    }

    @Test
    void createAboveItsFloorIsNotMetEvenWithinBothPercentiles() throws Exception {
        Row row = PerformanceGoals.create(stack(48, 120, 40));

        assertThat(row.verdict()).isEqualTo(Verdict.NOT_MET);
        assertThat(row.why()).contains("1.20x the floor")
                .contains("Of it, POST /sites answered its 201 at p50 9.00 ms; hostd's warm pool claim at p50 21.00 ms (its network part 11.00 ms).")
                .contains("Standing:").contains("warm pool");
    }

    @Test
    void createBelowItsFloorIsNotMetWhenP99IsAbove150Millis() throws Exception {
        Row row = PerformanceGoals.create(stack(40, 151, 50));

        assertThat(row.verdict()).isEqualTo(Verdict.NOT_MET);
        assertThat(row.why()).contains("p99 151 ms above 150 ms").doesNotContain("x the floor");
    }

    @Test
    void createBelowItsFloorIsNotMetWhenP50IsAbove50Millis() throws Exception {
        assertThat(PerformanceGoals.create(stack(60, 120, 100)).verdict()).isEqualTo(Verdict.NOT_MET);
    }

    @Test
    void stopAndStartAreJudgedEachOnItsOwn() throws Exception {
        JsonNode stack = stack(40, 120, 50);

        Row stop = PerformanceGoals.stop(stack);
        Row start = PerformanceGoals.start(stack);

        assertThat(stop.figure()).isEqualTo("stop -> 503, p50");
        assertThat(stop.value()).isEqualTo(20.0);
        assertThat(stop.verdict()).isEqualTo(Verdict.MET);
        assertThat(start.figure()).isEqualTo("start -> 200, p50");
        assertThat(start.value()).isEqualTo(45.0);
        assertThat(start.verdict()).isEqualTo(Verdict.NOT_MET);
        assertThat(start.comparisons()).extracting(BenchSupport.Comparison::value).containsExactly(50.0);
        assertThat(start.why()).as("a split the run lacks (no start claims logged) is left out")
                .startsWith("Of it, POST .../start answered its 202 at p50 8.00 ms. Standing:");
    }

    @Test
    void aStackFileWithStopAndStartTogetherLeavesBothNotMeasured() throws Exception {
        JsonNode older = json("{'sites': 10, 'stopStartTo200': {'p50Millis': 300.0}, 'createToFirst200': {'p50Millis': 300.0}}");

        assertThat(List.of(PerformanceGoals.stop(older), PerformanceGoals.start(older), PerformanceGoals.create(older)))
                .extracting(Row::verdict).containsOnly(Verdict.NOT_MEASURED);
    }

    @Test
    void densityBelowTenThousandSitesIsNeverMetForTheTenThousandGoal() throws Exception {
        JsonNode density = density(150, 150, 40);

        List<Row> rows = PerformanceGoals.density(density);
        Row routable = PerformanceGoals.routable(density);

        assertThat(rows).extracting(Row::verdict).containsOnly(Verdict.NOT_JUDGED_AT_THIS_N);
        assertThat(routable.verdict()).isEqualTo(Verdict.NOT_JUDGED_AT_THIS_N);
        assertThat(rows.get(0).conditions()).contains("N = 150 sites").contains("N = 10,000");
        assertThat(rows.get(1).conditions()).contains("EXTRAPOLATED to 10,000 from N = 160");
        assertThat(routable.conditions()).contains("N = 161 present");
        assertThat(routable.why()).contains("Run with N = 161, not 10,000");
    }

    @Test
    void densityWithASiteNotAnsweringIsNotMetAtAnyN() throws Exception {
        assertThat(PerformanceGoals.density(density(150, 149, 40)).get(0).verdict()).isEqualTo(Verdict.NOT_MET);
    }

    @Test
    void densityAtTenThousandSitesIsJudged() throws Exception {
        JsonNode density = density(10_000, 10_000, 90);

        assertThat(PerformanceGoals.density(density).get(0).verdict()).isEqualTo(Verdict.MET);
        assertThat(PerformanceGoals.routable(density).verdict()).isEqualTo(Verdict.MET);
    }

    @Test
    void theRouteTableRowReadsHostdsReportAndItsN() {
        String report = """
                new site routable with N = 10,000 present (route table, 200 samples): p50 15.4 ms, p99 66.7 ms, max 315.0 ms
                same run, reload path (N = 10,000 server blocks, file + nginx -t + HUP, 10 samples): p50 2890.0 ms, p99 3889.0 ms
                """;
        Row row = PerformanceGoals.routeTable(report);

        assertThat(row.verdict()).isEqualTo(Verdict.MET);
        assertThat(row.value()).isEqualTo(15.4);
        assertThat(row.comparisons()).extracting(BenchSupport.Comparison::value).containsExactly(2890.0);
        assertThat(PerformanceGoals.routeTable(report.replace("10,000", "1,000")).verdict()).isEqualTo(Verdict.NOT_JUDGED_AT_THIS_N);
    }

    @Test
    void deployIsJudgedAgainstThirtyMillisWithItsUploadsShareInTheWhy() throws Exception {
        Row row = PerformanceGoals.deploy(json("{'uploadToServed': {'count': 10, 'p50Millis': 200.0}, 'uploadAccepted': {'p50Millis': 130.0},"
                + " 'baselineCopyReloadToServed': {'p50Millis': 50.0}}"));

        assertThat(row.verdict()).isEqualTo(Verdict.NOT_MET);
        assertThat(row.goal()).isEqualTo("p50 <= 30 ms");
        assertThat(row.why()).contains("p50 130 ms in this run");
    }

    @Test
    void missingFilesAreNotMeasuredRows() {
        List<Row> rows = PerformanceGoals.rows(null, null, null, null, null, null, null);

        assertThat(rows).extracting(Row::verdict).containsOnly(Verdict.NOT_MEASURED);
        assertThat(rows).extracting(Row::figure).contains("create -> first 200, p50", "stop -> 503, p50", "start -> 200, p50");
    }
}
