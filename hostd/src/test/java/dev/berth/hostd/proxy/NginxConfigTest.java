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
                .contains("keepalive 4;")
                .contains("listen 80;").contains("listen [::]:80;")
                .contains("server_name alpha.localhost www.alpha.example;")
                .contains("proxy_pass http://berth_11111111_2222_3333_4444_555555555555/current/;")
                .contains("proxy_set_header Connection \"\";")
                .contains("access_log /data/nginx/logs/sites/11111111-2222-3333-4444-555555555555.access.json berth_json;")
                .contains("error_page 502 503 504 /__berth/503.html;");
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
}
