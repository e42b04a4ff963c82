package dev.berth.hostd.metrics;

import dev.berth.hostd.accesslog.AccessLogReader;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.SiteObservation;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * hostd's {@code berth_*} metrics, read from what it holds at each scrape:
 *
 * <ul>
 *   <li>{@code berth_hostd_sites{state}}: sites by the state hostd reached; {@code berth_hostd_sites_unconverged}: sites with
 *       a spec generation not applied yet (its work queue);</li>
 *   <li>{@code berth_hostd_site_errors{part}}: sites whose latest attempt failed in each part (content, cgroups, network,
 *       runtime, proxy, dns);</li>
 *   <li>{@code berth_site_requests_total{site}}, {@code berth_site_sent_bytes_total{site}}: requests nginx served for each site
 *       and the body bytes it sent, since this hostd started (from the site's access log);
 *       {@code berth_site_memory_bytes{site}}, {@code berth_site_cpu_seconds_total{site}}, {@code berth_site_restarts_total{site}};</li>
 *   <li>{@code berth_hostd_warm_pool_size}, {@code berth_hostd_warm_pool_ready}: the slots the warm pool keeps, and those ready now;</li>
 *   <li>{@code berth_certificate_expiry_timestamp_seconds{certificate}}: when each certificate hostd serves expires (Unix time);
 *       {@code berth_certificate_renewal_failures{certificate}}: failed attempts since the last success.</li>
 * </ul>
 *
 * Sites are labelled by name (unique on the platform). Thread-safe: a scrape reads snapshots.
 */
public final class HostMetrics implements MultiCollector {
    static final List<String> STATES = List.of("provisioning", "running", "stopped", "failed");
    static final List<String> PARTS = List.of("content", "cgroups", "network", "runtime", "proxy", "dns");

    private final Supplier<List<SiteObservation>> sites;
    private final AccessLogReader accessLogs;
    private final Supplier<List<CertificateState>> certificates;
    private final Supplier<dev.berth.hostprotocol.WarmPoolState> warmPool;

    public HostMetrics(Supplier<List<SiteObservation>> sites, AccessLogReader accessLogs, Supplier<List<CertificateState>> certificates,
                       Supplier<dev.berth.hostprotocol.WarmPoolState> warmPool) {
        this.sites = sites;
        this.accessLogs = accessLogs;
        this.certificates = certificates;
        this.warmPool = warmPool;
    }

    @Override
    public MetricSnapshots collect() {
        List<SiteObservation> observed = sites.get();
        Map<String, Long> byState = zeros(STATES);
        Map<String, Long> errorsByPart = zeros(PARTS);
        long unconverged = 0;
        GaugeSnapshot.Builder memory = GaugeSnapshot.builder().name("berth_site_memory_bytes").help("Memory each site's container uses");
        CounterSnapshot.Builder cpu = CounterSnapshot.builder().name("berth_site_cpu_seconds").help("CPU time each site's container used");
        CounterSnapshot.Builder restarts = CounterSnapshot.builder().name("berth_site_restarts")
                .help("Times hostd restarted each site's server after it died");
        CounterSnapshot.Builder requests = CounterSnapshot.builder().name("berth_site_requests")
                .help("Requests nginx served for each site since this hostd started");
        CounterSnapshot.Builder bytes = CounterSnapshot.builder().name("berth_site_sent_bytes")
                .help("Body bytes nginx sent for each site since this hostd started");
        for (SiteObservation site : observed) {
            byState.merge(site.state().wireName(), 1L, Long::sum);
            if (site.desiredGeneration() > site.appliedGeneration()) {
                unconverged++;
            }
            if (site.errors() != null) {
                site.errors().keySet().forEach(part -> errorsByPart.merge(part.wireName(), 1L, Long::sum));
            }
            Labels labels = Labels.of("site", site.name());
            if (site.memoryBytes() >= 0) {
                memory.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(site.memoryBytes()).build());
            }
            if (site.cpuUsageNanos() >= 0) {
                cpu.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(site.cpuUsageNanos() / 1e9).build());
            }
            restarts.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(site.restarts()).build());
            try {
                AccessLogReader.Traffic traffic = accessLogs.traffic(site.siteId());
                requests.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(traffic.requests()).build());
                bytes.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(traffic.bytesSent()).build());
            } catch (IOException unreadable) {
                // The site's figures are left out of this scrape; the next one reads on from the same place.
            }
        }
        List<MetricSnapshot> snapshots = new ArrayList<>();
        snapshots.add(byLabel("berth_hostd_sites", "Sites by the state hostd reached", "state", byState));
        snapshots.add(byLabel("berth_hostd_site_errors", "Sites whose latest attempt failed, by part", "part", errorsByPart));
        snapshots.add(GaugeSnapshot.builder().name("berth_hostd_sites_unconverged")
                .help("Sites with a spec generation hostd has not applied yet")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(unconverged).build()).build());
        dev.berth.hostprotocol.WarmPoolState pool = warmPool.get();
        snapshots.add(GaugeSnapshot.builder().name("berth_hostd_warm_pool_size").help("Site containers the warm pool keeps ready")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(pool.size()).build()).build());
        snapshots.add(GaugeSnapshot.builder().name("berth_hostd_warm_pool_ready").help("Warm pool slots started and unclaimed now")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(pool.ready()).build()).build());
        snapshots.add(memory.build());
        snapshots.add(cpu.build());
        snapshots.add(restarts.build());
        snapshots.add(requests.build());
        snapshots.add(bytes.build());
        GaugeSnapshot.Builder expiry = GaugeSnapshot.builder().name("berth_certificate_expiry_timestamp_seconds")
                .help("When each certificate hostd serves expires, as a Unix time");
        GaugeSnapshot.Builder failures = GaugeSnapshot.builder().name("berth_certificate_renewal_failures")
                .help("Failed attempts to obtain or renew each certificate since its last success");
        for (CertificateState certificate : certificates.get()) {
            Labels labels = Labels.of("certificate", certificate.name());
            if (certificate.notAfter() != null) {
                expiry.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                        .value(certificate.notAfter().getEpochSecond()).build());
            }
            failures.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(certificate.failures()).build());
        }
        snapshots.add(expiry.build());
        snapshots.add(failures.build());
        return new MetricSnapshots(snapshots);
    }

    private static Map<String, Long> zeros(List<String> keys) {
        Map<String, Long> map = new LinkedHashMap<>();
        keys.forEach(key -> map.put(key, 0L));
        return map;
    }

    private static GaugeSnapshot byLabel(String name, String help, String label, Map<String, Long> values) {
        GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
        values.forEach((value, count) -> builder.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of(label, value)).value(count).build()));
        return builder.build();
    }
}
