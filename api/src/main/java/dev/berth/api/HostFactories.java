package dev.berth.api;

import dev.berth.api.hosts.HostdClient;
import dev.berth.api.hosts.SiteHost;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;

/** Builds the {@link SiteHost} the API drives: berth-hostd on its Unix socket. */
final class HostFactories {
    private HostFactories() {
    }

    static SiteHost hostd(BerthConfiguration config) {
        return new HostdClient(Path.of(config.host.socketPath), Jackson.newObjectMapper(),
                Duration.ofMillis(config.host.requestTimeoutMillis));
    }
}
