package dev.berth.api.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The API's {@code berth_*} metrics, read from the database at each scrape (so every replica
 * reports the platform's figures, and a restart loses nothing):
 *
 * <ul>
 *   <li>{@code berth_sites{state}}: sites by the state the host reports; {@code berth_sites_desired{state}} by the wanted one;</li>
 *   <li>{@code berth_sites_unconverged} and {@code berth_reconcile_lag_seconds}: sites whose host has not reached their latest
 *       change, and the age of the oldest such change (0 when every site converged);</li>
 *   <li>{@code berth_deploys{status}}: deploys by status; {@code berth_deploy_queue_depth}: Git deploys waiting for the worker;
 *       {@code berth_operations_pending}: start, stop and delete operations not finished;</li>
 *   <li>{@code berth_tenants}: tenants;</li>
 *   <li>{@code berth_content_store_bytes}, {@code berth_content_store_blobs} and {@code berth_content_store_releases}: the
 *       content store's distinct file bytes, distinct files and releases kept;</li>
 *   <li>{@code berth_deploys_finished_total{outcome}} and {@code berth_deploy_duration_seconds{outcome}}: {@link DeployOutcomes}.</li>
 * </ul>
 */
public final class PlatformMetrics {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PlatformMetrics.class);
    static final List<String> OBSERVED_STATES = List.of("provisioning", "running", "stopped", "failed", "deleting");
    static final List<String> DESIRED_STATES = List.of("running", "stopped");
    static final List<String> DEPLOY_STATUSES = List.of("queued", "uploading", "unpacking", "building", "installing", "live", "failed", "superseded");

    private PlatformMetrics() {
    }

    /** Registers every metric on {@code registry}. */
    public static void register(PrometheusRegistry registry, Jdbi jdbi, Clock clock) {
        countsBy(registry, jdbi, "berth_sites", "Sites by the state their host reports", "state",
                "SELECT observed_state, COUNT(*) FROM sites GROUP BY observed_state", OBSERVED_STATES);
        countsBy(registry, jdbi, "berth_sites_desired", "Sites by the state their tenant wants", "state",
                "SELECT desired_state, COUNT(*) FROM sites WHERE delete_requested_at IS NULL GROUP BY desired_state", DESIRED_STATES);
        countsBy(registry, jdbi, "berth_deploys", "Deploys by status", "status",
                "SELECT status, COUNT(*) FROM deploys GROUP BY status", DEPLOY_STATUSES);
        single(registry, jdbi, "berth_deploy_queue_depth", "Git deploys queued for the deploy worker",
                "SELECT COUNT(*) FROM deploys WHERE status = 'queued'");
        single(registry, jdbi, "berth_operations_pending", "Start, stop and delete operations not finished yet",
                "SELECT COUNT(*) FROM operations WHERE status IN ('pending', 'running')");
        single(registry, jdbi, "berth_tenants", "Tenants", "SELECT COUNT(*) FROM tenants");
        single(registry, jdbi, "berth_content_store_bytes", "Bytes of the distinct files the content store holds",
                "SELECT COALESCE(SUM(size), 0) FROM content_blobs");
        single(registry, jdbi, "berth_content_store_blobs", "Distinct files the content store holds", "SELECT COUNT(*) FROM content_blobs");
        single(registry, jdbi, "berth_content_store_releases", "Releases the content store keeps", "SELECT COUNT(*) FROM release_manifests");
        single(registry, jdbi, "berth_sites_unconverged", "Sites whose host has not reached their latest change",
                "SELECT COUNT(*) FROM sites WHERE generation > observed_generation");
        GaugeWithCallback.builder().name("berth_reconcile_lag_seconds")
                .help("Age of the oldest change the host has not reached yet (0 when every site converged)")
                .callback(callback -> whenReadable(() -> {
                    OffsetDateTime oldest = jdbi.withHandle(handle -> handle.createQuery(
                                    "SELECT MIN(updated_at) FROM sites WHERE generation > observed_generation")
                            .map((row, context) -> row.getObject(1, OffsetDateTime.class)).one());
                    callback.call(oldest == null ? 0 : Math.max(0, Duration.between(oldest.toInstant(), clock.instant()).toMillis() / 1000.0));
                }))
                .register(registry);
        registry.register(new DeployOutcomes(jdbi, clock));
    }

    /**
     * Runs a database read for a scrape. While the database cannot be read, the metric has no
     * sample in this scrape (Prometheus sees it absent) and the rest of the scrape, the JVM's and
     * Jetty's figures among it, still answers.
     */
    static void whenReadable(Runnable read) {
        try {
            read.run();
        } catch (RuntimeException unreadable) {
            LOG.debug("A metric could not be read from the database: {}", unreadable.toString());
        }
    }

    /** One gauge per value of a column, every known value present (0 when no row has it). */
    private static void countsBy(PrometheusRegistry registry, Jdbi jdbi, String name, String help, String label, String sql,
                                 List<String> known) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(label)
                .callback(callback -> whenReadable(() -> {
                    Map<String, Long> counts = new LinkedHashMap<>();
                    known.forEach(value -> counts.put(value, 0L));
                    jdbi.useHandle(handle -> handle.createQuery(sql)
                            .map((row, context) -> Map.entry(row.getString(1), row.getLong(2)))
                            .forEach(entry -> counts.put(entry.getKey(), entry.getValue())));
                    counts.forEach((value, count) -> callback.call(count, value));
                }))
                .register(registry);
    }

    private static void single(PrometheusRegistry registry, Jdbi jdbi, String name, String help, String sql) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> whenReadable(() -> callback.call(jdbi.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one()))))
                .register(registry);
    }
}
