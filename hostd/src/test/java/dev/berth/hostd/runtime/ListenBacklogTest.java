package dev.berth.hostd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.hostd.exec.CommandException;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.ProcessCommandRunner;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenBacklogTest {

    @Test
    void raisesTheBacklogOfTheListeningSocketOfAProcess() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "perl is not installed");
        // This JVM's own listening socket stands for the server: pidfd_getfd on one's own process
        // needs no privilege. With a backlog of 1, most of 40 connections nobody accepts would wait
        // for a SYN retransmit; after the raise every one completes at once.
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ListenBacklog backlog = new ListenBacklog(new ProcessCommandRunner(), "/usr/bin/perl", 1024);
            boolean raised = backlog.raise("self", (int) ProcessHandle.current().pid());
            assumeTrue(raised, "pidfd_getfd is not allowed here (kernel older than 5.6 or Yama ptrace_scope 3)");

            List<Socket> clients = new ArrayList<>();
            try {
                for (int index = 0; index < 40; index++) {
                    Socket client = new Socket();
                    client.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 500);
                    clients.add(client);
                }
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
            }
            assertThat(clients).hasSize(40);
        }
    }

    @Test
    void aProcessWithoutAListeningSocketIsAFailureNotAnException() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "perl is not installed");
        Process sleeper = null;
        try {
            sleeper = new ProcessBuilder("sleep", "30").start();
            ListenBacklog backlog = new ListenBacklog(new ProcessCommandRunner(), "/usr/bin/perl", 1024);
            assertThat(backlog.raise("sleeper", (int) sleeper.pid())).isFalse();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } finally {
            if (sleeper != null) {
                sleeper.destroyForcibly();
            }
        }
    }

    @Test
    void runsPerlWithThePidTheBacklogAndAWaitAndTurnsAFailedRunIntoFalse() {
        List<List<String>> seen = new ArrayList<>();
        ListenBacklog backlog = new ListenBacklog((argv, environment, stdin, timeout) -> {
            seen.add(argv);
            return new CommandResult(2, "", "pidfd_open: Operation not permitted\n");
        }, "/usr/bin/perl", 4096);

        assertThat(backlog.raise("berth-site", 4242)).isFalse();
        assertThat(seen).singleElement().satisfies(argv -> {
            assertThat(argv.subList(0, 2)).containsExactly("/usr/bin/perl", "-e");
            assertThat(argv.subList(3, argv.size())).containsExactly("--", "4242", "4096", "300");
        });
    }

    @Test
    void aRunnerThatCannotStartPerlIsAFailureNotAnException() {
        ListenBacklog backlog = new ListenBacklog((argv, environment, stdin, timeout) -> {
            throw new CommandException("no such file: /usr/bin/perl");
        }, "/usr/bin/perl", 1024);

        assertThat(backlog.raise("berth-site", 4242)).isFalse();
    }

    @Test
    void aBacklogOfZeroRunsNothing() throws Exception {
        List<List<String>> seen = new ArrayList<>();
        ListenBacklog backlog = new ListenBacklog((argv, environment, stdin, timeout) -> {
            seen.add(argv);
            return new CommandResult(0, "", "");
        }, "/usr/bin/perl", 0);

        backlog.raiseLater("berth-site", 4242);
        Thread.sleep(50);
        assertThat(seen).isEmpty();
    }
}
