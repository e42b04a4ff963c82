package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class NginxConfigTest {
    private static final NginxConfig.Routes ROUTES = new NginxConfig.Routes(Path.of("/data/nginx/lua"),
            Path.of("/data/nginx/routes/routes.json"), Path.of("/run/berth-hostd/proxy/routes.sock"));
    private final NginxConfig config = new NginxConfig(List.of("80", "[::]:80"), Path.of("/data/nginx/html"),
            Path.of("/data/nginx/logs/sites"), ROUTES);
    private final SiteSpec spec = new SiteSpec(UUID.fromString("11111111-2222-3333-4444-555555555555"), "alpha",
            UUID.randomUUID(), List.of("alpha.localhost", "www.alpha.example"), "10.1.1.5", "fd00::5",
            new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 7);

    @Test
    void everyHostIsRoutedByTheTableThroughOneBalancerWithKeepalive() {
        String shared = config.renderShared();
        assertThat(shared)
                .contains("listen 80 default_server;").contains("listen [::]:80 default_server;")
                .contains("lua_shared_dict berth_routes 64m;")
                .contains("lua_package_path \"/data/nginx/lua/?.lua;;\";")
                .contains("init_by_lua_block { require(\"berth_routes\").load(\"/data/nginx/routes/routes.json\", {")
                .contains(" [\"css\"] = \"text/css\",").contains(" [\"html\"] = \"text/html\",")
                .contains("balancer_by_lua_block { require(\"berth_routes\").balance() }")
                .contains("keepalive 32;").contains("keepalive_timeout 4s;")
                .contains("rewrite_by_lua_block { require(\"berth_routes\").route() }")
                .contains("proxy_pass http://berth_sites;")
                .contains("proxy_redirect ~^(?:https?://[^/]+)?/releases/[^/]+/(.*)$ /$1;")
                .contains("proxy_set_header Connection \"\";")
                .contains("access_log /data/nginx/logs/sites/$berth_site.access.json berth_json if=$berth_site;")
                .contains("error_page 404 /__berth/404.html;")
                .contains("error_page 502 503 504 /__berth/503.html;")
                .contains("error_page 451 /__berth/451.html;")
                .contains("log_format berth_json escape=json")
                .doesNotContain("/current/").doesNotContain("10.1.1.5");
    }

    @Test
    void theAdminEndpointListensOnTheUnixSocketOnly() {
        String shared = config.renderShared();
        String admin = shared.substring(shared.indexOf("listen unix:"));
        assertThat(admin).startsWith("listen unix:/run/berth-hostd/proxy/routes.sock;")
                .contains("content_by_lua_block { require(\"berth_routes\").admin() }");
        assertThat(shared.split("admin\\(\\)", -1)).hasSize(2);
    }

    @Test
    void withoutACertificateASiteHasNoFileOfItsOwn() {
        assertThat(config.renderSite(spec)).isEmpty();
        assertThat(https.renderSite(new SiteSpec(spec.siteId(), "alpha", spec.tenantId(), List.of("www.alpha.example"),
                spec.ipv4(), spec.ipv6(), spec.siteLimits(), spec.tenantLimits(), true, null, 7))).isEmpty();
    }

    @Test
    void listenAddressesAreChecked() {
        assertThatThrownBy(() -> new NginxConfig(List.of("80; include /etc/passwd"), Path.of("/x"), Path.of("/y"), ROUTES))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private final NginxConfig https = new NginxConfig(List.of("80", "[::]:80"), Path.of("/data/nginx/html"),
            Path.of("/data/nginx/logs/sites"), new HttpsSettings(List.of("443", "[::]:443"), 31536000,
            Path.of("/data/acme-challenges"), Path.of("/data/nginx/conf/berth-tls"),
            hostname -> hostname.endsWith(".localhost") ? java.util.Optional.of("platform") : java.util.Optional.empty()), ROUTES);

    @Test
    void coveredHostnamesGetA443BlockWithHstsAndTheirHttpRedirectsExceptTheAcmePath() {
        String rendered = https.renderSite(spec);
        assertThat(rendered)
                .contains("listen 443 ssl http2;").contains("listen [::]:443 ssl http2;")
                .contains("server_name alpha.localhost;").doesNotContain("www.alpha.example")
                .contains("include /data/nginx/conf/berth-tls/platform.conf;")
                .contains("add_header Strict-Transport-Security \"max-age=31536000\" always;")
                .contains("return 301 https://$host$request_uri;")
                .contains("rewrite_by_lua_block { require(\"berth_routes\").route() }")
                .contains("location ^~ /.well-known/acme-challenge/ {\n        alias /data/acme-challenges/;");
        // The file depends on hostnames and certificates only: stopping or deploying the site leaves it as it is.
        SiteSpec deployedAndStopped = new SiteSpec(spec.siteId(), spec.name(), spec.tenantId(), spec.hostnames(), spec.ipv4(),
                spec.ipv6(), spec.siteLimits(), spec.tenantLimits(), false, "r-20261129.2", 8);
        assertThat(https.renderSite(deployedAndStopped)).isEqualTo(rendered);
    }

    @Test
    void everyRoutedServerCompressesTheSitesTextWithGzipAndBrotliAndSetsTheDefaultCaching() {
        String shared = config.renderShared();
        String routed = shared.substring(shared.indexOf("server_name _;"));
        assertThat(routed).contains("    gzip on;\n").contains("    gzip_proxied any;\n").contains("    gzip_vary on;\n")
                .contains("    brotli on;\n")
                .contains("header_filter_by_lua_block { require(\"berth_routes\").cache() }");
        String types = routed.substring(routed.indexOf("gzip_types "), routed.indexOf(";", routed.indexOf("gzip_types ")));
        assertThat(types).contains("text/css").contains("text/javascript").contains("application/json").contains("image/svg+xml")
                .doesNotContain("text/html").doesNotContain("image/png").doesNotContain("font/woff2").doesNotContain("application/zip");
        // Not at http level, where a system nginx's own nginx.conf sets gzip already.
        assertThat(shared.substring(0, shared.indexOf("server {"))).doesNotContain("gzip").doesNotContain("brotli");
        assertThat(https.renderSite(spec)).contains("    brotli on;\n");
        // A text file's compressed copy first, the release's file when there is none.
        assertThat(routed).contains("location @berth_variant {").contains("error_page 404 = @berth_identity;")
                .contains("header_filter_by_lua_block { require(\"berth_routes\").encoded() }")
                .contains("location @berth_identity {").contains("rewrite_by_lua_block { require(\"berth_routes\").identity() }");
        assertThat(NginxConfig.variantTypes()).doesNotContain("image/png").doesNotContain("\"woff2\"").contains("[\"svg\"] = \"image/svg+xml\"");
    }

    @Test
    void withHttpsAnUnknownNameIsRefusedDuringTheHandshake() {
        String shared = https.renderShared();
        String tlsDefault = shared.substring(shared.indexOf("listen 443 ssl http2 default_server;") - 10);
        tlsDefault = tlsDefault.substring(0, tlsDefault.indexOf("}\n"));
        assertThat(tlsDefault).contains("listen [::]:443 ssl http2 default_server;").contains("ssl_reject_handshake on;")
                .doesNotContain("ssl_certificate").doesNotContain("proxy_pass").doesNotContain("include");
        assertThat(config.renderShared()).doesNotContain("ssl_reject_handshake");
    }

    @Test
    void withoutHttpsNothingListensForTlsAndWithItTheSharedFilePinsModernProtocols() {
        assertThat(https.renderShared()).contains("ssl_protocols TLSv1.2 TLSv1.3;").contains("ssl_session_tickets off;")
                .contains("location ^~ /.well-known/acme-challenge/");
        assertThat(config.renderShared()).doesNotContain("ssl_");
    }

    @Test
    void aNonStandardHttpsPortIsKeptInTheRedirect() {
        NginxConfig testPort = new NginxConfig(List.of("127.0.0.1:8080"), Path.of("/h"), Path.of("/l"),
                new HttpsSettings(List.of("127.0.0.1:8443"), 0, Path.of("/c"), Path.of("/s"), hostname -> java.util.Optional.of("platform")),
                ROUTES);
        assertThat(testPort.renderSite(spec)).contains("return 301 https://$host:8443$request_uri;")
                .doesNotContain("Strict-Transport-Security");
    }
}
