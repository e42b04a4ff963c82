package dev.berth.api.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.hosts.ObservedSite;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UsageHistoryTest {
    private final UUID site = UUID.randomUUID();
    private final Instant start = Instant.parse("2026-11-29T04:00:00Z");

    private ObservedSite observed(long memoryBytes, long cpuNanos) {
        return new ObservedSite(site, ObservedSite.State.RUNNING, 1, null, memoryBytes, cpuNanos, 2);
    }

    private static ObservedSite observed(UUID siteId, long memoryBytes, long cpuNanos, int pids) {
        return new ObservedSite(siteId, ObservedSite.State.RUNNING, 1, null, memoryBytes, cpuNanos, pids);
    }

    @Test
    void eachSiteKeepsOnlyItsNewestSamples() {
        UsageHistory history = new UsageHistory(3);
        for (int i = 0; i < 5; i++) {
            history.record(start.plusSeconds(15L * i), List.of(observed(1000 + i, 0)), Map.of());
        }
        assertThat(history.points(site)).extracting(UsageHistory.Point::memoryBytes).containsExactly(1002L, 1003L, 1004L);
    }

    @Test
    void cpuIsTheAverageOverTheIntervalAndRequestsTheCountWithinIt() {
        UsageHistory history = new UsageHistory(10);
        history.record(start, List.of(observed(1, 0)), Map.of(site, 100L));
        // 7.5 s of CPU in 15 s: half a core, 500 millicores.
        history.record(start.plusSeconds(15), List.of(observed(1, 7_500_000_000L)), Map.of(site, 130L));
        List<UsageHistory.Point> points = history.points(site);
        assertThat(points.get(0).cpuMillicores()).isNull();
        assertThat(points.get(0).requests()).isNull();
        assertThat(points.get(1).cpuMillicores()).isEqualTo(500.0);
        assertThat(points.get(1).requests()).isEqualTo(30L);
    }

    @Test
    void unknownFiguresAndCountersThatWentBackAreNullNeverNegative() {
        UsageHistory history = new UsageHistory(10);
        history.record(start, List.of(observed(5, 9_000_000_000L)), Map.of(site, 50L));
        history.record(start.plusSeconds(15), List.of(observed(-1, 1_000_000L)), Map.of(site, 3L));
        history.record(start.plusSeconds(30), List.of(observed(7, 2_000_000L)), Map.of());
        List<UsageHistory.Point> points = history.points(site);
        assertThat(points.get(1).cpuMillicores()).isNull();
        assertThat(points.get(1).requests()).isNull();
        assertThat(points.get(1).memoryBytes()).isNull();
        assertThat(points.get(2).cpuMillicores()).isNotNull().isPositive();
        assertThat(points.get(2).requests()).isNull();
    }

    @Test
    void aSiteTheHostNoLongerReportsIsForgotten() {
        UsageHistory history = new UsageHistory(10);
        history.record(start, List.of(observed(1, 0)), Map.of());
        history.record(start.plusSeconds(15), List.of(), Map.of());
        assertThat(history.points(site)).isEmpty();
    }

    @Test
    void aTenantsTotalSumsTheLatestSampleOfEachOfItsSitesAndIsEmptyBeforeAny() {
        UsageHistory history = new UsageHistory(10);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        assertThat(history.total(List.of(first, second))).isEmpty();
        history.record(start, List.of(observed(first, 100, 1_000, 2), observed(other, 999, 999, 9)), Map.of());
        history.record(start.plusSeconds(15), List.of(observed(first, 300, 2_000, 3), observed(second, 50, 500, 1),
                observed(other, 999, 999, 9)), Map.of());
        UsageHistory.Sample total = history.total(List.of(first, second)).orElseThrow();
        assertThat(total.memoryBytes()).isEqualTo(350);
        assertThat(total.cpuUsageNanos()).isEqualTo(2_500);
        assertThat(total.pids()).isEqualTo(4);
        assertThat(total.time()).isEqualTo(start.plusSeconds(15));
    }
}
