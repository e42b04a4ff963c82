package dev.berth.hostd.runtime;

import dev.berth.hostd.exec.CommandException;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises the listen backlog of a site's server after it started. busybox httpd listens with a
 * backlog of 9 (hard-coded {@code xlisten(fd, 9)}) and closes every connection, so a burst of more
 * than ten new connections while its accept loop waits for a core overflows the accept queue: the
 * kernel drops the SYNs, and the client (nginx) retransmits only after 1 s, then 3 s. Calling
 * listen(2) again on a listening socket only changes its backlog, so hostd (root) takes a copy of
 * the server's listening socket with pidfd_getfd(2) (Linux 5.6) and calls listen on that copy. The
 * server, its memory and its fork-per-connection model stay exactly as they are; no data passes.
 *
 * <p>Java 17 has no way to make those two system calls, so a short script runs in {@code perl}
 * (Debian's {@code perl-base} is Essential, always installed). It waits up to {@code
 * WAIT_TRIES * 10 ms} for the process to listen, touches only a socket that is listening
 * ({@code SO_ACCEPTCONN}) and exits. Best effort and asynchronous: the site serves either way, a
 * failure is logged (old kernel, Yama {@code ptrace_scope} 3, no perl) and the site keeps the
 * backlog of 9. Thread-safe.
 */
public final class ListenBacklog {
    private static final Logger LOG = LoggerFactory.getLogger(ListenBacklog.class);
    private static final int WAIT_TRIES = 300;
    // pidfd_open is 434 and pidfd_getfd 438 on every architecture (the shared syscall table since Linux 5.1).
    static final String SCRIPT = """
            use strict; use Socket qw(SOL_SOCKET SO_ACCEPTCONN);
            my ($pid, $backlog, $tries) = map { $_ + 0 } @ARGV;
            my $pidfd = syscall(434, $pid, 0); die "pidfd_open: $!\\n" if $pidfd < 0;
            for (my $try = 0; $try < $tries; $try++) {
                opendir(my $fds, "/proc/$pid/fd") or die "no process $pid\\n";
                for my $fd (grep { /^\\d+$/ } readdir $fds) {
                    next unless (readlink("/proc/$pid/fd/$fd") // "") =~ /^socket:/;
                    my $copy = syscall(438, $pidfd, $fd + 0, 0);
                    next if $copy < 0;
                    open(my $socket, "+<&=", $copy) or next;
                    my $listening = getsockopt($socket, SOL_SOCKET, SO_ACCEPTCONN);
                    if ($listening && unpack("i", $listening)) { listen($socket, $backlog) or die "listen: $!\\n"; exit 0; }
                    close $socket;
                }
                select(undef, undef, undef, 0.01);
            }
            die "no listening socket after $tries tries\\n";
            """;

    private final CommandRunner commands;
    private final String perl;
    private final int backlog;
    private final ExecutorService executor;

    /**
     * @param backlog the new backlog (the kernel caps it at the netns's {@code net.core.somaxconn},
     *                4096 by default); 0 disables the whole thing
     */
    public ListenBacklog(CommandRunner commands, String perl, int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("listen backlog must be 0 (off) or positive");
        }
        this.commands = commands;
        this.perl = perl;
        this.backlog = backlog;
        // One daemon thread: a start never waits for it, and hostd's exit does not either.
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "listen-backlog");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The argv that raises the backlog of {@code pid}'s listening socket. */
    List<String> command(int pid) {
        return List.of(perl, "-e", SCRIPT, "--", Integer.toString(pid), Integer.toString(backlog), Integer.toString(WAIT_TRIES));
    }

    /** Raises the backlog of {@code pid}'s listening socket in the background; returns at once. */
    public void raiseLater(String containerId, int pid) {
        if (backlog == 0) {
            return;
        }
        executor.execute(() -> raise(containerId, pid));
    }

    /** Raises it now; false (and a warning logged) if it could not. */
    boolean raise(String containerId, int pid) {
        try {
            CommandResult result = commands.run(command(pid), Map.of(), null, Duration.ofSeconds(10));
            if (result.ok()) {
                return true;
            }
            LOG.warn("could not raise the listen backlog of {} (pid {}): {}", containerId, pid, result.stderr().strip());
        } catch (CommandException e) {
            LOG.warn("could not raise the listen backlog of {} (pid {}): {}", containerId, pid, e.getMessage());
        }
        return false;
    }
}
