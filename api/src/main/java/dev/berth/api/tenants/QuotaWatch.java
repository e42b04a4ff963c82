package dev.berth.api.tenants;

import dev.berth.api.events.EventType;
import dev.berth.api.events.Events;
import dev.berth.api.platform.LoopService;
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
 * announced again. Runs over every tenant periodically; when nudged (a site created, started or
 * stopped, on any replica) it looks only at the tenants whose sites changed since its last look,
 * at most once a second, so a busy platform's changes cost those tenants' checks, not a pass over
 * every tenant each.
 */
public final class QuotaWatch extends LoopService {
    private static final Logger LOG = LoggerFactory.getLogger(QuotaWatch.class);
    static final String WATCH = "quota";
    private static final long MIB = 1024L * 1024L;

    private final Jdbi jdbi;
    private final Function<UUID, TenantService.Overview> overview;
    private final Clock clock;
    private final Duration interval;
    private volatile Instant lastFullPass = Instant.EPOCH;
    /** When the last look (full or at changes) started: the next looks at sites changed since, less {@link #CHANGE_MARGIN}. */
    private Instant changesLookedAt = Instant.EPOCH;
    /** When the last look at changes ran (System.nanoTime), for {@link #CHANGED_PASS_EVERY}. */
    private long lastChangedPass = System.nanoTime() - CHANGED_PASS_EVERY.toNanos();
    /**
     * Changes come in bursts (a script creating or starting sites one after another): the watch looks
     * at them at most this often, each look seeing all the changes since. A warning at 80% of a limit
     * loses nothing by a second's wait; the requests' CPU would lose a check per change.
     */
    static final Duration CHANGED_PASS_EVERY = Duration.ofSeconds(1);
    /**
     * A change is stamped when its transaction starts and visible when it commits: a look also takes
     * the sites stamped this long before the previous look began (a tenant checked twice is harmless).
     */
    static final Duration CHANGE_MARGIN = Duration.ofSeconds(5);

    /** @param overview a tenant's quota and usage ({@link TenantService#overview}) */
    public QuotaWatch(Jdbi jdbi, Function<UUID, TenantService.Overview> overview, Clock clock, Duration interval) {
        super("quota-watch", interval);
        this.jdbi = jdbi;
        this.overview = overview;
        this.clock = clock;
        this.interval = interval;
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
        Instant started = clock.instant();
        checkEach(jdbi.withHandle(handle -> handle.createQuery("SELECT id FROM tenants").mapTo(UUID.class).list()));
        lastFullPass = started;
        changesLookedAt = started;
    }

    /** The tenants of the sites changed since the last look (by their rows' {@code updated_at}). Visible for tests. */
    public synchronized void runChanged() {
        Instant started = clock.instant();
        Instant since = changesLookedAt.minus(CHANGE_MARGIN);
        checkEach(jdbi.withHandle(handle -> handle.createQuery("SELECT DISTINCT tenant_id FROM sites WHERE updated_at >= :since")
                .bind("since", since).mapTo(UUID.class).list()));
        changesLookedAt = started;
    }

    private void checkEach(List<UUID> tenants) {
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

    /** Every tenant once an interval; between those, the tenants whose sites changed, at most once a second. */
    @Override
    protected void pass() {
        if (!clock.instant().isBefore(lastFullPass.plus(interval))) {
            runOnce();
            return;
        }
        long waitNanos = lastChangedPass + CHANGED_PASS_EVERY.toNanos() - System.nanoTime();
        if (waitNanos > 0) {
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.sleep(waitNanos);
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        lastChangedPass = System.nanoTime();
        runChanged();
    }
}
