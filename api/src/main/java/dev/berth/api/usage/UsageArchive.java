package dev.berth.api.usage;

import dev.berth.observability.DaemonThreads;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps usage graphs across restarts: every minute, the closed minutes of {@link UsageHistory}'s
 * samples become one 1-minute point per site in the database ({@code usage_points}), each closed
 * hour of those becomes one 1-hour point, and points older than {@link #MINUTES_KEPT} (1-minute)
 * and {@link #HOURS_KEPT} (1-hour) are deleted. A point is the average CPU and memory of its
 * period, its largest process count and the requests it served; its time is the period's end, like
 * a sample's.
 *
 * <p>Replicas each archive their own samples; the first to write a point wins (primary key), the
 * others' inserts are refused and skipped. An hour whose minutes were written before a restart is
 * still rolled up after it: at start the last day's closed hours without a 1-hour point are.
 * Thread-safe ({@link #runOnce()} is synchronized).
 */
public final class UsageArchive implements Managed {
    public static final Duration MINUTE = Duration.ofMinutes(1);
    public static final Duration HOUR = Duration.ofHours(1);
    public static final Duration MINUTES_KEPT = Duration.ofDays(1);
    public static final Duration HOURS_KEPT = Duration.ofDays(30);
    private static final Logger LOG = LoggerFactory.getLogger(UsageArchive.class);

    private final Jdbi jdbi;
    private final UsageHistory history;
    private final Clock clock;
    private Instant archivedThrough;
    private Instant rolledThrough;
    private ScheduledExecutorService scheduler;
    private volatile dev.berth.api.platform.Leadership leadership = dev.berth.api.platform.Leadership.alone();

    public UsageArchive(Jdbi jdbi, UsageHistory history, Clock clock) {
        this.jdbi = jdbi;
        this.history = history;
        this.clock = clock;
        Instant now = clock.instant();
        this.archivedThrough = now.truncatedTo(ChronoUnit.MINUTES);
        this.rolledThrough = now.truncatedTo(ChronoUnit.HOURS).minus(MINUTES_KEPT);
    }

    /** Archives only while this replica leads: the leader's reconciler is the one that samples usage. */
    public UsageArchive ledBy(dev.berth.api.platform.Leadership leadership) {
        this.leadership = leadership;
        return this;
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("usage-archive"));
        // A few seconds past each minute, so that the minute's last sample is in.
        long delayMillis = MINUTE.toMillis() - clock.millis() % MINUTE.toMillis() + 5_000;
        scheduler.scheduleAtFixedRate(() -> {
            try {
                if (leadership.leads()) {
                    runOnce();
                }
            } catch (RuntimeException failure) {
                LOG.warn("Archiving usage failed; the next minute tries again: {}", failure.toString());
            }
        }, delayMillis, MINUTE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Archives the closed minutes, rolls up the closed hours and deletes what is too old. */
    public synchronized void runOnce() {
        Instant now = clock.instant();
        Instant closedMinutes = now.truncatedTo(ChronoUnit.MINUTES);
        // The samples reach back an hour at most: older minutes a stalled run missed are gone.
        Instant minute = archivedThrough.isBefore(closedMinutes.minus(HOUR)) ? closedMinutes.minus(HOUR) : archivedThrough;
        for (; minute.isBefore(closedMinutes); minute = minute.plus(MINUTE)) {
            archiveMinute(minute);
        }
        archivedThrough = closedMinutes;
        Instant closedHours = now.truncatedTo(ChronoUnit.HOURS);
        for (Instant hour = rolledThrough; hour.isBefore(closedHours); hour = hour.plus(HOUR)) {
            rollUp(hour);
        }
        rolledThrough = closedHours;
        jdbi.useHandle(handle -> {
            handle.createUpdate("DELETE FROM usage_points WHERE resolution_seconds = 60 AND period_start < :cutoff")
                    .bind("cutoff", utc(now.minus(MINUTES_KEPT))).execute();
            handle.createUpdate("DELETE FROM usage_points WHERE resolution_seconds = 3600 AND period_start < :cutoff")
                    .bind("cutoff", utc(now.minus(HOURS_KEPT))).execute();
        });
    }

    private void archiveMinute(Instant start) {
        Instant end = start.plus(MINUTE);
        for (UUID siteId : history.siteIds()) {
            List<UsageHistory.Point> points = history.points(siteId).stream()
                    .filter(point -> !point.time().isBefore(start) && point.time().isBefore(end)).toList();
            Double cpu = points.stream().filter(point -> point.cpuMillicores() != null)
                    .mapToDouble(UsageHistory.Point::cpuMillicores).average().stream().boxed().findFirst().orElse(null);
            Long memory = points.stream().filter(point -> point.memoryBytes() != null)
                    .mapToLong(UsageHistory.Point::memoryBytes).average().stream().mapToObj(Math::round).findFirst().orElse(null);
            Integer pids = points.stream().filter(point -> point.pids() != null)
                    .mapToInt(UsageHistory.Point::pids).max().stream().boxed().findFirst().orElse(null);
            Long requests = points.stream().anyMatch(point -> point.requests() != null)
                    ? points.stream().filter(point -> point.requests() != null).mapToLong(UsageHistory.Point::requests).sum() : null;
            if (cpu != null || memory != null || pids != null || requests != null) {
                insert(siteId, MINUTE, start, cpu, memory, pids, requests);
            }
        }
    }

    private void rollUp(Instant hour) {
        record Totals(UUID siteId, Double cpu, Long memory, Integer pids, Long requests) {
        }
        List<Totals> totals = jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT site_id, AVG(cpu_millicores), AVG(memory_bytes), MAX(pids), SUM(requests) FROM usage_points
                        WHERE resolution_seconds = 60 AND period_start >= :start AND period_start < :end GROUP BY site_id""")
                .bind("start", utc(hour)).bind("end", utc(hour.plus(HOUR)))
                .map((row, context) -> new Totals(row.getObject(1, UUID.class), asDouble(row.getObject(2)),
                        asDouble(row.getObject(3)) == null ? null : Math.round(asDouble(row.getObject(3))), asInteger(row.getObject(4)),
                        asLong(row.getObject(5))))
                .list());
        for (Totals site : totals) {
            insert(site.siteId(), HOUR, hour, site.cpu(), site.memory(), site.pids(), site.requests());
        }
    }

    // AVG and SUM answer BigDecimal on PostgreSQL and other Number types on H2.
    private static Double asDouble(Object value) {
        return value == null ? null : ((Number) value).doubleValue();
    }

    private static Long asLong(Object value) {
        return value == null ? null : ((Number) value).longValue();
    }

    private static Integer asInteger(Object value) {
        return value == null ? null : ((Number) value).intValue();
    }

    private void insert(UUID siteId, Duration resolution, Instant start, Double cpu, Long memory, Integer pids, Long requests) {
        try {
            jdbi.useHandle(handle -> handle.createUpdate("""
                            INSERT INTO usage_points (site_id, resolution_seconds, period_start, cpu_millicores, memory_bytes, pids, requests)
                            VALUES (:siteId, :resolution, :start, :cpu, :memory, :pids, :requests)""")
                    .bind("siteId", siteId).bind("resolution", (int) resolution.toSeconds()).bind("start", utc(start))
                    .bind("cpu", cpu).bind("memory", memory).bind("pids", pids).bind("requests", requests)
                    .execute());
        } catch (StatementException refused) {
            // Another replica wrote this point first, or the site was deleted meanwhile: nothing to keep.
            LOG.debug("Usage point of site {} at {} not written: {}", siteId, start, refused.getMessage());
        }
    }

    /**
     * A site's archived points of one resolution whose period ends after {@code after}, oldest
     * first, each stamped with its period's end.
     */
    public List<UsageHistory.Point> points(UUID siteId, Duration resolution, Instant after) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT period_start, cpu_millicores, memory_bytes, pids, requests FROM usage_points
                        WHERE site_id = :siteId AND resolution_seconds = :resolution AND period_start > :after ORDER BY period_start""")
                .bind("siteId", siteId).bind("resolution", (int) resolution.toSeconds()).bind("after", utc(after.minus(resolution)))
                .map((row, context) -> new UsageHistory.Point(row.getObject(1, OffsetDateTime.class).toInstant().plus(resolution),
                        asDouble(row.getObject(2)), asLong(row.getObject(3)), asInteger(row.getObject(4)), asLong(row.getObject(5))))
                .list());
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
