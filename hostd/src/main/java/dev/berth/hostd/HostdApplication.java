package dev.berth.hostd;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.berth.hostd.exec.ProcessCommandRunner;
import dev.berth.hostd.server.HostResource;
import dev.berth.hostd.server.Problems;
import dev.berth.hostd.server.SitesResource;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.lifecycle.Managed;
import com.codahale.metrics.health.HealthCheck;
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
    }

    @Override
    public void run(HostdConfiguration configuration, Environment environment) throws Exception {
        environment.getObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        environment.getObjectMapper().disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
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
        environment.jersey().register(new SitesResource(host.specs, host.validator, host.reconciler, host.content));
        environment.jersey().register(new HostResource(host.runtime, host.proxy, host.cgroups, host.reconciler,
                () -> !configuration.proxy.manageInstance || host.proxy.runningPid().isPresent(), configuration.network.bridge));
        environment.jersey().register(new Problems.InvalidSpecMapper());
        environment.jersey().register(new Problems.HostOperationMapper());
        environment.healthChecks().register("proxy", new HealthCheck() {
            @Override
            protected Result check() {
                return !configuration.proxy.manageInstance || host.proxy.runningPid().isPresent()
                        ? Result.healthy() : Result.unhealthy("the nginx master is not running");
            }
        });
    }
}
