package dev.berth.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.MutableClock;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** The metrics when the database cannot be read: the scrape still answers, without their samples. */
class PlatformMetricsTest {
    @Test
    void anUnreadableDatabaseLeavesTheMetricsWithoutSamplesAndTheScrapeAnswering() {
        PrometheusRegistry registry = new PrometheusRegistry();
        // A database without Berth's tables: every read fails, as while PostgreSQL is down.
        PlatformMetrics.register(registry, Jdbi.create("jdbc:h2:mem:empty-" + System.nanoTime()), new MutableClock());

        MetricSnapshots scrape = registry.scrape();

        Map<String, Integer> points = scrape.stream().collect(Collectors.toMap(snapshot -> snapshot.getMetadata().getPrometheusName(),
                snapshot -> snapshot.getDataPoints().size()));
        assertThat(points).containsKeys("berth_sites", "berth_reconcile_lag_seconds", "berth_deploy_queue_depth", "berth_deploys_finished");
        assertThat(points.get("berth_sites")).isZero();
        assertThat(points.get("berth_reconcile_lag_seconds")).isZero();
        MetricSnapshot finished = scrape.stream().filter(s -> s.getMetadata().getPrometheusName().equals("berth_deploys_finished"))
                .findFirst().orElseThrow();
        assertThat(finished.getDataPoints()).as("counters stand still at 0 for both outcomes").hasSize(2);
    }
}
