package dev.berth.observability;

import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Prometheus text format at {@code /prometheus} on the admin port (the admin context: the API's
 * loopback admin connector, hostd's admin connector): the JVM's figures (the Prometheus client's
 * {@code jvm_*}), Dropwizard's own (Jetty, Jersey, pools: {@link DropwizardMetricsCollector}) and
 * whatever the application registers on the returned registry (its {@code berth_*} metrics).
 * The path is a contract: scrape configurations name it.
 */
public final class PrometheusEndpoint {
    /** Where the admin context serves the metrics. */
    public static final String PATH = "/prometheus";

    private PrometheusEndpoint() {
    }

    /**
     * Creates the registry, fills it with the JVM's and Dropwizard's figures and serves it.
     *
     * @return the registry, for the application's own metrics
     */
    public static PrometheusRegistry install(Environment environment) {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        registry.register(new DropwizardMetricsCollector(environment.metrics(), name -> !name.startsWith("jvm.")));
        environment.admin().addServlet("prometheus", new PrometheusMetricsServlet(registry)).addMapping(PATH);
        return registry;
    }
}
