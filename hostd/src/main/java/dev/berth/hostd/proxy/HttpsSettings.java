package dev.berth.hostd.proxy;

import java.nio.file.Path;
import java.util.List;

/**
 * HTTPS in the proxy: where nginx listens for TLS, the HSTS max-age (0: no header) and the directory
 * HTTP-01 answers are served from. Certificates are installed with
 * {@link NginxProxy#installCertificate}. {@link #NONE} keeps the proxy HTTP-only.
 *
 * @param legacySnippetDirectory where an earlier layout kept one snippet per certificate, which the
 *                               proxy deletes at start (null: none to look for)
 */
public record HttpsSettings(List<String> listen, long hstsMaxAgeSeconds, Path challengeDirectory, Path legacySnippetDirectory) {

    public static final HttpsSettings NONE = new HttpsSettings(List.of(), 0, null, null);

    public HttpsSettings {
        listen = List.copyOf(listen);
        if (hstsMaxAgeSeconds < 0) {
            throw new IllegalArgumentException("hstsMaxAgeSeconds must not be negative");
        }
    }

    public boolean enabled() {
        return !listen.isEmpty();
    }
}
