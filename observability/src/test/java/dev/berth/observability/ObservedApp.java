package dev.berth.observability;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.setup.Environment;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The smallest Dropwizard application that is observed the way the API and hostd are. */
public class ObservedApp extends Application<Configuration> {
    @Override
    public void run(Configuration configuration, Environment environment) {
        PrometheusEndpoint.install(environment);
        RequestIds.install(environment, trustCallerIds());
        environment.jersey().register(new Greeting());
    }

    /** Whether this application keeps its callers' request ids (hostd does, the API does not). */
    boolean trustCallerIds() {
        return false;
    }

    /** The same application, trusting its callers' ids. */
    public static final class Trusting extends ObservedApp {
        @Override
        boolean trustCallerIds() {
            return true;
        }
    }

    /** Logs two lines per request, as a resource of the API would. */
    @Path("/hello")
    public static final class Greeting {
        private static final Logger LOG = LoggerFactory.getLogger(Greeting.class);

        @GET
        public String hello() {
            LOG.info("saying hello");
            LOG.warn("said hello to {}", RequestIds.current());
            return "hello";
        }
    }
}
