package dev.berth.hostd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    Path data;

    @Test
    void isInertWhenTheVariableIsUnsetOrEmpty() {
        assertSame(Failpoint.NONE, Failpoint.fromEnvironment(Map.of(), data));
        assertSame(Failpoint.NONE, Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT", " "), data));
        Failpoint.NONE.reach("converge", "proxy", UUID.randomUUID(), "alpha");
        assertFalse(Files.exists(data.resolve("failpoint")));
    }

    @Test
    void refusesAValueThatNamesNoKnownStep() {
        assertThrows(IllegalArgumentException.class,
                () -> Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT", "converge:kernel:alpha"), data));
        assertThrows(IllegalArgumentException.class,
                () -> Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT", "converge:proxy"), data));
    }

    @Test
    void holdsTheMatchingStepOnceUntilReleased() throws Exception {
        Failpoint failpoint = Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT", "converge:network:alpha"), data);
        UUID alpha = UUID.randomUUID();
        failpoint.reach("converge", "network", UUID.randomUUID(), "beta");
        failpoint.reach("converge", "proxy", alpha, "alpha");
        failpoint.reach("remove", "network", alpha, null);
        assertFalse(Files.exists(data.resolve("failpoint/reached")), "only converge:network of alpha is held");

        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> failpoint.reach("converge", "network", alpha, "alpha"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.exists(data.resolve("failpoint/reached")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(Files.exists(data.resolve("failpoint/reached")));
        Thread.sleep(100);
        assertFalse(held.isDone(), "the step waits for the release marker");
        Files.createFile(data.resolve("failpoint/release"));
        held.get(5, TimeUnit.SECONDS);

        Files.delete(data.resolve("failpoint/release"));
        long start = System.nanoTime();
        failpoint.reach("converge", "network", alpha, "alpha");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "it fires only once");
    }

    @Test
    void matchesASiteByIdAndGivesUpAfterItsTimeout() {
        UUID gone = UUID.randomUUID();
        Failpoint failpoint = Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT", "remove:cgroups:" + gone,
                "BERTH_HOSTD_FAILPOINT_DIR", data.resolve("marks").toString(), "BERTH_HOSTD_FAILPOINT_TIMEOUT_SECONDS", "1"), data);
        long start = System.nanoTime();
        failpoint.reach("remove", "cgroups", gone, null);
        assertTrue(Files.exists(data.resolve("marks/reached")));
        assertEquals(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }
}
