package dev.berth.hostd.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.hostd.site.SiteSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * Renders a site's OCI runtime {@code config.json}. Pure, so the security-relevant settings are
 * unit-tested: namespaces, no capabilities, {@code noNewPrivileges}, an unprivileged uid, a
 * read-only shared root, read-only content, masked {@code /proc} paths and the cgroup limits.
 */
public final class OciConfig {
    /** uid and gid the web server runs as inside the container. */
    public static final int SERVER_ID = 1000;

    // runc's defaults (libcontainer/specconv/example.go).
    static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware");
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    /**
     * Syscalls a static web server never needs and that widen the kernel's attack surface from a
     * container: key rings, BPF, perf, userfaultfd, io_uring, new namespaces, mounts, modules,
     * clocks, ptrace. Denied with EPERM by the seccomp filter, everything else is allowed.
     */
    static final List<String> DENIED_SYSCALLS = List.of("add_key", "keyctl", "request_key", "bpf", "perf_event_open",
            "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "unshare", "setns", "mount",
            "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
            "mount_setattr", "swapon", "swapoff", "kexec_load", "kexec_file_load", "init_module", "finit_module",
            "delete_module", "open_by_handle_at", "name_to_handle_at", "acct", "quotactl", "lookup_dcookie", "iopl",
            "ioperm", "reboot", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog", "ptrace",
            "process_vm_readv", "process_vm_writev");
    private static final long[] NAMESPACE_FLAGS = {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L,
            0x20000000L, 0x40000000L};
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    /** Where a site's container comes from on the host. */
    public record Inputs(Path rootfs, Path contentDirectory, Path netnsPath, String cgroupsPath,
                         long hostIdBase, int idCount) {
    }

    private final ObjectMapper mapper;

    public OciConfig(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode render(SiteSpec spec, Inputs inputs) {
        ObjectNode config = mapper.createObjectNode();
        config.put("ociVersion", "1.0.2");

        ObjectNode process = config.putObject("process");
        process.put("terminal", false);
        ObjectNode user = process.putObject("user");
        user.put("uid", SERVER_ID);
        user.put("gid", SERVER_ID);
        // busybox httpd resolves each request path below /srv; nginx asks for /releases/RELEASE/...
        // (immutable), so a release switch is a proxy reload and needs no restart.
        strings(process.putArray("args"), "/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/srv");
        strings(process.putArray("env"), "PATH=/bin");
        process.put("cwd", "/");
        ObjectNode capabilities = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) {
            capabilities.putArray(set);
        }
        ArrayNode rlimits = process.putArray("rlimits");
        ObjectNode nofile = rlimits.addObject();
        nofile.put("type", "RLIMIT_NOFILE");
        nofile.put("hard", 1024);
        nofile.put("soft", 1024);
        process.put("noNewPrivileges", true);

        ObjectNode root = config.putObject("root");
        root.put("path", inputs.rootfs().toString());
        root.put("readonly", true);
        config.put("hostname", spec.name());

        ArrayNode mounts = config.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=256k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=1m");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "noexec", "mode=1777", "size=16m");
        mount(mounts, "/run", "tmpfs", "tmpfs", "nosuid", "nodev", "noexec", "mode=755", "size=1m");
        // No /sys: sysfs cannot be mounted from a user namespace into a netns the host owns, and a
        // static site needs none.
        mount(mounts, "/srv", "bind", inputs.contentDirectory().toString(), "rbind", "ro", "nosuid", "nodev", "noexec");

        ObjectNode linux = config.putObject("linux");
        idMapping(linux.putArray("uidMappings"), inputs);
        idMapping(linux.putArray("gidMappings"), inputs);
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String type : List.of("pid", "ipc", "uts", "mount", "cgroup", "user")) {
            namespaces.addObject().put("type", type);
        }
        ObjectNode network = namespaces.addObject();
        network.put("type", "network");
        network.put("path", inputs.netnsPath().toString());
        linux.put("cgroupsPath", inputs.cgroupsPath());

        ObjectNode resources = linux.putObject("resources");
        ObjectNode denyDevices = resources.putArray("devices").addObject();
        denyDevices.put("allow", false);
        denyDevices.put("access", "rwm");
        resources.putObject("memory").put("limit", spec.siteLimits().memoryBytes());
        ObjectNode cpu = resources.putObject("cpu");
        dev.berth.hostd.cgroups.CpuQuota cpuQuota = dev.berth.hostd.cgroups.CpuQuota.of(spec.siteLimits().cpuMillicores());
        cpu.put("period", cpuQuota.periodMicros());
        cpu.put("quota", cpuQuota.quotaMicros());
        resources.putObject("pids").put("limit", spec.siteLimits().pids());

        seccomp(linux.putObject("seccomp"));
        strings(linux.putArray("maskedPaths"), MASKED_PATHS.toArray(String[]::new));
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS.toArray(String[]::new));
        return config;
    }

    private static void seccomp(ObjectNode seccomp) {
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        String arch = System.getProperty("os.arch");
        if (arch.equals("aarch64")) {
            strings(seccomp.putArray("architectures"), "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        } else {
            strings(seccomp.putArray("architectures"), "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        }
        ArrayNode rules = seccomp.putArray("syscalls");
        ObjectNode denied = rules.addObject();
        strings(denied.putArray("names"), DENIED_SYSCALLS.toArray(String[]::new));
        denied.put("action", "SCMP_ACT_ERRNO");
        denied.put("errnoRet", EPERM);
        // clone3 passes its flags in memory, out of seccomp's reach: answer ENOSYS so the C library
        // falls back to clone, whose flags are checked below (no new namespaces).
        ObjectNode clone3 = rules.addObject();
        strings(clone3.putArray("names"), "clone3");
        clone3.put("action", "SCMP_ACT_ERRNO");
        clone3.put("errnoRet", ENOSYS);
        for (long flag : NAMESPACE_FLAGS) {
            ObjectNode clone = rules.addObject();
            strings(clone.putArray("names"), "clone");
            clone.put("action", "SCMP_ACT_ERRNO");
            clone.put("errnoRet", EPERM);
            ObjectNode argument = clone.putArray("args").addObject();
            argument.put("index", 0);
            argument.put("value", flag);
            argument.put("valueTwo", flag);
            argument.put("op", "SCMP_CMP_MASKED_EQ");
        }
    }

    private static void idMapping(ArrayNode mappings, Inputs inputs) {
        ObjectNode mapping = mappings.addObject();
        mapping.put("containerID", 0);
        mapping.put("hostID", inputs.hostIdBase());
        mapping.put("size", inputs.idCount());
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode mount = mounts.addObject();
        mount.put("destination", destination);
        mount.put("type", type);
        mount.put("source", source);
        if (options.length > 0) {
            strings(mount.putArray("options"), options);
        }
    }

    private static void strings(ArrayNode array, String... values) {
        for (String value : values) {
            array.add(value);
        }
    }
}
