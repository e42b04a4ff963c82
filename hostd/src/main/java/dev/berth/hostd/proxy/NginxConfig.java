package dev.berth.hostd.proxy;

import dev.berth.hostd.content.ReleaseStore;
import dev.berth.hostd.site.SiteSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Renders nginx configuration. Pure: every value put into a file is either validated by
 * {@code SiteValidator} (hostnames, addresses) or comes from hostd's configuration, checked here.
 */
public final class NginxConfig {
    private static final Pattern LISTEN = Pattern.compile("(\\d{1,5}|\\d{1,3}(\\.\\d{1,3}){3}:\\d{1,5}|\\[[0-9a-fA-F:]+\\]:\\d{1,5})");
    static final String PAGES_LOCATION = "/__berth/";
    static final int UPSTREAM_KEEPALIVE = 32;

    private final List<String> listen;
    private final Path pagesDirectory;
    private final Path logDirectory;
    private final HttpsSettings https;

    /**
     * @param listen         nginx listen addresses, e.g. {@code 80}, {@code [::]:80}, {@code 127.0.0.1:8080}
     * @param pagesDirectory directory holding {@code 503.html} and {@code 404.html}
     * @param logDirectory   directory of the per-site JSON access logs
     */
    public NginxConfig(List<String> listen, Path pagesDirectory, Path logDirectory) {
        this(listen, pagesDirectory, logDirectory, HttpsSettings.NONE);
    }

    /** As above, with HTTPS: 443 blocks for hostnames an installed certificate covers, HTTP redirecting to them. */
    public NginxConfig(List<String> listen, Path pagesDirectory, Path logDirectory, HttpsSettings https) {
        for (String address : https.listen()) {
            if (!LISTEN.matcher(address).matches()) {
                throw new IllegalArgumentException("https listen address must be PORT, IPV4:PORT or [IPV6]:PORT, got " + address);
            }
        }
        this.https = https;
        for (String address : listen) {
            if (!LISTEN.matcher(address).matches()) {
                throw new IllegalArgumentException("listen address must be PORT, IPV4:PORT or [IPV6]:PORT, got " + address);
            }
        }
        if (listen.isEmpty()) {
            throw new IllegalArgumentException("at least one listen address is required");
        }
        this.listen = List.copyOf(listen);
        this.pagesDirectory = pagesDirectory.toAbsolutePath();
        this.logDirectory = logDirectory.toAbsolutePath();
    }

    public Path accessLog(UUID siteId) {
        return logDirectory.resolve(siteId + ".access.json");
    }

    /** The http-level settings shared by every site: JSON log format and the unknown-host server. */
    public String renderShared() {
        StringBuilder out = new StringBuilder();
        out.append("# Managed by berth-hostd. Changes are overwritten.\n");
        out.append("log_format berth_json escape=json '{\"time\":\"$time_iso8601\",\"host\":\"$host\",")
                .append("\"remoteAddress\":\"$remote_addr\",\"method\":\"$request_method\",\"uri\":\"$request_uri\",")
                .append("\"status\":$status,\"bytesSent\":$body_bytes_sent,\"requestSeconds\":$request_time,")
                .append("\"upstreamAddress\":\"$upstream_addr\",\"upstreamSeconds\":\"$upstream_response_time\",")
                .append("\"userAgent\":\"$http_user_agent\"}';\n\n");
        if (https.enabled()) {
            // Mozilla's "intermediate" profile: TLS 1.2 and 1.3, forward-secret AEAD suites only.
            out.append("ssl_protocols TLSv1.2 TLSv1.3;\n");
            out.append("ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:")
                    .append("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;\n");
            out.append("ssl_prefer_server_ciphers off;\n");
            out.append("ssl_session_cache shared:berth_tls:10m;\n");
            out.append("ssl_session_timeout 1d;\n");
            out.append("ssl_session_tickets off;\n\n");
        }
        if (https.enabled()) {
            // A TLS client naming a host no certificate covers (or none) is refused during the
            // handshake: it never gets a tenant's certificate, nor their content under another name.
            out.append("server {\n");
            for (String address : https.listen()) {
                out.append("    listen ").append(address).append(" ssl default_server;\n");
            }
            out.append("    server_name _;\n");
            out.append("    access_log off;\n");
            out.append("    ssl_reject_handshake on;\n");
            out.append("}\n\n");
        }
        out.append("server {\n");
        for (String address : listen) {
            out.append("    listen ").append(address).append(" default_server;\n");
        }
        out.append("    server_name _;\n");
        out.append("    access_log off;\n");
        out.append("    error_page 404 ").append(PAGES_LOCATION).append("404.html;\n");
        pagesLocation(out);
        challengeLocation(out);
        out.append("    location / {\n        return 404;\n    }\n");
        out.append("}\n");
        return out.toString();
    }

    /** One site's upstream and server block; {@code serving=false} answers every request with the 503 page. */
    public String renderSite(SiteSpec spec, boolean serving) {
        String upstream = "berth_" + spec.siteId().toString().replace('-', '_');
        StringBuilder out = new StringBuilder();
        out.append("# Managed by berth-hostd: site ").append(spec.name()).append(" (").append(spec.siteId())
                .append("), generation ").append(spec.generation()).append(serving ? ", serving" : ", stopped").append('\n');
        if (serving) {
            out.append("upstream ").append(upstream).append(" {\n");
            out.append("    server ").append(spec.ipv4()).append(":80;\n");
            // Idle connections kept per worker: enough for a burst of 16 clients never to open and
            // close upstream connections per request (4 or 8 did, at a fraction of the throughput:
            // hostd/README.md). Closed before lighttpd's own 5 s idle limit, so nginx never sends on
            // a connection the server is closing.
            out.append("    keepalive ").append(UPSTREAM_KEEPALIVE).append(";\n");
            out.append("    keepalive_timeout 4s;\n");
            out.append("}\n\n");
        }
        // Hostnames grouped by the certificate that covers them; those without one are served over HTTP only.
        java.util.Map<String, List<String>> byCertificate = new java.util.TreeMap<>();
        List<String> plain = new java.util.ArrayList<>();
        for (String hostname : spec.hostnames()) {
            java.util.Optional<String> certificate = https.enabled() ? https.certificates().certificateFor(hostname)
                    : java.util.Optional.empty();
            if (certificate.isPresent()) {
                byCertificate.computeIfAbsent(certificate.get(), name -> new java.util.ArrayList<>()).add(hostname);
            } else {
                plain.add(hostname);
            }
        }
        if (!plain.isEmpty()) {
            out.append("server {\n");
            for (String address : listen) {
                out.append("    listen ").append(address).append(";\n");
            }
            out.append("    server_name ").append(String.join(" ", plain)).append(";\n");
            siteBody(out, spec, serving, upstream, false);
            out.append("}\n");
        }
        for (java.util.Map.Entry<String, List<String>> group : byCertificate.entrySet()) {
            String names = String.join(" ", group.getValue());
            out.append("server {\n");
            for (String address : listen) {
                out.append("    listen ").append(address).append(";\n");
            }
            out.append("    server_name ").append(names).append(";\n");
            out.append("    access_log ").append(accessLog(spec.siteId())).append(" berth_json;\n");
            challengeLocation(out);
            out.append("    location / {\n");
            out.append("        return 301 https://$host").append(httpsPortSuffix()).append("$request_uri;\n");
            out.append("    }\n");
            out.append("}\n");
            out.append("server {\n");
            for (String address : https.listen()) {
                out.append("    listen ").append(address).append(" ssl;\n");
            }
            out.append("    server_name ").append(names).append(";\n");
            out.append("    include ").append(https.snippet(group.getKey()).toAbsolutePath()).append(";\n");
            if (https.hstsMaxAgeSeconds() > 0) {
                out.append("    add_header Strict-Transport-Security \"max-age=").append(https.hstsMaxAgeSeconds())
                        .append("\" always;\n");
            }
            siteBody(out, spec, serving, upstream, true);
            out.append("}\n");
        }
        return out.toString();
    }

    /** ":PORT" when HTTPS does not listen on 443, so the redirect reaches it. */
    private String httpsPortSuffix() {
        String first = https.listen().get(0);
        String port = first.substring(first.lastIndexOf(':') + 1);
        return "443".equals(port) ? "" : ":" + port;
    }

    private void siteBody(StringBuilder out, SiteSpec spec, boolean serving, String upstream, boolean tls) {
        out.append("    access_log ").append(accessLog(spec.siteId())).append(" berth_json;\n");
        out.append("    error_page 502 503 504 ").append(PAGES_LOCATION).append("503.html;\n");
        pagesLocation(out);
        if (!tls) {
            challengeLocation(out);
        }
        out.append("    location / {\n");
        if (serving) {
            // The container serves the site directory. nginx names the release's own immutable
            // directory, not the `current` symlink: a server that stat()s and open()s a path
            // separately would give one file's length with another's body if the link were swapped
            // in between. A deploy changes this file and goes live with the reload, consistently
            // per request.
            String path = "/releases/" + ReleaseStore.servedRelease(spec) + "/";
            out.append("        proxy_pass http://").append(upstream).append(path).append(";\n");
            out.append("        proxy_redirect ").append(path).append(" /;\n");
            out.append("        proxy_http_version 1.1;\n");
            out.append("        proxy_set_header Connection \"\";\n");
            out.append("        proxy_set_header Host $host;\n");
            out.append("        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n");
            out.append("        proxy_set_header X-Forwarded-Proto $scheme;\n");
            out.append("        proxy_connect_timeout 2s;\n");
            out.append("        proxy_read_timeout 30s;\n");
        } else {
            out.append("        return 503;\n");
        }
        out.append("    }\n");
    }

    /** HTTP-01 answers, for every hostname on port 80 (also before a site has a certificate). */
    private void challengeLocation(StringBuilder out) {
        if (https.challengeDirectory() == null) {
            return;
        }
        out.append("    location ^~ /.well-known/acme-challenge/ {\n");
        out.append("        alias ").append(https.challengeDirectory().toAbsolutePath()).append("/;\n");
        out.append("        default_type text/plain;\n");
        out.append("    }\n");
    }

    private void pagesLocation(StringBuilder out) {
        out.append("    location ").append(PAGES_LOCATION).append(" {\n");
        out.append("        internal;\n");
        out.append("        alias ").append(pagesDirectory).append("/;\n");
        out.append("    }\n");
    }

    /** The main file of an nginx instance hostd runs itself (development). */
    public static String renderMain(Path prefix, Path sitesDirectory, String user) {
        Path absolute = prefix.toAbsolutePath();
        return """
                # Managed by berth-hostd. Changes are overwritten.
                worker_processes 1;
                user %3$s;
                pid %1$s/run/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events {
                    worker_connections 1024;
                }
                http {
                    include /etc/nginx/mime.types;
                    default_type application/octet-stream;
                    server_tokens off;
                    access_log off;
                    sendfile on;
                    keepalive_timeout 30s;
                    client_max_body_size 1m;
                    client_body_temp_path %1$s/tmp/body;
                    proxy_temp_path %1$s/tmp/proxy;
                    fastcgi_temp_path %1$s/tmp/fastcgi;
                    uwsgi_temp_path %1$s/tmp/uwsgi;
                    scgi_temp_path %1$s/tmp/scgi;
                    include %2$s/*.conf;
                }
                """.formatted(absolute, sitesDirectory.toAbsolutePath(), user);
    }
}
