package dev.berth.api;

import dev.berth.api.hosts.HostdClient;
import dev.berth.api.hosts.HostPorts;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;

/** Builds the host ports the API drives: berth-hostd on its Unix socket. */
final class HostFactories {
    private HostFactories() {
    }

    static HostPorts hostd(BerthConfiguration config) {
        return HostPorts.of(new HostdClient(Path.of(config.host.socketPath), Jackson.newObjectMapper(),
                Duration.ofMillis(config.host.requestTimeoutMillis)));
    }
}
