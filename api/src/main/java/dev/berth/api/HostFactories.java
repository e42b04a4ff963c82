package dev.berth.api;

import dev.berth.api.hosts.HostPorts;
import dev.berth.api.hosts.HostdClient;
import dev.berth.hostprotocol.tls.MutualTls;
import io.dropwizard.jackson.Jackson;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Builds the host ports the API drives: berth-hostd on its Unix socket, or at {@code host.url} over
 * mutual TLS with the API's client certificate and the platform CA's trust store.
 */
final class HostFactories {
    private HostFactories() {
    }

    static HostPorts hostd(BerthConfiguration config) {
        Duration timeout = Duration.ofMillis(config.host.requestTimeoutMillis);
        if (config.host.url == null || config.host.url.isBlank()) {
            return HostPorts.of(new HostdClient(Path.of(config.host.socketPath), Jackson.newObjectMapper(), timeout));
        }
        return HostPorts.of(new HostdClient(URI.create(config.host.url), mutualTls(config.host), Jackson.newObjectMapper(), timeout));
    }

    /**
     * A node that joined the registry: its mutual-TLS listener at {@code url}, with the same client
     * certificate and trust as {@code host.url}. Without key and trust stores no node can join.
     */
    static HostPorts node(BerthConfiguration config, String url) {
        return HostPorts.of(new HostdClient(URI.create(url), mutualTls(config.host), Jackson.newObjectMapper(),
                Duration.ofMillis(config.host.requestTimeoutMillis)));
    }

    /** The configured host's URL in the node registry: {@code host.url}, or its socket as {@code unix://PATH}. */
    static String configuredUrl(BerthConfiguration config) {
        return config.host.url == null || config.host.url.isBlank() ? "unix://" + config.host.socketPath : config.host.url;
    }

    /** The API's key (from {@code hostd pki client}) and, as the only trust, the platform CA. */
    static SSLContext mutualTls(BerthConfiguration.Host host) {
        if (host.keyStorePath == null || host.trustStorePath == null || host.keyStorePassword == null || host.trustStorePassword == null) {
            throw new IllegalArgumentException("host.url needs host.keyStorePath, host.keyStorePassword, host.trustStorePath and"
                    + " host.trustStorePassword (the API's client-NAME.p12 and the platform CA's trust.p12 from `hostd pki`)");
        }
        try {
            return MutualTls.context(Path.of(host.keyStorePath), host.keyStorePassword.toCharArray(), Path.of(host.trustStorePath),
                    host.trustStorePassword.toCharArray());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the key or trust store of host.url: " + e.getMessage(), e);
        }
    }
}
