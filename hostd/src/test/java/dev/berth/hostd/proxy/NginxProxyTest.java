package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SiteSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy's change protocol with a fake nginx binary (no nginx, no root). */
class NginxProxyTest {
    @TempDir
    Path directory;

    /** Records commands; "nginx -t" fails while {@code rejecting} is set. */
    static final class FakeNginx implements CommandRunner {
        final List<List<String>> commands = new ArrayList<>();
        boolean rejecting;

        @Override
        public CommandResult run(List<String> argv, Map<String, String> environment, byte[] stdin, Duration timeout) {
            commands.add(argv);
            if (argv.contains("-t") && rejecting) {
                return new CommandResult(1, "", "nginx: [emerg] something is wrong\nnginx: configuration file test failed");
            }
            return new CommandResult(0, "", "");
        }
    }

    private SiteSpec spec(UUID siteId, long generation) {
        return new SiteSpec(siteId, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), true, null, generation);
    }

    @Test
    void aRejectedChangeRestoresThePreviousFileAndIsNotReloaded() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path sites = directory.resolve("sites");
        NginxProxy proxy = new NginxProxy(nginx, "nginx", directory, false, sites, List.of("80"), "www-data");
        UUID siteId = UUID.randomUUID();
        proxy.apply(spec(siteId, 1), true);
        String before = Files.readString(sites.resolve(siteId + ".conf"));

        nginx.rejecting = true;
        nginx.commands.clear();
        assertThatThrownBy(() -> proxy.apply(spec(siteId, 2), false))
                .isInstanceOf(HostOperationException.class).hasMessageContaining("configuration file test failed");

        assertThat(Files.readString(sites.resolve(siteId + ".conf"))).isEqualTo(before);
        assertThat(nginx.commands).noneMatch(argv -> argv.contains("reload"));
    }

    @Test
    void aRejectedNewSiteLeavesNoFile() {
        FakeNginx nginx = new FakeNginx();
        nginx.rejecting = true;
        Path sites = directory.resolve("sites");
        NginxProxy proxy = new NginxProxy(nginx, "nginx", directory, false, sites, List.of("80"), "www-data");
        UUID siteId = UUID.randomUUID();
        assertThatThrownBy(() -> proxy.apply(spec(siteId, 1), true)).isInstanceOf(HostOperationException.class);
        assertThat(Files.exists(sites.resolve(siteId + ".conf"))).isFalse();
    }

    @Test
    void anUnchangedSiteIsNeitherTestedNorReloaded() throws Exception {
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = new NginxProxy(nginx, "nginx", directory, false, directory.resolve("sites"), List.of("80"), "www-data");
        UUID siteId = UUID.randomUUID();
        proxy.apply(spec(siteId, 1), true);
        nginx.commands.clear();
        proxy.apply(spec(siteId, 1), true);
        assertThat(nginx.commands).isEmpty();
    }

    @Test
    void withTheSystemNginxOnlyTheIncludeDirectoryIsWrittenAndTheSystemInstanceReloaded() throws Exception {
        FakeNginx nginx = new FakeNginx();
        Path include = directory.resolve("etc-nginx-berth");
        NginxProxy proxy = new NginxProxy(nginx, "/usr/sbin/nginx", directory.resolve("state"), false, include,
                List.of("80", "[::]:80"), "www-data");
        proxy.start();
        UUID siteId = UUID.randomUUID();
        proxy.apply(spec(siteId, 1), true);
        assertThat(include.resolve(NginxProxy.SHARED_FILE)).exists();
        assertThat(include.resolve(siteId + ".conf")).exists();
        assertThat(directory.resolve("state/conf/nginx.conf")).doesNotExist();
        assertThat(nginx.commands).contains(List.of("/usr/sbin/nginx", "-t", "-q"), List.of("/usr/sbin/nginx", "-s", "reload"));
        assertThat(proxy.configuredSites()).containsExactly(siteId);
    }

    @Test
    void removingAMissingSiteSucceedsWithoutAReload() throws Exception {
        FakeNginx nginx = new FakeNginx();
        NginxProxy proxy = new NginxProxy(nginx, "nginx", directory, false, directory.resolve("sites"), List.of("80"), "www-data");
        proxy.remove(UUID.randomUUID());
        assertThat(nginx.commands).isEmpty();
    }
}
