package dev.berth.api.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.support.Databases;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.Tenant;
import dev.berth.api.tenants.TenantDao;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Usage points written, rolled up, read back, shared by replicas and pruned, on H2 and PostgreSQL with the real changelog. */
class UsageArchiveOnBothDatabasesTest {
    private static final List<String> CREATED_POSTGRES = new ArrayList<>();
    private static final Instant START = Instant.parse("2026-12-04T09:59:30Z");

    static Stream<Arguments> databases() throws Exception {
        List<Arguments> databases = new ArrayList<>();
        databases.add(Arguments.of("h2", Databases.migrated("org.h2.Driver", Databases.h2Url(), "berth")));
        if (Databases.postgresAvailable()) {
            String url = Databases.createPostgres();
            CREATED_POSTGRES.add(url);
            databases.add(Arguments.of("postgresql", Databases.migrated("org.postgresql.Driver", url, "postgres")));
        }
        return databases.stream();
    }

    @AfterAll
    static void dropPostgres() {
        CREATED_POSTGRES.forEach(Databases::dropPostgres);
    }

    private static UUID site(Jdbi jdbi) {
        Tenant tenant = new Tenant(UUID.randomUUID(), "t" + UUID.randomUUID().toString().substring(0, 8), START);
        UUID siteId = UUID.randomUUID();
        int host = 1 + (int) (Math.random() * 250);
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), new Quota(5, 3, 1000, 512, 256, 1024, 100, 600), START);
            handle.attach(SiteDao.class).insert(new Site(siteId, tenant.id(), null, "s" + siteId.toString().substring(0, 8),
                    "10.9." + host + "." + (int) (Math.random() * 250), "fd00::" + siteId.toString().substring(0, 4), "running", "running",
                    null, 1, 1, null, START, START, null, null));
        });
        return siteId;
    }

    /** Samples every 15 s from 10:00:00 to 10:01:45: 10 millicores, 3 requests an interval, memory 1000 then 3000. */
    private static void sample(UsageHistory history, UUID siteId) {
        for (int i = 0; i < 8; i++) {
            Instant time = Instant.parse("2026-12-04T10:00:00Z").plusSeconds(15L * i);
            history.record(time, List.of(new ObservedSite(siteId, ObservedSite.State.RUNNING, 1, null, i % 2 == 0 ? 1000 : 3000,
                    150_000_000L * i, 4 + i)), Map.of(siteId, 3L * i));
        }
    }

    private static long rows(Jdbi jdbi, UUID siteId, int resolution) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM usage_points WHERE site_id = :site AND resolution_seconds = :r")
                .bind("site", siteId).bind("r", resolution).mapTo(Long.class).one());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void closedMinutesBecomePointsAndClosedHoursRollUpAcrossARestart(String name, Jdbi jdbi) {
        UUID siteId = site(jdbi);
        MutableClock clock = new MutableClock(START);
        UsageHistory history = new UsageHistory(240);
        UsageArchive archive = new UsageArchive(jdbi, history, clock);
        sample(history, siteId);
        clock.set(Instant.parse("2026-12-04T10:02:05Z"));

        archive.runOnce();

        List<UsageHistory.Point> minutes = archive.points(siteId, UsageArchive.MINUTE, clock.instant().minus(Duration.ofHours(1)));
        assertThat(minutes).extracting(UsageHistory.Point::time)
                .containsExactly(Instant.parse("2026-12-04T10:01:00Z"), Instant.parse("2026-12-04T10:02:00Z"));
        assertThat(minutes.get(0).cpuMillicores()).isEqualTo(10.0, org.assertj.core.data.Offset.offset(0.001));
        assertThat(minutes.get(0).requests()).as("the first sample has no interval").isEqualTo(9);
        assertThat(minutes.get(1).requests()).isEqualTo(12);
        assertThat(minutes.get(1).memoryBytes()).isEqualTo(2000);
        assertThat(minutes.get(1).pids()).isEqualTo(11);

        // A replica (or the same API after a restart) writing the same minutes changes nothing.
        UsageHistory replicaHistory = new UsageHistory(240);
        sample(replicaHistory, siteId);
        clock.set(Instant.parse("2026-12-04T09:59:59Z"));
        UsageArchive replica = new UsageArchive(jdbi, replicaHistory, clock);
        clock.set(Instant.parse("2026-12-04T10:02:07Z"));
        replica.runOnce();
        assertThat(rows(jdbi, siteId, 60)).isEqualTo(2);

        // After a restart at 10:30 (an empty memory), the hour 10:00 is rolled up from the minutes in the database.
        clock.set(Instant.parse("2026-12-04T10:30:00Z"));
        UsageArchive restarted = new UsageArchive(jdbi, new UsageHistory(240), clock);
        clock.set(Instant.parse("2026-12-04T11:00:10Z"));
        restarted.runOnce();
        List<UsageHistory.Point> hours = restarted.points(siteId, UsageArchive.HOUR, clock.instant().minus(Duration.ofDays(30)));
        assertThat(hours).hasSize(1);
        assertThat(hours.get(0).time()).isEqualTo(Instant.parse("2026-12-04T11:00:00Z"));
        assertThat(hours.get(0).requests()).isEqualTo(21);
        assertThat(hours.get(0).pids()).isEqualTo(11);
        assertThat(hours.get(0).cpuMillicores()).isEqualTo(10.0, org.assertj.core.data.Offset.offset(0.001));
        restarted.runOnce();
        assertThat(rows(jdbi, siteId, 3600)).isEqualTo(1);

        // A day later the minutes are gone, the hour stays; 30 days later the hour is gone too.
        clock.set(Instant.parse("2026-12-05T10:03:00Z"));
        restarted.runOnce();
        assertThat(rows(jdbi, siteId, 60)).isZero();
        assertThat(rows(jdbi, siteId, 3600)).isEqualTo(1);
        clock.set(Instant.parse("2027-01-04T10:01:00Z"));
        restarted.runOnce();
        assertThat(rows(jdbi, siteId, 3600)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aDeletedSiteTakesItsPointsAlongAndAPointOfAGoneSiteIsSkipped(String name, Jdbi jdbi) {
        UUID siteId = site(jdbi);
        MutableClock clock = new MutableClock(START);
        UsageHistory history = new UsageHistory(240);
        UsageArchive archive = new UsageArchive(jdbi, history, clock);
        sample(history, siteId);
        UUID gone = UUID.randomUUID();
        history.record(Instant.parse("2026-12-04T10:01:50Z"), List.of(new ObservedSite(siteId, ObservedSite.State.RUNNING, 1, null, 1000,
                1_200_000_000L, 4), new ObservedSite(gone, ObservedSite.State.RUNNING, 1, null, 1000, 0, 1)), Map.of());
        clock.set(Instant.parse("2026-12-04T10:02:05Z"));
        archive.runOnce();
        assertThat(rows(jdbi, siteId, 60)).isEqualTo(2);
        assertThat(rows(jdbi, gone, 60)).isZero();
        jdbi.useHandle(handle -> handle.createUpdate("DELETE FROM sites WHERE id = :id").bind("id", siteId).execute());
        assertThat(rows(jdbi, siteId, 60)).isZero();
    }
}
