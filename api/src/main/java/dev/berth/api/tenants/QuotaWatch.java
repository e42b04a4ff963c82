package dev.berth.api.tenants;

import dev.berth.api.events.EventType;
import dev.berth.api.events.Events;
import dev.berth.api.platform.NudgeableLoop;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@code quota.near} when a tenant's use of a limit reaches 80%: sites
 * ({@code maxSites}), running sites ({@code maxRunningSites}), live memory ({@code memoryMib}) and
 * processes ({@code pids}) of its containers as the host last reported them, and the content its
 * sites serve ({@code diskMib}). Once per crossing: a limit must fall below 80% again before it is
 * announced again. Runs periodically and when nudged (after a site is created or started).
 */
public final class QuotaWatch implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(QuotaWatch.class);
    static final String WATCH = "quota";
    private static final long MIB = 1024L * 1024L;

    private final Jdbi jdbi;
    private final Function<UUID, TenantService.Overview> overview;
    private final Clock clock;
    private final NudgeableLoop loop;

    /** @param overview a tenant's quota and usage ({@link TenantService#overview}) */
    public QuotaWatch(Jdbi jdbi, Function<UUID, TenantService.Overview> overview, Clock clock, Duration interval) {
        this.jdbi = jdbi;
        this.overview = overview;
        this.clock = clock;
        this.loop = new NudgeableLoop("quota-watch", interval, this::runOnce);
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() throws InterruptedException {
        loop.stop();
    }

    /** Asks for a pass soon. */
    public void nudge() {
        loop.nudge();
    }

    /** One limit's use. */
    record Use(String name, long used, long limit) {
        boolean near() {
            return limit > 0 && used * 5 >= limit * 4;
        }
    }

    /** The watched limits of one tenant, in the units of its quota. */
    static List<Use> uses(TenantService.Overview overview) {
        Quota quota = overview.quota();
        List<Use> uses = new ArrayList<>();
        uses.add(new Use("maxSites", overview.sites(), quota.maxSites()));
        uses.add(new Use("maxRunningSites", overview.runningSites(), quota.maxRunningSites()));
        uses.add(new Use("diskMib", (overview.storedBytes() + MIB - 1) / MIB, quota.diskMib()));
        if (overview.live() != null) {
            uses.add(new Use("memoryMib", (overview.live().memoryBytes() + MIB - 1) / MIB, quota.memoryMib()));
            uses.add(new Use("pids", overview.live().pids(), quota.pids()));
        }
        return uses;
    }

    /** One pass over every tenant. Visible for tests. */
    public synchronized void runOnce() {
        List<UUID> tenants = jdbi.withHandle(handle -> handle.createQuery("SELECT id FROM tenants").mapTo(UUID.class).list());
        for (UUID tenantId : tenants) {
            try {
                check(tenantId, overview.apply(tenantId));
            } catch (RuntimeException failure) {
                // a tenant deleted meanwhile, say; the others are still watched
                LOG.debug("Quota watch skipped tenant {}: {}", tenantId, failure.getMessage());
            }
        }
    }

    private void check(UUID tenantId, TenantService.Overview overview) {
        List<Use> uses = uses(overview);
        Set<String> near = new TreeSet<>();
        uses.stream().filter(Use::near).forEach(use -> near.add(use.name()));
        Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            Optional<String> stored = Events.watched(handle, tenantId, WATCH);
            Set<String> before = new TreeSet<>(stored.filter(text -> !text.isEmpty()).map(text -> Arrays.asList(text.split(","))).orElse(List.of()));
            for (Use use : uses) {
                if (use.near() && !before.contains(use.name())) {
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("name", use.name());
                    details.put("used", use.used());
                    details.put("limit", use.limit());
                    details.put("percent", use.used() * 100 / use.limit());
                    Events.publish(handle, tenantId, EventType.QUOTA_NEAR, now, Map.of("quota", details));
                }
            }
            String after = String.join(",", near);
            if (!stored.equals(Optional.of(after))) {
                Events.recordWatched(handle, tenantId, WATCH, tenantId, after, now);
            }
        });
    }
}
