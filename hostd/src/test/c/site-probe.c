/*
 * Test-only probe, built by the host tests with gcc -static and run by runc with a site's own
 * OCI configuration (only the process and the root file system differ): it reports, as NAME=VALUE
 * lines, what a process confined like the site's server can and cannot do. Each system call is
 * made raw with syscall(2), so no C library fallback hides its answer; the value is 0 on success
 * or the errno. It judges nothing: the test does.
 *
 * argv[1]: a file of the site's content (to try writing), argv[2]: a host path that must not exist here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

static void report(const char *name, long result) {
    printf("%s=%d\n", name, result < 0 ? errno : 0);
}

/* A child a call might create by mistake leaves at once, without printing. */
static void report_child(const char *name, long result) {
    if (result == 0) {
        _exit(0);
    }
    report(name, result);
}

static void status_line(const char *key) {
    char line[256];
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) {
        printf("%s=unreadable\n", key);
        return;
    }
    size_t length = strlen(key);
    while (fgets(line, sizeof line, status) != NULL) {
        if (strncmp(line, key, length) == 0 && line[length] == ':') {
            char *value = line + length + 1;
            while (*value == ' ' || *value == '\t') {
                value++;
            }
            value[strcspn(value, "\n")] = 0;
            printf("%s=%s\n", key, value);
        }
    }
    fclose(status);
}

int main(int argc, char **argv) {
    const char *content = argc > 1 ? argv[1] : "/srv/current/index.html";
    const char *host_path = argc > 2 ? argv[2] : "/nonexistent";
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Who and what this process is. */
    printf("uid=%d\ngid=%d\n", (int) getuid(), (int) getgid());
    status_line("CapEff");
    status_line("CapPrm");
    status_line("CapBnd");
    status_line("CapAmb");
    status_line("NoNewPrivs");
    status_line("Seccomp");
    struct rlimit core;
    getrlimit(RLIMIT_CORE, &core);
    printf("core=%ld/%ld\n", (long) core.rlim_cur, (long) core.rlim_max);
    struct rlimit more = {1 << 20, 1 << 20};
    report("raise_core", setrlimit(RLIMIT_CORE, &more));

    /* Files: content and root are read-only, /proc/sys too, the host is out of sight. */
    report("write_content", open(content, O_WRONLY));
    report("create_in_content", open("/srv/probe-was-here", O_WRONLY | O_CREAT, 0644));
    report("create_in_root", open("/probe-was-here", O_WRONLY | O_CREAT, 0644));
    report("write_proc_sys", open("/proc/sys/kernel/hostname", O_WRONLY));
    struct stat seen;
    report("stat_host_path", stat(host_path, &seen));

    /* System calls outside the allow list (the filter answers ENOSYS). Their targets do not exist,
     * so that nothing would change even where a call got through. */
    report("mount", syscall(SYS_mount, "none", "/nonexistent-probe-target", "tmpfs", 0, NULL));
    report("umount2", syscall(SYS_umount2, "/nonexistent-probe-target", 0));
    report("unshare", syscall(SYS_unshare, CLONE_NEWUSER));
    report("setns", syscall(SYS_setns, 0, CLONE_NEWNET));
    report_child("fork", syscall(SYS_fork));
    report_child("clone", syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0));
    struct clone_args clone3_args;
    memset(&clone3_args, 0, sizeof clone3_args);
    clone3_args.exit_signal = SIGCHLD;
    report_child("clone3", syscall(SYS_clone3, &clone3_args, sizeof clone3_args));
    report("execveat", syscall(SYS_execveat, -1, "", NULL, NULL, 0));
    report("kill", syscall(SYS_kill, getpid(), 0));
    report("ptrace", syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, NULL, NULL));
    report("process_vm_readv", syscall(SYS_process_vm_readv, getpid(), NULL, 0, NULL, 0, 0));
    report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0));
    report("add_key", syscall(SYS_add_key, "user", "probe", "x", 1, -3));
    report("bpf", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
    report("userfaultfd", syscall(SYS_userfaultfd, 0));
    report("init_module", syscall(SYS_init_module, NULL, 0, ""));
    report("chroot", syscall(SYS_chroot, "/"));
    report("setuid", syscall(SYS_setuid, 0));
    report("prctl", syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0));
    report("personality", syscall(SYS_personality, 0xffffffff));
    report("memfd_create", syscall(SYS_memfd_create, "probe", 0));
    report("mknodat", syscall(SYS_mknodat, AT_FDCWD, "/nonexistent-probe-target/node", S_IFIFO | 0600, 0));
    report("pidfd_open", syscall(SYS_pidfd_open, getpid(), 0));
    report("ioctl_tiocsti", syscall(SYS_ioctl, 0, TIOCSTI, "x"));
    report("socket_unix", syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0));
    report("socket_netlink", syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0));
    report("socket_packet", syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0));

    /* What the server needs stays allowed. */
    report("getpid", syscall(SYS_getpid));
    long inet6 = syscall(SYS_socket, AF_INET6, SOCK_STREAM, 0);
    report("socket_inet6", inet6);
    long inet = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    report("socket_inet", inet);
    int readable = 0;
    report("ioctl_fionread", syscall(SYS_ioctl, inet, FIONREAD, &readable));
    report("read_content", open(content, O_RDONLY));
    /* ... but the server never dials out. */
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(9)};
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    report("connect", syscall(SYS_connect, inet, &local, sizeof local));
    printf("done=0\n");
    return 0;
}
