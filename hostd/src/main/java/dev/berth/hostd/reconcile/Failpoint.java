package dev.berth.hostd.reconcile;

import dev.berth.hostd.content.Content;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test-only hook that parks hostd at one step boundary of one site, so that a fault test can
 * {@code kill -9} it exactly there (or let it go on). It exists only when {@code BERTH_HOSTD_FAILPOINT_DIR}
 * is set when hostd starts, and then decorates the ports: {@link #around(StepRunner)} the steps of
 * convergences and removals, {@link #around(Content, SpecStore)} release uploads. Production code
 * has no failpoint in it.
 *
 * <p>The test arms it by writing {@code PHASE:PART:SITE} to {@code DIR/arm}: {@code PHASE} is
 * {@code converge} (a convergence that applies a spec generation hostd has not applied yet: create,
 * start, stop, deploy; never a periodic pass over an unchanged site), {@code remove} (the clean-up
 * of a deleted site), {@code install} (a release upload) or {@code claim} (a site taking a slot of
 * the warm pool); {@code PART} one of {@code dns content cgroups network runtime proxy}, for a
 * claim one of its stages {@code cgroups network directory commit}; {@code SITE} the site's name or id. The first
 * matching step consumes {@code arm}, writes {@code DIR/reached} and holds until {@code DIR/release}
 * exists (which it then deletes) or {@code BERTH_HOSTD_FAILPOINT_TIMEOUT_SECONDS} (default 120)
 * have passed. Thread-safe.
 */
public final class Failpoint {
    private static final Logger LOG = LoggerFactory.getLogger(Failpoint.class);

    private final Path directory;
    private final Duration timeout;

    Failpoint(Path directory, Duration timeout) {
        this.directory = directory;
        this.timeout = timeout;
    }

    /** Reads the hook from an environment ({@code System.getenv()} in hostd): empty unless its variable is set. */
    public static Optional<Failpoint> fromEnvironment(Map<String, String> environment) {
        String directory = environment.get("BERTH_HOSTD_FAILPOINT_DIR");
        if (directory == null || directory.isBlank()) {
            return Optional.empty();
        }
        LOG.warn("test failpoints enabled through {} (never set BERTH_HOSTD_FAILPOINT_DIR in production)", directory);
        return Optional.of(new Failpoint(Path.of(directory),
                Duration.ofSeconds(Long.parseLong(environment.getOrDefault("BERTH_HOSTD_FAILPOINT_TIMEOUT_SECONDS", "120")))));
    }

    /**
     * Runs every step through {@code runner}, first reaching {@code converge:PART} (a step of a
     * convergence on a new generation) or {@code remove:PART} (a step of a removal); a step of a
     * periodic pass over an unchanged site passes untouched.
     */
    public StepRunner around(StepRunner runner) {
        return step -> {
            if (step.changing()) {
                reach(step instanceof Step.OfSpec ? "converge" : "remove", step.part().wireName(), step.siteId(), step.siteName());
            }
            runner.run(step);
        };
    }

    /** What the warm pool calls at each stage of a claim: reaches {@code claim:STAGE}. */
    public java.util.function.BiConsumer<String, SiteSpec> claimStages() {
        return (stage, spec) -> reach("claim", stage, spec.siteId(), spec.name());
    }

    /** The same content, reaching {@code install:content} before each release upload is extracted. */
    public Content around(Content content, SpecStore specs) {
        return new Content() {
            @Override
            public Path siteDirectory(UUID siteId) {
                return content.siteDirectory(siteId);
            }

            @Override
            public void ensure(SiteSpec spec) throws HostOperationException {
                content.ensure(spec);
            }

            @Override
            public boolean install(UUID siteId, String releaseId, InputStream archive)
                    throws InvalidSpecException, HostOperationException {
                reach("install", SitePart.CONTENT.wireName(), siteId, specs.get(siteId).map(SiteSpec::name).orElse(null));
                return content.install(siteId, releaseId, archive);
            }

            @Override
            public void remove(UUID siteId) throws HostOperationException {
                content.remove(siteId);
            }

            @Override
            public Set<UUID> sites() throws HostOperationException {
                return content.sites();
            }

            @Override
            public void removeIncomplete() throws HostOperationException {
                content.removeIncomplete();
            }
        };
    }

    /** Called right before {@code part} of {@code phase} runs for a site; holds it when armed for exactly that. */
    void reach(String phase, String part, UUID siteId, String siteName) {
        if (!Files.exists(directory.resolve("arm"))) {
            return;
        }
        String armed;
        synchronized (this) {
            try {
                armed = Files.readString(directory.resolve("arm"), StandardCharsets.UTF_8).strip();
            } catch (NoSuchFileException consumed) {
                return;
            } catch (IOException e) {
                LOG.error("failpoint cannot read its arm file: {}", e.getMessage());
                return;
            }
            String[] wanted = armed.split(":", 3);
            if (wanted.length != 3 || !wanted[0].equals(phase) || !wanted[1].equals(part)
                    || !(wanted[2].equals(siteId.toString()) || wanted[2].equals(siteName))) {
                return;
            }
            try {
                Files.delete(directory.resolve("arm"));
                Files.writeString(directory.resolve("reached"), phase + ":" + part + ":" + siteId + "\n");
            } catch (IOException e) {
                LOG.error("failpoint {} cannot mark that it was reached: {}", armed, e.getMessage());
                return;
            }
        }
        LOG.warn("failpoint {} reached; holding until {} exists", armed, directory.resolve("release"));
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!Files.exists(directory.resolve("release")) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Files.deleteIfExists(directory.resolve("release"));
        } catch (IOException e) {
            LOG.error("failpoint {} cannot delete its release marker: {}", armed, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.warn("failpoint {} released", armed);
    }
}
