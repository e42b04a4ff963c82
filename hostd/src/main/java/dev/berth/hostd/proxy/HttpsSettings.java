package dev.berth.hostd.proxy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * HTTPS in the proxy: where nginx listens for TLS, the HSTS max-age (0: no header), the directory
 * HTTP-01 answers are served from, where certificate snippets live, and which certificate (by name)
 * covers a hostname. {@link #NONE} keeps the proxy HTTP-only.
 */
public record HttpsSettings(List<String> listen, long hstsMaxAgeSeconds, Path challengeDirectory, Path snippetDirectory,
                            CertificateLookup certificates) {

    /** Which installed certificate covers a hostname. Must be cheap and thread-safe. */
    @FunctionalInterface
    public interface CertificateLookup {
        Optional<String> certificateFor(String hostname);
    }

    public static final HttpsSettings NONE = new HttpsSettings(List.of(), 0, null, null, hostname -> Optional.empty());

    public HttpsSettings {
        listen = List.copyOf(listen);
        if (hstsMaxAgeSeconds < 0) {
            throw new IllegalArgumentException("hstsMaxAgeSeconds must not be negative");
        }
    }

    public boolean enabled() {
        return !listen.isEmpty();
    }

    /** The file holding {@code ssl_certificate}/{@code ssl_certificate_key} of certificate {@code name}. */
    public Path snippet(String name) {
        return snippetDirectory.resolve(name + ".conf");
    }
}
