package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.site.SiteSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class NginxConfigTest {
    private final NginxConfig config = new NginxConfig(List.of("80", "[::]:80"), Path.of("/data/nginx/html"), Path.of("/data/nginx/logs/sites"));
    private final SiteSpec spec = new SiteSpec(UUID.fromString("11111111-2222-3333-4444-555555555555"), "alpha",
            UUID.randomUUID(), List.of("alpha.localhost", "www.alpha.example"), "10.1.1.5", "fd00::5",
            new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), true, null, 7);

    @Test
    void aServingSiteProxiesItsHostnamesToItsAddressWithKeepalive() {
        String rendered = config.renderSite(spec, true);
        assertThat(rendered)
                .contains("upstream berth_11111111_2222_3333_4444_555555555555 {")
                .contains("server 10.1.1.5:80;")
                .contains("keepalive 32;").contains("keepalive_timeout 4s;")
                .contains("listen 80;").contains("listen [::]:80;")
                .contains("server_name alpha.localhost www.alpha.example;")
                .contains("proxy_pass http://berth_11111111_2222_3333_4444_555555555555/releases/_welcome/;")
                .contains("proxy_redirect /releases/_welcome/ /;")
                .doesNotContain("/current/")
                .contains("proxy_set_header Connection \"\";")
                .contains("access_log /data/nginx/logs/sites/11111111-2222-3333-4444-555555555555.access.json berth_json;")
                .contains("error_page 502 503 504 /__berth/503.html;");
    }

    @Test
    void aSiteWithAReleaseIsProxiedToThatReleasesImmutableDirectory() {
        SiteSpec deployed = new SiteSpec(spec.siteId(), spec.name(), spec.tenantId(), spec.hostnames(), spec.ipv4(), spec.ipv6(),
                spec.siteLimits(), spec.tenantLimits(), true, "r-20261129.2", 8);
        String rendered = config.renderSite(deployed, true);
        assertThat(rendered)
                .contains("proxy_pass http://berth_11111111_2222_3333_4444_555555555555/releases/r-20261129.2/;")
                .contains("proxy_redirect /releases/r-20261129.2/ /;")
                .doesNotContain("/current/");
        // A deploy changes the file, so it goes through nginx -t and a reload.
        assertThat(rendered).isNotEqualTo(config.renderSite(spec, true));
    }

    @Test
    void aStoppedSiteAnswersEverythingWithThe503Page() {
        String rendered = config.renderSite(spec, false);
        assertThat(rendered).contains("return 503;").doesNotContain("proxy_pass").doesNotContain("upstream");
    }

    @Test
    void unknownHostsGetThe404PageAndAJsonLogFormatExists() {
        String shared = config.renderShared();
        assertThat(shared).contains("listen 80 default_server;").contains("return 404;")
                .contains("error_page 404 /__berth/404.html;").contains("log_format berth_json escape=json");
    }

    @Test
    void listenAddressesAreChecked() {
        assertThatThrownBy(() -> new NginxConfig(List.of("80; include /etc/passwd"), Path.of("/x"), Path.of("/y")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private final NginxConfig https = new NginxConfig(List.of("80", "[::]:80"), Path.of("/data/nginx/html"),
            Path.of("/data/nginx/logs/sites"), new HttpsSettings(List.of("443", "[::]:443"), 31536000,
            Path.of("/data/acme-challenges"), Path.of("/data/nginx/conf/berth-tls"),
            hostname -> hostname.endsWith(".localhost") ? java.util.Optional.of("platform") : java.util.Optional.empty()));

    @Test
    void coveredHostnamesGetA443BlockWithHstsAndTheirHttpRedirectsExceptTheAcmePath() {
        String rendered = https.renderSite(spec, true);
        assertThat(rendered)
                .contains("listen 443 ssl;").contains("listen [::]:443 ssl;")
                .contains("include /data/nginx/conf/berth-tls/platform.conf;")
                .contains("add_header Strict-Transport-Security \"max-age=31536000\" always;")
                .contains("return 301 https://$host$request_uri;")
                .contains("location ^~ /.well-known/acme-challenge/ {\n        alias /data/acme-challenges/;");
        // The custom domain without a certificate stays on plain HTTP, without a redirect.
        String plainBlock = rendered.substring(rendered.indexOf("server_name www.alpha.example;"));
        assertThat(plainBlock.substring(0, plainBlock.indexOf("\n}\n"))).contains("proxy_pass").doesNotContain("return 301");
        assertThat(rendered).contains("server_name alpha.localhost;");
    }

    @Test
    void withHttpsAnUnknownNameIsRefusedDuringTheHandshake() {
        String shared = https.renderShared();
        String tlsDefault = shared.substring(shared.indexOf("listen 443 ssl default_server;") - 10);
        tlsDefault = tlsDefault.substring(0, tlsDefault.indexOf("}\n"));
        assertThat(tlsDefault).contains("listen [::]:443 ssl default_server;").contains("ssl_reject_handshake on;")
                .doesNotContain("ssl_certificate").doesNotContain("proxy_pass").doesNotContain("include");
        assertThat(config.renderShared()).doesNotContain("ssl_reject_handshake");
    }

    @Test
    void withoutACertificateNothingListensForTlsAndTheSharedFilePinsModernProtocols() {
        String rendered = config.renderSite(spec, true);
        assertThat(rendered).doesNotContain("ssl").doesNotContain("return 301");
        assertThat(https.renderShared()).contains("ssl_protocols TLSv1.2 TLSv1.3;").contains("ssl_session_tickets off;")
                .contains("location ^~ /.well-known/acme-challenge/");
        assertThat(config.renderShared()).doesNotContain("ssl_");
    }

    @Test
    void aNonStandardHttpsPortIsKeptInTheRedirect() {
        NginxConfig testPort = new NginxConfig(List.of("127.0.0.1:8080"), Path.of("/h"), Path.of("/l"),
                new HttpsSettings(List.of("127.0.0.1:8443"), 0, Path.of("/c"), Path.of("/s"), hostname -> java.util.Optional.of("platform")));
        assertThat(testPort.renderSite(spec, true)).contains("return 301 https://$host:8443$request_uri;")
                .doesNotContain("Strict-Transport-Security");
    }
}
