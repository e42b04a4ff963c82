package dev.berth.api.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code berth_deploys_finished_total{outcome}} and {@code berth_deploy_duration_seconds{outcome}}
 * (accepted to live, or to failed): deploys that finished since this API started, found in the
 * database at each scrape, so the deploy code itself knows nothing of metrics and a deploy that
 * another replica or the reconciler finished is counted too.
 *
 * <p>Each scrape reads the deploys that went live ({@code live_at}) or failed ({@code updated_at})
 * after the last one it counted and at least {@link #SETTLE} ago, so a transaction that commits a
 * little late is still seen; at most {@link #BATCH} a scrape, the rest at the next. Every replica
 * counts every deploy: sum over one replica, not all. Thread-safe (scrapes are serialized).
 */
final class DeployOutcomes implements MultiCollector {
    static final Duration SETTLE = Duration.ofSeconds(5);
    static final int BATCH = 1000;

    private final Jdbi jdbi;
    private final Clock clock;
    private final Counter finished = Counter.builder().name("berth_deploys_finished")
            .help("Deploys that went live or failed since this API started").labelNames("outcome").build();
    private final Histogram duration = Histogram.builder().name("berth_deploy_duration_seconds")
            .help("From upload or webhook accepted to live (or failed)").labelNames("outcome")
            .classicUpperBounds(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300).classicOnly().build();
    private Instant liveSince;
    private Instant failedSince;

    DeployOutcomes(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.liveSince = clock.instant();
        this.failedSince = liveSince;
        finished.initLabelValues("live");
        finished.initLabelValues("failed");
    }

    private record Finished(OffsetDateTime createdAt, OffsetDateTime finishedAt) {
    }

    @Override
    public synchronized MetricSnapshots collect() {
        Instant until = clock.instant().minus(SETTLE);
        // While the database cannot be read the counts stand still; the next scrape catches up.
        PlatformMetrics.whenReadable(() -> liveSince = count("live", "SELECT created_at, live_at FROM deploys WHERE live_at > :since "
                + "AND live_at <= :until ORDER BY live_at", liveSince, until));
        PlatformMetrics.whenReadable(() -> failedSince = count("failed", "SELECT created_at, updated_at FROM deploys "
                + "WHERE status = 'failed' AND updated_at > :since AND updated_at <= :until ORDER BY updated_at", failedSince, until));
        return new MetricSnapshots(finished.collect(), duration.collect());
    }

    private Instant count(String outcome, String sql, Instant since, Instant until) {
        if (!until.isAfter(since)) {
            return since;
        }
        List<Finished> rows = jdbi.withHandle(handle -> handle.createQuery(sql + " LIMIT " + BATCH)
                .bind("since", since.atOffset(java.time.ZoneOffset.UTC)).bind("until", until.atOffset(java.time.ZoneOffset.UTC))
                .map((row, context) -> new Finished(row.getObject(1, OffsetDateTime.class), row.getObject(2, OffsetDateTime.class)))
                .list());
        Instant last = since;
        for (Finished row : rows) {
            finished.labelValues(outcome).inc();
            duration.labelValues(outcome).observe(Math.max(0, Duration.between(row.createdAt(), row.finishedAt()).toMillis() / 1000.0));
            last = row.finishedAt().toInstant();
        }
        // A full batch stops at its last row; otherwise everything up to 'until' has been seen.
        return rows.size() == BATCH ? last : until;
    }
}
