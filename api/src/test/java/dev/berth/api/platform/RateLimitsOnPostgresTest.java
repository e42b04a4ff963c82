package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.support.Databases;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Two API replicas' limits ({@link RateLimits} twice) on one real PostgreSQL database, with a clock
 * the test moves: a budget holds over both, and each still limits on its own once the database is gone.
 */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
class RateLimitsOnPostgresTest {
    private static Jdbi jdbi;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:05Z"));
    private final String suffix = UUID.randomUUID().toString();

    @BeforeEach
    void migrate() throws Exception {
        if (jdbi == null) {
            String url = Databases.createPostgres();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Databases.dropPostgres(url)));
            jdbi = Databases.migrated("org.postgresql.Driver", url, "postgres");
        }
    }

    private RateLimits replica() {
        return RateLimits.sharedThrough(jdbi, clock, Duration.ofSeconds(1));
    }

    @Test
    void aPerCallBudgetHoldsOverBothReplicasAndASuccessResetsItOnBoth() {
        RateCounter<String> first = replica().perCall("logins-" + suffix, Duration.ofMinutes(15));
        RateCounter<String> second = replica().perCall("logins-" + suffix, Duration.ofMinutes(15));
        for (int i = 0; i < 3; i++) {
            assertThat(first.take("ada@example.com", 5).admitted()).isTrue();
        }
        assertThat(second.take("ada@example.com", 5)).isEqualTo(new RateCounter.Verdict(0, 1, 720));
        assertThat(second.take("ada@example.com", 5)).isEqualTo(new RateCounter.Verdict(0, 0, 900));
        assertThat(second.spent("ada@example.com", 5)).isTrue();
        assertThat(first.spent("ada@example.com", 5)).isTrue();
        assertThat(second.take("ada@example.com", 5)).isEqualTo(new RateCounter.Verdict(180, 0, 900));
        assertThat(first.take("bob@example.com", 5).admitted()).isTrue();

        clock.advance(Duration.ofMinutes(3));
        assertThat(first.take("ada@example.com", 5).admitted()).isTrue();
        assertThat(second.take("ada@example.com", 5).admitted()).isFalse();
        second.reset("ada@example.com");
        assertThat(first.spent("ada@example.com", 5)).isFalse();
    }

    @Test
    void aPerRequestBudgetHoldsOverBothReplicasOnceTheyShared() {
        RateLimits firstReplica = replica();
        RateLimits secondReplica = replica();
        RateCounter<UUID> first = firstReplica.perRequest("api-" + suffix, Duration.ofMinutes(1));
        RateCounter<UUID> second = secondReplica.perRequest("api-" + suffix, Duration.ofMinutes(1));
        UUID tenant = UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            assertThat(first.take(tenant, 5).admitted()).isTrue();
        }
        firstReplica.share();
        secondReplica.share();
        assertThat(second.take(tenant, 5)).isEqualTo(new RateCounter.Verdict(0, 1, 115));
        assertThat(second.take(tenant, 5)).isEqualTo(new RateCounter.Verdict(0, 0, 115));
        RateCounter.Verdict refused = second.take(tenant, 5);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.waitSeconds()).isEqualTo(67);
        assertThat(first.take(UUID.randomUUID(), 5).admitted()).isTrue();
        // The first learns of the second's requests at its next share.
        secondReplica.share();
        firstReplica.share();
        assertThat(first.spent(tenant, 5)).isTrue();

        // Into the next window the last one's five still weigh, less and less.
        clock.advance(Duration.ofSeconds(55));
        assertThat(first.take(tenant, 5).admitted()).isFalse();
        clock.advance(Duration.ofSeconds(12));
        firstReplica.share();
        secondReplica.share();
        assertThat(first.take(tenant, 5).admitted()).isTrue();
        assertThat(second.spent(tenant, 5)).isFalse();
    }

    @Test
    void theSweepDeletesFullBucketsAndPassedWindowsOnly() {
        RateLimits replica = replica();
        RateCounter<String> logins = replica.perCall("sweep-logins-" + suffix, Duration.ofMinutes(1));
        RateCounter<String> requests = replica.perRequest("sweep-requests-" + suffix, Duration.ofMinutes(1));
        logins.take("a", 10);
        requests.take("a", 10);
        replica.share();
        assertThat(replica.sweep()).isZero();
        clock.advance(Duration.ofMinutes(5));
        assertThat(replica.sweep()).isGreaterThanOrEqualTo(2);
        assertThat(logins.take("a", 1).admitted()).isTrue();
    }

    @Test
    void withoutTheDatabaseEachReplicaStillLimitsOnItsOwnCounts() {
        Jdbi gone = Jdbi.create("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1", "postgres", "");
        RateLimits replica = RateLimits.sharedThrough(gone, clock, Duration.ofSeconds(1));
        RateCounter<String> logins = replica.perCall("logins", Duration.ofMinutes(15));
        RateCounter<String> requests = replica.perRequest("requests", Duration.ofMinutes(1));
        for (int i = 0; i < 3; i++) {
            assertThat(logins.take("ada", 3).admitted()).isTrue();
            assertThat(requests.take("ada", 3).admitted()).isTrue();
        }
        replica.share();
        assertThat(logins.take("ada", 3).admitted()).isFalse();
        assertThat(logins.spent("ada", 3)).isTrue();
        assertThat(requests.take("ada", 3).admitted()).isFalse();
        Throttle<String> throttle = new Throttle<>(logins, 3, "too many failed logins");
        assertThatThrownBy(() -> throttle.acquire("ada")).isInstanceOf(ProblemException.class);
    }
}
