package dev.berth.hostd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OciConfigTest {
    private final SiteSpec spec = new SiteSpec(UUID.randomUUID(), "alpha", UUID.randomUUID(), List.of("alpha.localhost"),
            "10.1.1.5", "fd00::5", new ResourceLimits(250, 48, 40), new ResourceLimits(1000, 256, 256), true, null, 1);
    private final JsonNode config = render(true);

    private JsonNode render(boolean limitSwap) {
        return new OciConfig(new ObjectMapper()).render(spec, new OciConfig.Inputs(Path.of("/data/rootfs"),
                Path.of("/data/sites/x"), Path.of("/var/run/netns/berth-x"), "/berth/tenant-t/site-s", 427_680, 65_536, limitSwap));
    }

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
    void theProcessIsLighttpdWithHostdsConfigurationAndNoEnvironment() {
        assertThat(texts(config.path("process").path("args"))).containsExactly("/usr/sbin/lighttpd", "-D", "-f", "/etc/lighttpd.conf");
        assertThat(config.path("process").path("env")).isEmpty();
    }

    @Test
    void seccompIsAnAllowListThatAnswersEverythingElseWithEnosys() {
        JsonNode seccomp = config.path("linux").path("seccomp");
        assertThat(seccomp.path("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(seccomp.path("defaultErrnoRet").asInt()).isEqualTo(38);
        List<String> allowed = new ArrayList<>();
        for (JsonNode rule : seccomp.path("syscalls")) {
            assertThat(rule.path("action").asText()).isEqualTo("SCMP_ACT_ALLOW");
            if (rule.path("args").isEmpty()) {
                allowed.addAll(texts(rule.path("names")));
            }
        }
        assertThat(allowed).contains("accept4", "epoll_wait", "sendfile", "execve", "openat")
                .doesNotContain("clone", "clone3", "fork", "vfork", "connect", "kill", "ptrace", "mount", "umount2",
                        "unshare", "setns", "keyctl", "add_key", "bpf", "perf_event_open", "io_uring_setup", "userfaultfd",
                        "socket", "ioctl", "init_module", "process_vm_readv", "personality", "chroot", "setuid", "prctl");
    }

    @Test
    void socketIsAllowedForIpv4AndIpv6OnlyAndIoctlForFionreadOnly() {
        List<String> conditional = new ArrayList<>();
        for (JsonNode rule : config.path("linux").path("seccomp").path("syscalls")) {
            if (!rule.path("args").isEmpty()) {
                JsonNode argument = rule.path("args").get(0);
                assertThat(argument.path("op").asText()).isEqualTo("SCMP_CMP_EQ");
                conditional.add(texts(rule.path("names")).get(0) + " " + argument.path("index").asInt() + "=" + argument.path("value").asLong());
            }
        }
        assertThat(conditional).containsExactlyInAnyOrder("socket 0=2", "socket 0=10", "ioctl 1=" + 0x541B);
    }

    @Test
    void coreDumpsAreOffAndOpenFilesBounded() {
        List<String> limits = new ArrayList<>();
        config.path("process").path("rlimits").forEach(limit -> limits.add(limit.path("type").asText() + " "
                + limit.path("soft").asLong() + "/" + limit.path("hard").asLong()));
        assertThat(limits).containsExactlyInAnyOrder("RLIMIT_CORE 0/0", "RLIMIT_NOFILE 1024/1024");
    }

    @Test
    void whereTheKernelAccountsSwapTheMemoryLimitCoversSwapToo() {
        assertThat(config.path("linux").path("resources").path("memory").path("swap").asLong()).isEqualTo(48L * 1024 * 1024);
        assertThat(render(false).path("linux").path("resources").path("memory").has("swap")).isFalse();
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

    @Test
    void aBuildRunsUnprivilegedOffTheNetworkWithOnlyItsWorkspaceWritable() {
        JsonNode build = new OciConfig(new ObjectMapper()).renderBuild("build", new OciConfig.BuildInputs(Path.of("/data/build-root"),
                Path.of("/data/builds/b1"), "/berth/tenant-t/build-b1", 427_680, 65_536, true, new ResourceLimits(1000, 512, 256),
                List.of("/bin/sh", "-c", "hugo"), List.of("HOME=/work/home")));
        JsonNode process = build.path("process");
        assertThat(process.path("user").path("uid").asInt()).isEqualTo(1000);
        assertThat(process.path("noNewPrivileges").asBoolean()).isTrue();
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) {
            assertThat(process.path("capabilities").path(set)).isEmpty();
        }
        assertThat(texts(process.path("args"))).containsExactly("/bin/sh", "-c", "hugo");
        build.path("linux").path("namespaces").forEach(ns -> assertThat(ns.has("path")).as("a new %s namespace", ns.path("type").asText())
                .isFalse());
        assertThat(build.path("linux").path("namespaces").findValuesAsText("type")).contains("network", "user");
        assertThat(build.path("root").path("readonly").asBoolean()).isTrue();
        List<String> writable = new ArrayList<>();
        build.path("mounts").forEach(mount -> {
            List<String> options = texts(mount.path("options"));
            if (mount.path("type").asText().equals("bind")) {
                assertThat(options).as(mount.path("destination").asText()).contains("nosuid", "nodev");
                if (!options.contains("ro")) {
                    writable.add(mount.path("destination").asText() + " <- " + mount.path("source").asText());
                }
            }
        });
        assertThat(writable).containsExactly("/work <- /data/builds/b1");
        JsonNode resources = build.path("linux").path("resources");
        assertThat(resources.path("memory").path("limit").asLong()).isEqualTo(512L << 20);
        assertThat(resources.path("memory").path("swap").asLong()).isEqualTo(512L << 20);
        assertThat(resources.path("pids").path("limit").asInt()).isEqualTo(256);
        assertThat(build.path("linux").path("cgroupsPath").asText()).isEqualTo("/berth/tenant-t/build-b1");
        JsonNode seccomp = build.path("linux").path("seccomp");
        List<String> denied = new ArrayList<>();
        seccomp.path("syscalls").forEach(rule -> {
            assertThat(rule.path("action").asText()).isEqualTo("SCMP_ACT_ERRNO");
            if (rule.path("args").isEmpty()) {
                denied.addAll(texts(rule.path("names")));
            }
        });
        assertThat(denied).contains("unshare", "setns", "mount", "ptrace", "bpf", "keyctl", "clone3", "io_uring_setup");
        assertThat(seccomp.toString()).contains("\"value\":" + OciConfig.CLONE_NEWUSER, "SCMP_CMP_MASKED_EQ");
    }
}
