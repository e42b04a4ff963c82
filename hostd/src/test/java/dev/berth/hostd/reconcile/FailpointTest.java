package dev.berth.hostd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailpointTest {
    @TempDir
    Path directory;

    @Test
    void isInertWhenTheVariableIsUnset() throws Exception {
        assertSame(Failpoint.NONE, Failpoint.fromEnvironment(Map.of()));
        assertSame(Failpoint.NONE, Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT_DIR", " ")));
        Files.writeString(directory.resolve("arm"), "converge:proxy:alpha");
        Failpoint.NONE.reach("converge", "proxy", UUID.randomUUID(), "alpha");
        assertFalse(Files.exists(directory.resolve("reached")));
    }

    @Test
    void holdsOnlyTheArmedStepOfTheArmedSiteOnceUntilReleased() throws Exception {
        Failpoint failpoint = Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT_DIR", directory.toString()));
        UUID alpha = UUID.randomUUID();
        failpoint.reach("converge", "network", alpha, "alpha");
        Files.writeString(directory.resolve("arm"), "converge:network:alpha\n");
        failpoint.reach("converge", "network", UUID.randomUUID(), "beta");
        failpoint.reach("converge", "proxy", alpha, "alpha");
        failpoint.reach("remove", "network", alpha, null);
        assertFalse(Files.exists(directory.resolve("reached")), "only converge:network of alpha is held");

        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> failpoint.reach("converge", "network", alpha, "alpha"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.exists(directory.resolve("reached")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(Files.exists(directory.resolve("reached")));
        assertFalse(Files.exists(directory.resolve("arm")), "arming is consumed");
        Thread.sleep(100);
        assertFalse(held.isDone(), "the step waits for the release marker");
        Files.createFile(directory.resolve("release"));
        held.get(5, TimeUnit.SECONDS);
        assertFalse(Files.exists(directory.resolve("release")), "the release marker is consumed");

        long start = System.nanoTime();
        failpoint.reach("converge", "network", alpha, "alpha");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "it fires once per arming");
    }

    @Test
    void matchesASiteByIdAndGivesUpAfterItsTimeout() throws Exception {
        UUID gone = UUID.randomUUID();
        Failpoint failpoint = Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT_DIR", directory.toString(),
                "BERTH_HOSTD_FAILPOINT_TIMEOUT_SECONDS", "1"));
        Files.writeString(directory.resolve("arm"), "remove:cgroups:" + gone);
        long start = System.nanoTime();
        failpoint.reach("remove", "cgroups", gone, null);
        assertTrue(Files.exists(directory.resolve("reached")));
        assertEquals(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }
}
