package dev.berth.hostd.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailpointTest {
    @TempDir
    Path directory;

    private Failpoint failpoint(String timeoutSeconds) {
        return Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT_DIR", directory.toString(),
                "BERTH_HOSTD_FAILPOINT_TIMEOUT_SECONDS", timeoutSeconds)).orElseThrow();
    }

    private static SiteSpec spec(UUID siteId, String name) {
        return new SiteSpec(siteId, name, UUID.randomUUID(), List.of(name + ".localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 2);
    }

    /** Waits for the signal a held step gives: the {@code reached} file. */
    private void awaitReached() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.exists(directory.resolve("reached")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(directory.resolve("reached")).exists();
    }

    @Test
    void existsOnlyWhenTheVariableIsSet() {
        assertThat(Failpoint.fromEnvironment(Map.of())).isEmpty();
        assertThat(Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT_DIR", " "))).isEmpty();
        assertThat(Failpoint.fromEnvironment(Map.of("BERTH_HOSTD_FAILPOINT_DIR", directory.toString()))).isPresent();
    }

    @Test
    void holdsOnlyTheArmedStepOfTheArmedSiteOnceUntilReleased() throws Exception {
        List<Step> ran = new CopyOnWriteArrayList<>();
        StepRunner runner = failpoint("120").around(ran::add);
        UUID alpha = UUID.randomUUID();
        SiteSpec spec = spec(alpha, "alpha");
        runner.run(new Step.Attach(spec, true));
        Files.writeString(directory.resolve("arm"), "converge:network:alpha\n");
        runner.run(new Step.Attach(spec(UUID.randomUUID(), "beta"), true));
        runner.run(new Step.EnsureContent(spec, true));
        runner.run(new Step.Remove(SitePart.NETWORK, alpha, java.util.Set.of()));
        runner.run(new Step.Attach(spec, false));
        assertThat(directory.resolve("reached")).as("only converge:network of alpha on a new generation is held").doesNotExist();
        assertThat(ran).hasSize(5);

        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> {
            try {
                runner.run(new Step.Attach(spec, true));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitReached();
        assertThat(directory.resolve("arm")).as("arming is consumed").doesNotExist();
        assertThat(Files.readString(directory.resolve("reached"))).isEqualTo("converge:network:" + alpha + "\n");
        assertThat(ran).as("the held step has not run").hasSize(5);
        assertThat(held).isNotDone();
        Files.createFile(directory.resolve("release"));
        held.get(5, TimeUnit.SECONDS);
        assertThat(ran).hasSize(6);
        assertThat(directory.resolve("release")).as("the release marker is consumed").doesNotExist();

        long start = System.nanoTime();
        runner.run(new Step.Attach(spec, true));
        assertThat(System.nanoTime() - start).as("it fires once per arming").isLessThan(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void matchesARemovalBySiteIdAndGivesUpAfterItsTimeout() throws Exception {
        UUID gone = UUID.randomUUID();
        StepRunner runner = failpoint("1").around(step -> { });
        Files.writeString(directory.resolve("arm"), "remove:cgroups:" + gone);
        long start = System.nanoTime();
        runner.run(new Step.Remove(SitePart.CGROUPS, gone, java.util.Set.of()));
        assertThat(directory.resolve("reached")).exists();
        assertThat(Duration.ofNanos(System.nanoTime() - start).toSeconds()).isEqualTo(1);
    }

    @Test
    void holdsAReleaseUploadBeforeItIsExtracted() throws Exception {
        Fakes.FakeContent content = new Fakes.FakeContent();
        dev.berth.hostd.site.SpecStore specs = new dev.berth.hostd.site.SpecStore(Files.createDirectory(directory.resolve("specs")),
                new com.fasterxml.jackson.databind.ObjectMapper().findAndRegisterModules());
        UUID alpha = UUID.randomUUID();
        specs.put(spec(alpha, "alpha"));
        var decorated = failpoint("120").around(content, specs);
        Files.writeString(directory.resolve("arm"), "install:content:alpha");
        CompletableFuture<Boolean> upload = CompletableFuture.supplyAsync(() -> {
            try {
                return decorated.install(alpha, "r1", new ByteArrayInputStream(new byte[0]));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitReached();
        assertThat(upload).isNotDone();
        Files.createFile(directory.resolve("release"));
        assertThat(upload.get(5, TimeUnit.SECONDS)).isTrue();
    }
}
