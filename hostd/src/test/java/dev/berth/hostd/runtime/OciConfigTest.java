package dev.berth.hostd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.site.SiteSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OciConfigTest {
    private final SiteSpec spec = new SiteSpec(UUID.randomUUID(), "alpha", UUID.randomUUID(), List.of("alpha.localhost"),
            "10.1.1.5", "fd00::5", new SiteSpec.Limits(250, 48, 40), new SiteSpec.Limits(1000, 256, 256), true, null, 1);
    private final JsonNode config = new OciConfig(new ObjectMapper()).render(spec, new OciConfig.Inputs(Path.of("/data/rootfs"),
            Path.of("/data/sites/x"), Path.of("/var/run/netns/berth-x"), "/berth/tenant-t/site-s", 427_680, 65_536));

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    @Test
    void theServerRunsUnprivilegedWithoutCapabilities() {
        JsonNode process = config.path("process");
        assertThat(process.path("user").path("uid").asInt()).isEqualTo(1000);
        assertThat(process.path("noNewPrivileges").asBoolean()).isTrue();
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) {
            assertThat(process.path("capabilities").path(set)).isEmpty();
        }
    }

    @Test
    void everyNamespaceIsNewExceptTheSitesOwnNetwork() {
        List<String> types = new ArrayList<>();
        config.path("linux").path("namespaces").forEach(ns -> types.add(ns.path("type").asText()));
        assertThat(types).containsExactlyInAnyOrder("pid", "ipc", "uts", "mount", "cgroup", "user", "network");
        config.path("linux").path("namespaces").forEach(ns -> {
            if (ns.path("type").asText().equals("network")) {
                assertThat(ns.path("path").asText()).isEqualTo("/var/run/netns/berth-x");
            } else {
                assertThat(ns.has("path")).isFalse();
            }
        });
        JsonNode uid = config.path("linux").path("uidMappings").get(0);
        assertThat(uid.path("containerID").asInt()).isZero();
        assertThat(uid.path("hostID").asLong()).isEqualTo(427_680);
    }

    @Test
    void rootAndContentAreReadOnlyAndProcIsMasked() {
        assertThat(config.path("root").path("readonly").asBoolean()).isTrue();
        JsonNode content = null;
        List<String> destinations = new ArrayList<>();
        for (JsonNode mount : config.path("mounts")) {
            destinations.add(mount.path("destination").asText());
            if (mount.path("destination").asText().equals("/srv")) {
                content = mount;
            }
        }
        assertThat(destinations).contains("/proc", "/tmp", "/run").doesNotContain("/sys");
        assertThat(texts(content.path("options"))).contains("ro", "nosuid", "nodev", "noexec");
        assertThat(texts(config.path("linux").path("maskedPaths"))).contains("/proc/kcore", "/proc/keys", "/proc/timer_list");
        assertThat(texts(config.path("linux").path("readonlyPaths"))).contains("/proc/sys", "/proc/sysrq-trigger");
    }

    @Test
    void aSeccompFilterDeniesNamespacesMountsAndKernelInterfaces() {
        JsonNode seccomp = config.path("linux").path("seccomp");
        assertThat(seccomp.path("defaultAction").asText()).isEqualTo("SCMP_ACT_ALLOW");
        List<String> denied = texts(seccomp.path("syscalls").get(0).path("names"));
        assertThat(denied).contains("unshare", "setns", "mount", "keyctl", "bpf", "ptrace", "io_uring_setup", "init_module");
        long cloneRules = 0;
        for (JsonNode rule : seccomp.path("syscalls")) {
            if (texts(rule.path("names")).contains("clone")) {
                cloneRules++;
                assertThat(rule.path("args").get(0).path("op").asText()).isEqualTo("SCMP_CMP_MASKED_EQ");
            }
        }
        assertThat(cloneRules).isEqualTo(7);
    }

    @Test
    void theSiteLimitsBecomeCgroupResources() {
        JsonNode resources = config.path("linux").path("resources");
        assertThat(resources.path("memory").path("limit").asLong()).isEqualTo(48L * 1024 * 1024);
        assertThat(resources.path("cpu").path("quota").asLong()).isEqualTo(2_500);
        assertThat(resources.path("cpu").path("period").asLong()).isEqualTo(10_000);
        assertThat(resources.path("pids").path("limit").asInt()).isEqualTo(40);
        assertThat(config.path("linux").path("cgroupsPath").asText()).isEqualTo("/berth/tenant-t/site-s");
    }
}
