package dev.berth.hostd.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * Renders a site's OCI runtime {@code config.json}. Pure, so the security-relevant settings are
 * unit-tested: namespaces, no capabilities, {@code noNewPrivileges}, an unprivileged uid, a
 * read-only shared root, read-only content, masked {@code /proc} paths, the seccomp allow list,
 * no core dumps and the cgroup limits (swap included).
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
     * The only system calls a site container may make; every other one fails with ENOSYS. Cut down
     * from Docker's default profile (moby {@code profiles/seccomp/default.json}, itself an allow
     * list) to what {@code strace -f} saw lighttpd, its dynamic loader and glibc make from start to
     * shutdown under load (GET, HEAD, ranges, 304, 301/403/404/405/413, a 5 MB file through sendfile,
     * a client gone mid-transfer, 600 connections at once, SIGHUP, SIGTERM), plus what runc's init
     * (Go) still makes between installing the filter and execve(2): its futex, nanosleep,
     * epoll_pwait, the exec FIFO write, the /proc/self/fd walk. Not in the list: fork, clone, clone3
     * and vfork (the server never forks, so a compromised one cannot either), connect (it never
     * dials out), kill, ptrace, mount, unshare, setns, keyctl, bpf, perf_event_open, io_uring, and
     * every other kernel interface.
     */
    static final List<String> ALLOWED_SYSCALLS = List.of(
            // process start: execve by runc, the dynamic loader, glibc's start-up and exit
            "execve", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrlimit",
            "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "access", "faccessat", "faccessat2",
            "exit", "exit_group", "restart_syscall", "getrandom", "uname", "sysinfo",
            // files: the configuration, /srv, the libraries
            "openat", "close", "read", "readv", "pread64", "lseek", "fstat", "newfstatat", "statx", "fstatfs",
            "getdents64", "getcwd", "fcntl", "dup", "dup2", "dup3", "pipe2", "write", "writev",
            // the listening sockets and their connections
            "bind", "listen", "accept", "accept4", "getsockname", "getsockopt", "setsockopt", "recvfrom",
            "sendfile", "shutdown",
            // the event loop, time, signals, threads of runc's init
            "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "futex", "nanosleep",
            "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time", "rt_sigaction",
            "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill", "sched_yield", "sched_getaffinity",
            // identity (read only)
            "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid");
    /** socket(2) only for IPv4 and IPv6 (no netlink, packet, unix or other families). */
    static final List<Integer> SOCKET_FAMILIES = List.of(2, 10);
    /** ioctl(2) only for FIONREAD, with which lighttpd sizes a read. */
    static final long FIONREAD = 0x541B;
    /** What a call outside the list answers: "no such call", so that glibc falls back where it can. */
    static final int DENIED_ERRNO = 38;

    /**
     * Where a site's container comes from on the host.
     *
     * @param limitSwap true where the kernel accounts swap per cgroup ({@code memory.memsw.*} on
     *                  v1, {@code memory.swap.max} on v2): the memory limit then covers swap too
     */
    public record Inputs(Path rootfs, Path contentDirectory, Path netnsPath, String cgroupsPath,
                         long hostIdBase, int idCount, boolean limitSwap) {
    }

    private final ObjectMapper mapper;

    public OciConfig(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode render(SiteSpec spec, Inputs inputs) {
        return render(spec.name(), spec.siteLimits(), inputs);
    }

    /** A site container's config for a host name and limits: a site's own, or a pool slot's before its claim ({@link WarmPool}). */
    public ObjectNode render(String hostname, ResourceLimits limits, Inputs inputs) {
        ObjectNode config = mapper.createObjectNode();
        ObjectNode process = unprivilegedProcess(config);
        // lighttpd serves /srv; nginx asks for /releases/RELEASE/... (immutable), so a release
        // switch is a proxy reload and needs no restart.
        strings(process.putArray("args"), SiteServer.argv().toArray(String[]::new));
        process.putArray("env");
        process.put("cwd", "/");
        ObjectNode capabilities = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) {
            capabilities.putArray(set);
        }
        ArrayNode rlimits = process.putArray("rlimits");
        rlimit(rlimits, "RLIMIT_NOFILE", SiteServer.MAX_FDS);
        // No core dumps: a crashing server would write its memory (other requests' data) somewhere.
        rlimit(rlimits, "RLIMIT_CORE", 0);
        process.put("noNewPrivileges", true);

        ObjectNode root = config.putObject("root");
        root.put("path", inputs.rootfs().toString());
        root.put("readonly", true);
        config.put("hostname", hostname);

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
        idMapping(linux.putArray("uidMappings"), inputs.hostIdBase(), inputs.idCount());
        idMapping(linux.putArray("gidMappings"), inputs.hostIdBase(), inputs.idCount());
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String type : List.of("pid", "ipc", "uts", "mount", "cgroup", "user")) {
            namespaces.addObject().put("type", type);
        }
        ObjectNode network = namespaces.addObject();
        network.put("type", "network");
        network.put("path", inputs.netnsPath().toString());
        linux.put("cgroupsPath", inputs.cgroupsPath());

        resources(linux, limits, inputs.limitSwap());

        seccomp(linux.putObject("seccomp"));
        strings(linux.putArray("maskedPaths"), MASKED_PATHS.toArray(String[]::new));
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS.toArray(String[]::new));
        return config;
    }

    /**
     * Where a build container comes from: the build root ({@code BuildRoot}), the workspace it may
     * write (the sources, the output, its home), the host's {@code /usr} read-only, and the limits.
     */
    public record BuildInputs(Path rootfs, Path workspace, String cgroupsPath, long hostIdBase, int idCount,
                              boolean limitSwap, ResourceLimits limits, List<String> args, List<String> env) {
    }

    /**
     * System calls a build may not make (it may make every other one: compilers, interpreters and
     * package scripts fork, thread and map memory freely). No new namespaces (unshare, setns, a
     * clone or clone3 asking for a user namespace), no mounts, no kernel keyrings, eBPF, perf,
     * io_uring, userfaultfd, ptrace or another process's memory, no module, clock, swap or reboot
     * control. The user namespace, no capabilities and {@code noNewPrivileges} stand behind it.
     */
    static final List<String> BUILD_DENIED_SYSCALLS = List.of("unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
            "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
            "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter",
            "io_uring_register", "userfaultfd", "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load",
            "kexec_file_load", "init_module", "finit_module", "delete_module", "swapon", "swapoff", "reboot", "acct",
            "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "open_by_handle_at", "name_to_handle_at",
            "lookup_dcookie", "quotactl", "syslog", "vhangup");
    /** clone(2)'s CLONE_NEWUSER flag. */
    static final long CLONE_NEWUSER = 0x10000000L;

    /**
     * A build container's {@code config.json}: the site's id range and the tenant's cgroup (so the
     * tenant's limits hold for the build too), a network namespace of its own with loopback only,
     * no capabilities, the root and {@code /usr} read-only, only the workspace writable.
     */
    public ObjectNode renderBuild(String hostname, BuildInputs inputs) {
        ObjectNode config = mapper.createObjectNode();
        ObjectNode process = unprivilegedProcess(config);
        strings(process.putArray("args"), inputs.args().toArray(String[]::new));
        strings(process.putArray("env"), inputs.env().toArray(String[]::new));
        process.put("cwd", "/work/src");
        ObjectNode capabilities = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) {
            capabilities.putArray(set);
        }
        ArrayNode rlimits = process.putArray("rlimits");
        rlimit(rlimits, "RLIMIT_NOFILE", 4096);
        rlimit(rlimits, "RLIMIT_CORE", 0);
        process.put("noNewPrivileges", true);

        ObjectNode root = config.putObject("root");
        root.put("path", inputs.rootfs().toString());
        root.put("readonly", true);
        config.put("hostname", hostname);

        ArrayNode mounts = config.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=256k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "nodev", "mode=1777", "size=64m");
        mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", "size=256m");
        mount(mounts, "/run", "tmpfs", "tmpfs", "nosuid", "nodev", "noexec", "mode=755", "size=1m");
        // The toolchains: Debian's packages as installed on the host, read-only.
        mount(mounts, "/usr", "bind", "/usr", "rbind", "ro", "nosuid", "nodev");
        mount(mounts, "/etc/alternatives", "bind", "/etc/alternatives", "rbind", "ro", "nosuid", "nodev", "noexec");
        mount(mounts, "/work", "bind", inputs.workspace().toString(), "rbind", "rw", "nosuid", "nodev");

        ObjectNode linux = config.putObject("linux");
        idMapping(linux.putArray("uidMappings"), inputs.hostIdBase(), inputs.idCount());
        idMapping(linux.putArray("gidMappings"), inputs.hostIdBase(), inputs.idCount());
        ArrayNode namespaces = linux.putArray("namespaces");
        // A network namespace of its own: loopback only, no route anywhere.
        for (String type : List.of("pid", "ipc", "uts", "mount", "cgroup", "user", "network")) {
            namespaces.addObject().put("type", type);
        }
        linux.put("cgroupsPath", inputs.cgroupsPath());
        resources(linux, inputs.limits(), inputs.limitSwap());

        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        architectures(seccomp);
        ArrayNode rules = seccomp.putArray("syscalls");
        ObjectNode denied = rules.addObject();
        strings(denied.putArray("names"), BUILD_DENIED_SYSCALLS.toArray(String[]::new));
        denied.put("action", "SCMP_ACT_ERRNO");
        denied.put("errnoRet", 1);
        // clone3 passes its flags in memory, out of seccomp's sight: "no such call" makes glibc use clone.
        ObjectNode clone3 = rules.addObject();
        strings(clone3.putArray("names"), "clone3");
        clone3.put("action", "SCMP_ACT_ERRNO");
        clone3.put("errnoRet", DENIED_ERRNO);
        ObjectNode newUser = rules.addObject();
        strings(newUser.putArray("names"), "clone");
        newUser.put("action", "SCMP_ACT_ERRNO");
        newUser.put("errnoRet", 1);
        ObjectNode flag = newUser.putArray("args").addObject();
        flag.put("index", 0);
        flag.put("value", CLONE_NEWUSER);
        flag.put("valueTwo", CLONE_NEWUSER);
        flag.put("op", "SCMP_CMP_MASKED_EQ");
        strings(linux.putArray("maskedPaths"), MASKED_PATHS.toArray(String[]::new));
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS.toArray(String[]::new));
        return config;
    }

    /** The config's version and its process, without a terminal, as {@link #SERVER_ID}. */
    private static ObjectNode unprivilegedProcess(ObjectNode config) {
        config.put("ociVersion", "1.0.2");
        ObjectNode process = config.putObject("process");
        process.put("terminal", false);
        ObjectNode user = process.putObject("user");
        user.put("uid", SERVER_ID);
        user.put("gid", SERVER_ID);
        return process;
    }

    /** No device but runc's defaults; memory (swap included where it is accounted), CPU and process limits. */
    private static void resources(ObjectNode linux, ResourceLimits limits, boolean limitSwap) {
        ObjectNode resources = linux.putObject("resources");
        ObjectNode denyDevices = resources.putArray("devices").addObject();
        denyDevices.put("allow", false);
        denyDevices.put("access", "rwm");
        ObjectNode memory = resources.putObject("memory");
        memory.put("limit", limits.memoryBytes());
        if (limitSwap) {
            // OCI's swap is memory + swap (runc writes memory.memsw.limit_in_bytes on v1 and
            // memory.swap.max = swap - limit on v2): equal to the limit, no swap at all.
            memory.put("swap", limits.memoryBytes());
        }
        ObjectNode cpu = resources.putObject("cpu");
        dev.berth.hostd.cgroups.CpuQuota cpuQuota = dev.berth.hostd.cgroups.CpuQuota.of(limits.cpuMillicores());
        cpu.put("period", cpuQuota.periodMicros());
        cpu.put("quota", cpuQuota.quotaMicros());
        resources.putObject("pids").put("limit", limits.pids());
    }

    private static void architectures(ObjectNode seccomp) {
        if (System.getProperty("os.arch").equals("aarch64")) {
            strings(seccomp.putArray("architectures"), "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        } else {
            strings(seccomp.putArray("architectures"), "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        }
    }

    private static void seccomp(ObjectNode seccomp) {
        seccomp.put("defaultAction", "SCMP_ACT_ERRNO");
        seccomp.put("defaultErrnoRet", DENIED_ERRNO);
        architectures(seccomp);
        ArrayNode rules = seccomp.putArray("syscalls");
        ObjectNode allowed = rules.addObject();
        // Names a kernel or architecture does not know (epoll_wait on aarch64) are skipped by runc.
        strings(allowed.putArray("names"), ALLOWED_SYSCALLS.toArray(String[]::new));
        allowed.put("action", "SCMP_ACT_ALLOW");
        for (int family : SOCKET_FAMILIES) {
            argumentRule(rules, "socket", 0, family);
        }
        argumentRule(rules, "ioctl", 1, FIONREAD);
    }

    /** Allows {@code name} when its argument {@code index} equals {@code value}. */
    private static void argumentRule(ArrayNode rules, String name, int index, long value) {
        ObjectNode rule = rules.addObject();
        strings(rule.putArray("names"), name);
        rule.put("action", "SCMP_ACT_ALLOW");
        ObjectNode argument = rule.putArray("args").addObject();
        argument.put("index", index);
        argument.put("value", value);
        argument.put("op", "SCMP_CMP_EQ");
    }

    private static void rlimit(ArrayNode rlimits, String type, long value) {
        ObjectNode rlimit = rlimits.addObject();
        rlimit.put("type", type);
        rlimit.put("hard", value);
        rlimit.put("soft", value);
    }

    private static void idMapping(ArrayNode mappings, long hostIdBase, int idCount) {
        ObjectNode mapping = mappings.addObject();
        mapping.put("containerID", 0);
        mapping.put("hostID", hostIdBase);
        mapping.put("size", idCount);
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
