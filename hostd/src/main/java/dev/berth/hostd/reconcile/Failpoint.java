package dev.berth.hostd.reconcile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test-only hook that parks hostd at one step boundary of one site, so that a fault test can
 * {@code kill -9} it exactly there (or let it go on). Off unless {@code BERTH_HOSTD_FAILPOINT} is set
 * when hostd starts; {@link #NONE} does nothing.
 *
 * <p>{@code BERTH_HOSTD_FAILPOINT=PHASE:PART:SITE}: {@code PHASE} is {@code converge} (a site's
 * convergence), {@code remove} (the clean-up of a deleted site) or {@code install} (a release
 * upload); {@code PART} one of {@code dns content cgroups network runtime proxy}; {@code SITE} the
 * site's name or id. The first time that step of that site is about to run, hostd creates
 * {@code BERTH_HOSTD_FAILPOINT_DIR/reached} (default: the data directory's {@code failpoint/}) and
 * blocks the step until {@code .../release} exists or {@code BERTH_HOSTD_FAILPOINT_TIMEOUT_SECONDS}
 * (default 120) have passed. It fires once per process. Thread-safe.
 */
public final class Failpoint {
    private static final Logger LOG = LoggerFactory.getLogger(Failpoint.class);

    /** The hook that never fires (production). */
    public static final Failpoint NONE = new Failpoint(null, null, null, null, Duration.ZERO);

    private final String phase;
    private final String part;
    private final String site;
    private final Path directory;
    private final Duration timeout;
    private final AtomicBoolean fired = new AtomicBoolean();

    Failpoint(String phase, String part, String site, Path directory, Duration timeout) {
        this.phase = phase;
        this.part = part;
        this.site = site;
        this.directory = directory;
        this.timeout = timeout;
    }

    /**
     * Reads the hook from an environment ({@code System.getenv()} in hostd).
     *
     * @throws IllegalArgumentException if {@code BERTH_HOSTD_FAILPOINT} is set but not {@code PHASE:PART:SITE}
     */
    public static Failpoint fromEnvironment(Map<String, String> environment, Path dataDirectory) {
        String value = environment.get("BERTH_HOSTD_FAILPOINT");
        if (value == null || value.isBlank()) {
            return NONE;
        }
        String[] fields = value.split(":", 3);
        if (fields.length != 3 || !fields[0].matches("converge|remove|install")
                || !fields[1].matches("dns|content|cgroups|network|runtime|proxy") || fields[2].isBlank()) {
            throw new IllegalArgumentException("BERTH_HOSTD_FAILPOINT must be PHASE:PART:SITE with PHASE converge|remove|install and"
                    + " PART dns|content|cgroups|network|runtime|proxy, not " + value);
        }
        String directory = environment.get("BERTH_HOSTD_FAILPOINT_DIR");
        String seconds = environment.getOrDefault("BERTH_HOSTD_FAILPOINT_TIMEOUT_SECONDS", "120");
        LOG.warn("test failpoint armed: {} (never set this in production)", value);
        return new Failpoint(fields[0], fields[1], fields[2],
                directory == null || directory.isBlank() ? dataDirectory.resolve("failpoint") : Path.of(directory),
                Duration.ofSeconds(Long.parseLong(seconds)));
    }

    /** Called right before {@code part} of {@code phase} runs for a site; blocks when armed for it. */
    public void reach(String phase, String part, UUID siteId, String siteName) {
        if (this.phase == null || !this.phase.equals(phase) || !this.part.equals(part)
                || !(site.equals(siteId.toString()) || Objects.equals(site, siteName)) || !fired.compareAndSet(false, true)) {
            return;
        }
        LOG.warn("failpoint {}:{}:{} reached; holding until {} exists", phase, part, site, directory.resolve("release"));
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("reached"), phase + ":" + part + ":" + siteId + "\n");
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!Files.exists(directory.resolve("release")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (IOException e) {
            LOG.error("failpoint could not write its marker: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.warn("failpoint {}:{}:{} released", phase, part, site);
    }
}
