package dev.berth.hostd;

import com.codahale.metrics.health.HealthCheck;
import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.berth.hostd.exec.ProcessCommandRunner;
import dev.berth.hostd.server.HostResource;
import dev.berth.hostd.server.Problems;
import dev.berth.hostd.server.SitesResource;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;

/** berth-hostd: the root daemon that owns the host's containers, network, cgroups and proxy. */
public class HostdApplication extends Application<HostdConfiguration> {

    public static void main(String[] args) throws Exception {
        new HostdApplication().run(args);
    }

    @Override
    public String getName() {
        return "berth-hostd";
    }

    @Override
    public void initialize(Bootstrap<HostdConfiguration> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        bootstrap.addCommand(new dev.berth.hostd.pki.PkiCommand());
        bootstrap.addCommand(new dev.berth.hostd.join.JoinCommand());
    }

    /**
     * The socket lives in a directory of its own, made 0750 (root and the API's group): not the data
     * directory (it must stay traversable, 0711, for the containers' unprivileged uids) nor the run
     * directory (bundles and runc's state), and containing neither. A directory below the run
     * directory (e.g. {@code RUN/api/}) is its own.
     */
    static void requireOwnSocketDirectory(HostdConfiguration configuration) {
        java.util.List<io.dropwizard.jetty.ConnectorFactory> connectors = java.util.List.of();
        if (configuration.getServerFactory() instanceof io.dropwizard.core.server.SimpleServerFactory simple) {
            connectors = java.util.List.of(simple.getConnector());
        } else if (configuration.getServerFactory() instanceof io.dropwizard.core.server.DefaultServerFactory server) {
            connectors = server.getApplicationConnectors();
        }
        for (io.dropwizard.jetty.ConnectorFactory connector : connectors) {
            if (!(connector instanceof dev.berth.hostd.server.UnixSocketConnectorFactory socket)) {
                continue;
            }
            java.nio.file.Path socketDirectory = java.nio.file.Path.of(socket.path).toAbsolutePath().normalize().getParent();
            java.nio.file.Path data = java.nio.file.Path.of(configuration.dataDirectory).toAbsolutePath().normalize();
            java.nio.file.Path run = java.nio.file.Path.of(configuration.runDirectory).toAbsolutePath().normalize();
            if (socketDirectory.startsWith(data) || data.startsWith(socketDirectory)) {
                throw new IllegalArgumentException("the hostd socket (" + socket.path + ") must not be inside the data directory ("
                        + configuration.dataDirectory + ") nor contain it: its directory is made 0750");
            }
            if (run.startsWith(socketDirectory)) {
                throw new IllegalArgumentException("the hostd socket (" + socket.path + ") needs a directory of its own, not the run"
                        + " directory (" + configuration.runDirectory + ") or one of its parents: e.g. "
                        + run.resolve("api").resolve("hostd.sock"));
            }
        }
    }

    /** Every error hostd answers is application/problem+json, including the framework's own. */
    static void registerProblemMappers(HostdConfiguration configuration, Environment environment) {
        if (configuration.getServerFactory() instanceof io.dropwizard.core.server.AbstractServerFactory server) {
            server.setRegisterDefaultExceptionMappers(false);
        }
        environment.jersey().register(new Problems.InvalidSpecMapper());
        environment.jersey().register(new Problems.HostOperationMapper());
        environment.jersey().register(new Problems.JsonMapper());
        environment.jersey().register(new Problems.WebApplicationMapper());
        environment.jersey().register(new Problems.UnexpectedMapper());
    }

    @Override
    public void run(HostdConfiguration configuration, Environment environment) throws Exception {
        environment.getObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        environment.getObjectMapper().disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        requireOwnSocketDirectory(configuration);
        Host host = new Host(configuration, environment.getObjectMapper(), new ProcessCommandRunner(), Clock.systemUTC());
        environment.lifecycle().manage(new Managed() {
            @Override
            public void start() throws Exception {
                host.start();
            }

            @Override
            public void stop() {
                host.stop();
            }
        });
        // Managed after the host, so the proxy it fences is running; every call of the API renews the lease.
        dev.berth.hostd.proxy.Fence fence = new dev.berth.hostd.proxy.Fence(host.proxy,
                java.time.Duration.ofSeconds(configuration.fenceAfterSeconds), Clock.systemUTC());
        environment.lifecycle().manage(fence);
        if (fence.enabled()) {
            environment.jersey().register((jakarta.ws.rs.container.ContainerRequestFilter) request -> fence.contact());
        }
        environment.jersey().register(new SitesResource(host.specs, host.validator, host.reconciler, host.content));
        environment.jersey().register(new dev.berth.hostd.server.AccessLogResource(host.specs, host.accessLogs));
        environment.jersey().register(new dev.berth.hostd.server.BuildsResource(host.specs, host.builds, host::hostIdBase,
                configuration.content.maxEntries));
        environment.jersey().register(new dev.berth.hostd.server.AccessLogResource.RequestCounters(host.specs, host.accessLogs));
        environment.jersey().register(new dev.berth.hostd.tls.CertificatesResource(host.certificates, host.specs));
        environment.jersey().register(new dev.berth.hostd.tls.CertificatesResource.ForSite(host.certificates, host.specs));
        environment.jersey().register(new dev.berth.hostd.tls.AcmeResource(host.certificates, host.orders,
                host.orders instanceof dev.berth.hostd.tls.Issuer issuer ? issuer : null, host.challenges));
        environment.jersey().register(new HostResource(host.runtime, host.proxy, host.cgroups, host.reconciler,
                () -> !configuration.proxy.manageInstance || host.proxy.runningPid().isPresent(), host.bridges,
                host.certificates::statuses,
                host::warmPoolState));
        registerProblemMappers(configuration, environment);
        // Prometheus at /prometheus of the admin context; the API's request id on every line hostd logs for it.
        dev.berth.observability.PrometheusEndpoint.install(environment).register(new dev.berth.hostd.metrics.HostMetrics(
                host.reconciler.converger()::observeAll, host.accessLogs, host.certificates::statuses, host::warmPoolState));
        dev.berth.hostd.metrics.AdminExposure.restrict(environment);
        dev.berth.observability.RequestIds.install(environment, true);
        environment.healthChecks().register("proxy", new HealthCheck() {
            @Override
            protected Result check() {
                return !configuration.proxy.manageInstance || host.proxy.runningPid().isPresent()
                        ? Result.healthy() : Result.unhealthy("the nginx master is not running");
            }
        });
    }
}
