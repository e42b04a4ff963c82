package dev.berth.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
    /** Tries the POSIX record lock Java takes, from another process (Python's fcntl.lockf, the same fcntl lock). */
    private static boolean lockedForOtherProcesses(Path file) throws Exception {
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c",
                "import fcntl, sys\nf = open(sys.argv[1], 'r+')\ntry:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                        + "except OSError:\n    sys.exit(3)\n", file.toString()).redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(probe.exitValue()).as(output).isIn(0, 3);
        return probe.exitValue() == 3;
    }

    @Test
    void aSweepInTheJvmThatHoldsARunLeavesItLockedForOtherProcesses(@TempDir Path runs) throws Exception {
        List<String> swept = new ArrayList<>();
        try (RunLock first = RunLock.acquire(runs, "first", Map.of("directory", "/nonexistent/first"))) {
            Path file = runs.resolve("first.run");
            assertThat(lockedForOtherProcesses(file)).isTrue();

            // A second stack of the same test starts: its sweep looks at every run file.
            RunLock.sweepDead(runs, run -> swept.add(run.getProperty("prefix")));

            assertThat(swept).isEmpty();
            assertThat(lockedForOtherProcesses(file)).as("still locked after this JVM's sweep").isTrue();
        }
    }

    @Test
    void aRunNoProcessHoldsIsSweptAndItsFileDeleted(@TempDir Path runs) throws Exception {
        Files.writeString(runs.resolve("dead.run"), "prefix=dead\ndirectory=/nonexistent/dead\n");
        List<String> swept = new ArrayList<>();

        RunLock.sweepDead(runs, run -> swept.add(run.getProperty("prefix")));

        assertThat(swept).containsExactly("dead");
        assertThat(runs.resolve("dead.run")).doesNotExist();
    }

    @Test
    void aRunFileAppearsLockedWithItsFactsAndNothingElseIsLeft(@TempDir Path runs) throws Exception {
        try (RunLock run = RunLock.acquire(runs, "starting", Map.of("directory", "/nonexistent/starting"))) {
            Path file = runs.resolve("starting.run");
            // Another test JVM's sweep may look at any moment: the file is locked from its first
            // appearance under the name sweeps read, and holds the facts a sweep would need.
            assertThat(lockedForOtherProcesses(file)).isTrue();
            java.util.Properties facts = new java.util.Properties();
            facts.load(new java.io.StringReader(Files.readString(file)));
            assertThat(facts).containsEntry("prefix", "starting").containsEntry("directory", "/nonexistent/starting");
            try (var files = Files.list(runs)) {
                assertThat(files.map(path -> path.getFileName().toString())).containsExactly("starting.run");
            }
        }
        assertThat(runs.resolve("starting.run")).doesNotExist();
    }

    @Test
    void aRunKilledWhileAcquiringIsSweptOnceItsFileIsAMinuteOldAndNotBefore(@TempDir Path runs) throws Exception {
        Path young = Files.writeString(runs.resolve("young.run.new"), "");
        Path killed = Files.writeString(runs.resolve("killed.run.new"), "prefix=killed\ndirectory=/nonexistent/killed\n");
        Path empty = Files.writeString(runs.resolve("empty.run.new"), "");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - RunLock.ABANDONED_AFTER_MILLIS - 1000);
        Files.setLastModifiedTime(killed, old);
        Files.setLastModifiedTime(empty, old);
        List<String> swept = new ArrayList<>();

        RunLock.sweepDead(runs, run -> swept.add(run.getProperty("prefix")));

        // A young one may be a run between creating its file and locking it: left alone.
        assertThat(swept).containsExactly("killed");
        assertThat(young).exists();
        assertThat(killed).doesNotExist();
        assertThat(empty).doesNotExist();
    }
}
