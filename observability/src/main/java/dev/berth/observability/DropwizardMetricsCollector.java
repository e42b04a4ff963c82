package dev.berth.observability;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The figures Dropwizard already keeps in its {@link MetricRegistry} (Jetty's requests, responses
 * and thread pools, Jersey's resource timers, the database pool), read at each scrape:
 * numeric gauges and counters as gauges, meters as counters, timers as summaries in seconds,
 * histograms as summaries. Names are Dropwizard's with every character Prometheus does not allow
 * turned into {@code _} ({@code io.dropwizard.jetty.MutableServletContextHandler.requests} ->
 * {@code io_dropwizard_jetty_MutableServletContextHandler_requests_seconds}).
 *
 * <p>Written here because the Prometheus client's own Dropwizard bridge is not served by the
 * registry this project builds from. Thread-safe: a scrape only reads.
 */
public final class DropwizardMetricsCollector implements MultiCollector {
    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.99};
    private static final double NANOS_PER_SECOND = 1e9;

    private final MetricRegistry registry;
    private final Predicate<String> include;

    /** @param include which Dropwizard metric names to export (the JVM's are exported by the Prometheus client itself) */
    public DropwizardMetricsCollector(MetricRegistry registry, Predicate<String> include) {
        this.registry = registry;
        this.include = include;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> snapshots = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, Metric> entry : registry.getMetrics().entrySet()) {
            if (!include.test(entry.getKey())) {
                continue;
            }
            MetricSnapshot snapshot = snapshot(entry.getKey(), entry.getValue());
            // Two Dropwizard names can fold into one Prometheus name; the first one is kept.
            if (snapshot != null && names.add(snapshot.getMetadata().getPrometheusName())) {
                snapshots.add(snapshot);
            }
        }
        return new MetricSnapshots(snapshots);
    }

    private static MetricSnapshot snapshot(String dropwizardName, Metric metric) {
        String name = PrometheusNaming.sanitizeMetricName(dropwizardName);
        String help = "Dropwizard metric " + dropwizardName;
        if (metric instanceof Gauge<?> gauge) {
            Object value = gauge.getValue();
            if (!(value instanceof Number number)) {
                return null;
            }
            return GaugeSnapshot.builder().name(name).help(help)
                    .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(number.doubleValue()).build()).build();
        }
        if (metric instanceof Counter counter) {
            return GaugeSnapshot.builder().name(name).help(help)
                    .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(counter.getCount()).build()).build();
        }
        if (metric instanceof Meter meter) {
            return CounterSnapshot.builder().name(name).help(help)
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(meter.getCount()).build()).build();
        }
        if (metric instanceof Timer timer) {
            return summary(PrometheusNaming.sanitizeMetricName(dropwizardName + "_seconds"), help, timer.getCount(),
                    timer.getSnapshot(), NANOS_PER_SECOND);
        }
        if (metric instanceof Histogram histogram) {
            return summary(name, help, histogram.getCount(), histogram.getSnapshot(), 1);
        }
        return null;
    }

    private static MetricSnapshot summary(String name, String help, long count, Snapshot values, double divisor) {
        Quantiles.Builder quantiles = Quantiles.builder();
        for (double quantile : QUANTILES) {
            quantiles.quantile(new Quantile(quantile, values.getValue(quantile) / divisor));
        }
        return SummarySnapshot.builder().name(name).help(help)
                .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().count(count).sum(values.getMean() * count / divisor)
                        .quantiles(quantiles.build()).build())
                .build();
    }
}
