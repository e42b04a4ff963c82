package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NginxConfigTest {
    private static final NginxConfig.Routes ROUTES = new NginxConfig.Routes(Path.of("/data/nginx/lua"),
            Path.of("/data/nginx/routes/routes.json"), Path.of("/run/berth-hostd/proxy/routes.sock"));
    private final NginxConfig config = new NginxConfig(List.of("80", "[::]:80"), Path.of("/data/nginx/html"),
            Path.of("/data/nginx/logs/sites"), ROUTES);

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
    void listenAddressesAreChecked() {
        assertThatThrownBy(() -> new NginxConfig(List.of("80; include /etc/passwd"), Path.of("/x"), Path.of("/y"), ROUTES))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private final NginxConfig https = new NginxConfig(List.of("80", "[::]:80"), Path.of("/data/nginx/html"),
            Path.of("/data/nginx/logs/sites"), new HttpsSettings(List.of("443", "[::]:443"), 31536000,
            Path.of("/data/acme-challenges"), null), ROUTES);
    private static final List<String> WILDCARD = List.of("*.example.test", "example.test");
    private static final Path CHAIN = Path.of("/data/tls/platform/v1/fullchain.pem");
    private static final Path KEY = Path.of("/data/tls/platform/v1/privkey.pem");

    @Test
    void aCertificatesFileServesItsNamesOn443WithHstsAndRedirectsTheirHttpExceptTheAcmePath() {
        String rendered = https.renderCertificate("platform", WILDCARD, CHAIN, KEY);
        assertThat(rendered).startsWith("# Managed by berth-hostd: certificate platform\n");
        String http = rendered.substring(rendered.indexOf("server {"), rendered.indexOf("}\nserver {") + 2);
        String tls = rendered.substring(rendered.indexOf("}\nserver {") + 2);
        assertThat(http).contains("    listen 80;\n").contains("    listen [::]:80;\n")
                .contains("server_name *.example.test example.test;")
                .contains("location ^~ /.well-known/acme-challenge/ {\n        alias /data/acme-challenges/;")
                .contains("return 301 https://$host$request_uri;")
                // Logged in the site's own log: the table gives the site of the Host, nothing is routed.
                .contains("set_by_lua_block $berth_site { return require(\"berth_routes\").site() }")
                .contains("access_log /data/nginx/logs/sites/$berth_site.access.json berth_json if=$berth_site;")
                .doesNotContain("ssl").doesNotContain("proxy_pass").doesNotContain("default_server");
        assertThat(tls).contains("listen 443 ssl http2;").contains("listen [::]:443 ssl http2;")
                .contains("server_name *.example.test example.test;")
                .contains("ssl_certificate /data/tls/platform/v1/fullchain.pem;")
                .contains("ssl_certificate_key /data/tls/platform/v1/privkey.pem;")
                .contains("add_header Strict-Transport-Security \"max-age=31536000\" always;")
                .contains("rewrite_by_lua_block { require(\"berth_routes\").route() }")
                .contains("access_log /data/nginx/logs/sites/$berth_site.access.json berth_json if=$berth_site;")
                .contains("error_page 404 /__berth/404.html;")
                .doesNotContain("acme-challenge").doesNotContain("default_server").doesNotContain("include");
        assertThat(NginxConfig.certificateFileName("platform")).isEqualTo("tls-platform.conf");
    }

    @Test
    void everyValueOfACertificatesFileIsCheckedBeforeItIsWritten() {
        assertThatThrownBy(() -> config.renderCertificate("platform", WILDCARD, CHAIN, KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HTTPS is not configured");
        for (String name : List.of("", "Platform", "../platform", "a b", "-x")) {
            assertThatThrownBy(() -> https.renderCertificate(name, WILDCARD, CHAIN, KEY)).as(name)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate name");
        }
        for (String domain : List.of("", "*", "*.", "Example.test", "a.*.test", "*.*.test", "a.test;", "a.test include",
                "a..test", "-a.test", "a.test.", "\u00e9.test")) {
            assertThatThrownBy(() -> https.renderCertificate("platform", List.of("example.test", domain), CHAIN, KEY)).as(domain)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower-case hostnames");
        }
        assertThatThrownBy(() -> https.renderCertificate("platform", List.of(), CHAIN, KEY))
                .isInstanceOf(IllegalArgumentException.class);
        for (String file : List.of("/data/a b/fullchain.pem", "/data/$host/fullchain.pem", "/data/x;/fullchain.pem",
                "/data/{x}/fullchain.pem", "/data/\"x\"/fullchain.pem")) {
            assertThatThrownBy(() -> https.renderCertificate("platform", WILDCARD, Path.of(file), KEY)).as(file)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute paths");
            assertThatThrownBy(() -> https.renderCertificate("platform", WILDCARD, CHAIN, Path.of(file))).as(file)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> NginxConfig.certificateFileName("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(https.renderCertificate("custom.www.alpha.org", List.of("www.alpha.org"), CHAIN, KEY))
                .contains("server_name www.alpha.org;");
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
        assertThat(https.renderCertificate("platform", WILDCARD, CHAIN, KEY)).contains("    brotli on;\n");
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
                new HttpsSettings(List.of("127.0.0.1:8443"), 0, Path.of("/c"), null), ROUTES);
        assertThat(testPort.renderCertificate("platform", WILDCARD, CHAIN, KEY)).contains("return 301 https://$host:8443$request_uri;")
                .doesNotContain("Strict-Transport-Security");
    }
}
