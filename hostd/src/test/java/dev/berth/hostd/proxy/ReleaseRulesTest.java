package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.site.HostOperationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseRulesTest {
    @TempDir
    Path releases;

    private final UUID site = UUID.randomUUID();

    private ReleaseRules rules() {
        return ReleaseRules.files(siteId -> releases.resolve(siteId.toString()));
    }

    @Test
    void anInstalledReleasesRulesAreParsedAgainAndCompiledAndItsNotFoundPageSeen() throws Exception {
        Path release = Files.createDirectories(releases.resolve(site + "/r1"));
        Files.writeString(release.resolve("_redirects"), "/old /new 308\n");
        Files.writeString(release.resolve("_headers"), "/*\n  X-Frame-Options: DENY\n");
        Files.writeString(release.resolve("404.html"), "gone");

        ReleaseRules.Served served = rules().of(site, "r1");

        assertThat(served).isEqualTo(new ReleaseRules.Served("r~308~0~/old~/new,h~/*~X-Frame-Options~DENY", true));
    }

    @Test
    void aReleaseWithoutRulesOrWithoutADirectoryIsServedByItsFiles() throws Exception {
        Files.createDirectories(releases.resolve(site + "/r1"));

        assertThat(rules().of(site, "r1")).isEqualTo(ReleaseRules.Served.NONE);
        assertThat(rules().of(site, "r2")).isEqualTo(ReleaseRules.Served.NONE);
    }

    @Test
    void aBadRuleIsRefusedWithItsFileAndLineEvenThoughTheApiRefusesItFirst() throws Exception {
        Path release = Files.createDirectories(releases.resolve(site + "/r1"));
        Files.writeString(release.resolve("_headers"), "/*\n  X-A: ok\n  Set-Cookie: a=b\n");

        assertThatThrownBy(() -> rules().of(site, "r1")).isInstanceOf(HostOperationException.class)
                .hasMessage("release r1 has a bad serving rule: _headers line 3: the header Set-Cookie cannot be set by a site");
    }

    @Test
    void aRulesFileThatIsALinkIsNotFollowed() throws Exception {
        Path release = Files.createDirectories(releases.resolve(site + "/r1"));
        Path outside = Files.writeString(releases.resolve("elsewhere"), "/a /b\n");
        Files.createSymbolicLink(release.resolve("_redirects"), outside);

        assertThat(rules().of(site, "r1")).isEqualTo(ReleaseRules.Served.NONE);
    }
}
