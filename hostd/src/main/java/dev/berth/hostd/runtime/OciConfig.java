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
        // busybox httpd resolves each request path below /srv, so /current/... follows the
        // current symlink per request: a release switch needs no restart.
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
        cpu.put("period", 100_000);
        cpu.put("quota", spec.siteLimits().cpuMillicores() * 100L);
        resources.putObject("pids").put("limit", spec.siteLimits().pids());

        strings(linux.putArray("maskedPaths"), MASKED_PATHS.toArray(String[]::new));
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS.toArray(String[]::new));
        return config;
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
