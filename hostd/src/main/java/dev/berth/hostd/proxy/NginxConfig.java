package dev.berth.hostd.proxy;

import dev.berth.hostd.runtime.SiteServer;
import dev.berth.hostd.site.SiteValidator;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Renders nginx configuration. Pure: every value put into a file comes from hostd's configuration
 * or its certificates (names, domains, file paths) and is checked here before it is written.
 *
 * <p>Sites are not configuration: the shared file routes every request by its {@code Host} through
 * the route table ({@link RouteTable}, {@code berth_routes.lua}), so creating, deploying, stopping,
 * starting and deleting a site change one table record and reload nothing. With HTTPS, each
 * installed certificate has one file of its own ({@link #renderCertificate}: its names' HTTP
 * redirect and 443 server, routed by the same table), so files change only when certificates do.
 */
public final class NginxConfig {
    private static final Pattern LISTEN = Pattern.compile("(\\d{1,5}|\\d{1,3}(\\.\\d{1,3}){3}:\\d{1,5}|\\[[0-9a-fA-F:]+\\]:\\d{1,5})");
    static final String PAGES_LOCATION = "/__berth/";
    static final int UPSTREAM_KEEPALIVE = 32;
    /**
     * The shared memory of the route table: about 400 bytes a site without serving rules, so room for
     * well over 10,000; a release's rules add their compiled length (typically a few KiB, at most 256 KiB).
     */
    static final String ROUTES_ZONE_SIZE = "64m";
    /** The Lua module of the route table, shipped in the hostd jar and written next to the snapshot. */
    static final String ROUTES_MODULE = "berth_routes";
    /** How the files of an earlier layout (one server block per site, whatever its certificates) begin. */
    static final String LEGACY_SITE_HEADER = "# Managed by berth-hostd: site ";
    /** How the files of an earlier layout (one 443 block per site with a certificate) begin. */
    static final String LEGACY_HTTPS_SITE_HEADER = "# Managed by berth-hostd: HTTPS of site ";
    /** How a certificate's file begins ({@link #renderCertificate}), and the snippets of an earlier layout did. */
    static final String CERTIFICATE_HEADER = "# Managed by berth-hostd: certificate ";
    static final String CERTIFICATE_FILE_PREFIX = "tls-";
    private static final Pattern CERTIFICATE_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,200}");
    private static final Pattern PLAIN_PATH = Pattern.compile("(/[A-Za-z0-9._+-]+)+");

    /** Where the route table's files are: its Lua module's directory, the snapshot nginx loads and the admin socket. */
    public record Routes(Path luaDirectory, Path snapshot, Path adminSocket) {
        public Routes {
            luaDirectory = luaDirectory.toAbsolutePath();
            snapshot = snapshot.toAbsolutePath();
            adminSocket = adminSocket.toAbsolutePath();
        }
    }

    private final List<String> listen;
    private final Path pagesDirectory;
    private final Path logDirectory;
    private final HttpsSettings https;
    private final Routes routes;

    /**
     * @param listen         nginx listen addresses, e.g. {@code 80}, {@code [::]:80}, {@code 127.0.0.1:8080}
     * @param pagesDirectory directory holding {@code 503.html}, {@code 451.html} and {@code 404.html}
     * @param logDirectory   directory of the per-site JSON access logs
     */
    public NginxConfig(List<String> listen, Path pagesDirectory, Path logDirectory, Routes routes) {
        this(listen, pagesDirectory, logDirectory, HttpsSettings.NONE, routes);
    }

    /** As above, with HTTPS: the shared file's TLS settings and handshake refusal, and {@link #renderCertificate}. */
    public NginxConfig(List<String> listen, Path pagesDirectory, Path logDirectory, HttpsSettings https, Routes routes) {
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
        this.routes = routes;
    }

    /** The access log of one site (nginx names it by the site id the route table gives each request). */
    public static Path accessLog(Path logDirectory, UUID siteId) {
        return logDirectory.toAbsolutePath().resolve(siteId + ".access.json");
    }

    public Path accessLog(UUID siteId) {
        return accessLog(logDirectory, siteId);
    }

    /**
     * The http-level settings: JSON log format, the route table (shared memory, its snapshot loaded
     * at every start and reload, the balancer), the server every hostname without a certificate is
     * served by, and the admin endpoint on the Unix socket.
     */
    public String renderShared() {
        StringBuilder out = new StringBuilder();
        out.append("# Managed by berth-hostd. Changes are overwritten.\n");
        out.append("log_format berth_json escape=json '{\"time\":\"$time_iso8601\",\"host\":\"$host\",")
                .append("\"remoteAddress\":\"$remote_addr\",\"method\":\"$request_method\",\"uri\":\"$request_uri\",")
                .append("\"status\":$status,\"bytesSent\":$body_bytes_sent,\"requestSeconds\":$request_time,")
                .append("\"upstreamAddress\":\"$upstream_addr\",\"upstreamSeconds\":\"$upstream_response_time\",")
                .append("\"userAgent\":\"$http_user_agent\"}';\n\n");
        // Log files are named by a variable (the site's id), opened by the workers: kept open between requests.
        out.append("open_log_file_cache max=4096 inactive=60s valid=10s;\n");
        out.append("lua_package_path \"").append(routes.luaDirectory()).append("/?.lua;;\";\n");
        out.append("lua_shared_dict berth_routes ").append(ROUTES_ZONE_SIZE).append(";\n");
        // Failed password checks of protected sites, per site and client address (a minute each):
        // its own zone, so that guessers filling it can never evict a route.
        out.append("lua_shared_dict berth_auth_failures 4m;\n");
        out.append("init_by_lua_block { require(\"").append(ROUTES_MODULE).append("\").load(\"")
                .append(routes.snapshot()).append("\", ").append(variantTypes()).append(") }\n");
        out.append("upstream berth_sites {\n");
        out.append("    server 0.0.0.1:").append(RouteRecord.SITE_PORT).append(";  # never used: the balancer picks the site\n");
        out.append("    balancer_by_lua_block { require(\"").append(ROUTES_MODULE).append("\").balance() }\n");
        // Idle connections kept per worker (for every site together, matched by address): enough for
        // a burst of 16 clients never to open and close upstream connections per request. Closed
        // before lighttpd's own 5 s idle limit, so nginx never sends on a connection being closed.
        out.append("    keepalive ").append(UPSTREAM_KEEPALIVE).append(";\n");
        out.append("    keepalive_timeout 4s;\n");
        out.append("}\n\n");
        if (https.enabled()) {
            // Mozilla's "intermediate" profile: TLS 1.2 and 1.3, forward-secret AEAD suites only.
            out.append("ssl_protocols TLSv1.2 TLSv1.3;\n");
            out.append("ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:")
                    .append("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;\n");
            out.append("ssl_prefer_server_ciphers off;\n");
            out.append("ssl_session_cache shared:berth_tls:10m;\n");
            out.append("ssl_session_timeout 1d;\n");
            out.append("ssl_session_tickets off;\n\n");
            // A TLS client naming a host no certificate covers (or none) is refused during the
            // handshake: it never gets a tenant's certificate, nor their content under another name.
            out.append("server {\n");
            for (String address : https.listen()) {
                out.append("    listen ").append(address).append(" ssl http2 default_server;\n");
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
        routedBody(out, false);
        out.append("}\n\n");
        // The admin endpoint: the socket's directory is hostd's alone (0700), so only hostd sets records.
        out.append("server {\n");
        out.append("    listen unix:").append(routes.adminSocket()).append(";\n");
        out.append("    access_log off;\n");
        // A record with the largest compiled rules (ServingRules.MAX_COMPILED_CHARS) fits, in memory.
        out.append("    client_max_body_size 300k;\n");
        out.append("    client_body_buffer_size 300k;\n");
        out.append("    location / {\n");
        out.append("        content_by_lua_block { require(\"").append(ROUTES_MODULE).append("\").admin() }\n");
        out.append("    }\n");
        out.append("}\n");
        return out.toString();
    }

    /**
     * The file of one installed certificate, the only place its names appear: a port-80 server for
     * its domains that answers HTTP-01 challenges and redirects everything else to HTTPS, and a 443
     * server with the certificate's files (and HSTS when configured) that routes through the table
     * as the default server does. It depends on the certificate alone, so a site created, deployed,
     * stopped or deleted under it changes no file. Where two files name the same host, nginx
     * prefers the exact name to the wildcard, i.e. a custom domain's certificate to the platform's
     * (which exist only for names the wildcard does not cover anyway). A covered name no site holds
     * gets the 404 page over HTTPS as over HTTP; a name no certificate covers is refused in the
     * handshake by the shared file.
     *
     * <p>The redirect server cannot route a request, but it still logs it in the site's own access
     * log: the route table is asked for the site of the {@code Host} (one shared-memory lookup, no
     * routing), and a request for a name no site holds is not logged, as on the default server.
     *
     * @param name    the certificate's name: lower-case letters, digits, dots and dashes
     * @param domains the names it covers: lower-case hostnames, or {@code *.} and a hostname
     * @throws IllegalArgumentException when HTTPS is off or a value does not have that shape, or a file is not an absolute plain path
     */
    public String renderCertificate(String name, List<String> domains, Path chainFile, Path keyFile) {
        if (!https.enabled()) {
            throw new IllegalArgumentException("HTTPS is not configured in the proxy");
        }
        requireCertificateName(name);
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs at least one domain");
        }
        for (String domain : domains) {
            String hostname = domain.startsWith("*.") ? domain.substring(2) : domain;
            if (!SiteValidator.isHostname(hostname)) {
                throw new IllegalArgumentException("certificate domains must be lower-case hostnames or *. and a hostname, got "
                        + domain.replaceAll("[^\\x20-\\x7e]", "?"));
            }
        }
        String names = String.join(" ", domains);
        StringBuilder out = new StringBuilder();
        out.append(CERTIFICATE_HEADER).append(name).append("\n");
        out.append("server {\n");
        for (String address : listen) {
            out.append("    listen ").append(address).append(";\n");
        }
        out.append("    server_name ").append(names).append(";\n");
        out.append("    set_by_lua_block $berth_site { return require(\"").append(ROUTES_MODULE).append("\").site() }\n");
        siteAccessLog(out);
        challengeLocation(out);
        out.append("    location / {\n");
        out.append("        return 301 https://$host").append(httpsPortSuffix()).append("$request_uri;\n");
        out.append("    }\n");
        out.append("}\n");
        out.append("server {\n");
        for (String address : https.listen()) {
            out.append("    listen ").append(address).append(" ssl http2;\n");
        }
        out.append("    server_name ").append(names).append(";\n");
        out.append("    ssl_certificate ").append(plainPath(chainFile)).append(";\n");
        out.append("    ssl_certificate_key ").append(plainPath(keyFile)).append(";\n");
        if (https.hstsMaxAgeSeconds() > 0) {
            out.append("    add_header Strict-Transport-Security \"max-age=").append(https.hstsMaxAgeSeconds())
                    .append("\" always;\n");
        }
        routedBody(out, true);
        out.append("}\n");
        return out.toString();
    }

    /** The file name of certificate {@code name}'s servers in the include directory (not a site id: no site's file). */
    static String certificateFileName(String name) {
        requireCertificateName(name);
        return CERTIFICATE_FILE_PREFIX + name + ".conf";
    }

    private static void requireCertificateName(String name) {
        if (!CERTIFICATE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("certificate name must be 1 to 201 lower-case letters, digits, dots and dashes");
        }
    }

    /** An absolute path nginx reads as one plain word: no spaces, quotes, semicolons, braces or variables. */
    private static String plainPath(Path file) {
        String path = file.toAbsolutePath().normalize().toString();
        if (!PLAIN_PATH.matcher(path).matches()) {
            throw new IllegalArgumentException("certificate files must be absolute paths of letters, digits and . _ - + /");
        }
        return path;
    }

    /**
     * Compression of the sites' text answers, per response: gzip (nginx's own filter) and Brotli
     * (Debian's {@code libnginx-mod-http-brotli-filter}) for the media types {@link SiteServer}
     * gives text files, {@code text/html} always included; each client gets the encoding it accepts
     * ({@code Vary: Accept-Encoding}). Level 5 of each: most of the gain of the highest levels for a
     * fraction of their CPU. Partial answers (206) and already compressed bytes pass as they are,
     * and an ETag the site's server sent becomes weak, as the bytes differ. Set in Berth's own
     * server blocks, not at http level: a system nginx's {@code nginx.conf} sets {@code gzip on}
     * there itself, and its other servers keep their settings.
     */
    private static void compression(StringBuilder out) {
        String types = String.join(" ", SiteServer.COMPRESSIBLE_TYPES);
        for (String filter : List.of("gzip", "brotli")) {
            out.append("    ").append(filter).append(" on;\n");
            out.append("    ").append(filter).append("_comp_level 5;\n");
            out.append("    ").append(filter).append("_min_length 256;\n");
            out.append("    ").append(filter).append("_types ").append(types).append(";\n");
        }
        out.append("    gzip_proxied any;\n");
        out.append("    gzip_vary on;\n");
    }

    /** The compressed copies' extensions and media types as a Lua table (fixed words: nothing to escape). */
    static String variantTypes() {
        StringBuilder table = new StringBuilder("{");
        new java.util.TreeMap<>(SiteServer.COMPRESSIBLE_EXTENSIONS).forEach((extension, type) ->
                table.append(" [\"").append(extension).append("\"] = \"").append(type).append("\","));
        return table.append(" }").toString();
    }

    /** ":PORT" when HTTPS does not listen on 443, so the redirect reaches it. */
    private String httpsPortSuffix() {
        String first = https.listen().get(0);
        String port = first.substring(first.lastIndexOf(':') + 1);
        return "443".equals(port) ? "" : ":" + port;
    }

    /**
     * A server's body that routes by the table: the site's own access log (named by its id, only
     * for known hosts), the 404 page for an unknown host, the 451 page for a suspended tenant's site, the 503 page for a stopped site (and when
     * its container does not answer), else the site's release directory on its container.
     */
    private void routedBody(StringBuilder out, boolean tls) {
        siteAccessLog(out);
        compression(out);
        out.append("    error_page 404 ").append(PAGES_LOCATION).append("404.html;\n");
        out.append("    error_page 502 503 504 ").append(PAGES_LOCATION).append("503.html;\n");
        out.append("    error_page 451 ").append(PAGES_LOCATION).append("451.html;\n");
        pagesLocation(out);
        if (!tls) {
            challengeLocation(out);
        }
        out.append("    location / {\n");
        // Set here, not at server level: the error pages' internal redirect keeps them for the log
        // (and the serving rules' named locations read them).
        for (String variable : List.of("berth_site", "berth_upstream", "berth_path", "berth_release", "berth_step",
                "berth_target", "berth_target_status", "berth_status", "berth_encoding")) {
            out.append("        set $").append(variable).append(" \"\";\n");
        }
        // The table names the release's own immutable directory, not the `current` symlink: a server
        // that stat()s and open()s a path separately would give one file's length with another's body
        // if the link were swapped in between; a deploy changes the record, consistently per request.
        luaPhases(out, "route", "cache");
        proxyDirectives(out);
        out.append("    }\n");
        // A site with serving rules or switches (its record says so): route() hands the request
        // here; each 404 of the site's server comes back to try() for the next candidate (a rule's
        // target, PATH.html, /index.html, /404.html), at most five times, then @berth_missing.
        proxiedLocation(out, "@berth_try", "try", "respond", "@berth_try");
        // A text file's compressed copy (route() sends a client that accepts br or gzip here); a
        // file without one comes back to @berth_identity, the release's file as it is.
        proxiedLocation(out, "@berth_variant", "variant", "encoded", "@berth_identity");
        proxiedLocation(out, "@berth_identity", "identity", "cache", null);
        out.append("    location @berth_missing {\n");
        out.append("        return 404;\n");
        out.append("    }\n");
    }

    /** The Lua module's functions for a location's rewrite phase and header filter. */
    private static void luaPhases(StringBuilder out, String rewrite, String headerFilter) {
        out.append("        rewrite_by_lua_block { require(\"").append(ROUTES_MODULE).append("\").").append(rewrite).append("() }\n");
        out.append("        header_filter_by_lua_block { require(\"").append(ROUTES_MODULE).append("\").").append(headerFilter)
                .append("() }\n");
    }

    /**
     * A named location proxying to the site's server; with {@code onNotFound}, the server's 404 goes
     * there (the same location again walks the serving rules' candidates).
     */
    private static void proxiedLocation(StringBuilder out, String name, String rewrite, String headerFilter, String onNotFound) {
        out.append("    location ").append(name).append(" {\n");
        luaPhases(out, rewrite, headerFilter);
        proxyDirectives(out);
        if (onNotFound != null) {
            out.append("        proxy_intercept_errors on;\n");
            if (onNotFound.equals(name)) {
                out.append("        recursive_error_pages on;\n");
            }
            out.append("        error_page 404 = ").append(onNotFound).append(";\n");
            out.append("        error_page 502 503 504 ").append(PAGES_LOCATION).append("503.html;\n");
        }
        out.append("    }\n");
    }

    /** Proxying to the site's container, the balancer picking its address. */
    private static void proxyDirectives(StringBuilder out) {
        out.append("        proxy_pass http://berth_sites;\n");
        out.append("        proxy_redirect ~^(?:https?://[^/]+)?/releases/[^/]+/(.*)$ /$1;\n");
        out.append("        proxy_http_version 1.1;\n");
        out.append("        proxy_set_header Connection \"\";\n");
        out.append("        proxy_set_header Host $host;\n");
        out.append("        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n");
        out.append("        proxy_set_header X-Forwarded-Proto $scheme;\n");
        out.append("        proxy_connect_timeout 2s;\n");
        out.append("        proxy_read_timeout 30s;\n");
    }

    /** The log of the site {@code $berth_site} names; none while it is empty (a host no site holds). */
    private void siteAccessLog(StringBuilder out) {
        // A root that exists: nginx checks it before it opens a log file named by a variable.
        out.append("    root ").append(pagesDirectory).append(";\n");
        out.append("    access_log ").append(logDirectory).append("/$berth_site.access.json berth_json if=$berth_site;\n");
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
                load_module /usr/share/nginx/modules/ndk_http_module.so;
                load_module /usr/share/nginx/modules/ngx_http_lua_module.so;
                load_module /usr/share/nginx/modules/ngx_http_brotli_filter_module.so;
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
