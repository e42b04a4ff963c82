package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.support.Databases;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Two API replicas' limits ({@link RateLimits} twice) on one real PostgreSQL database, with a clock
 * the test moves: a budget holds over both, and each still limits on its own once the database is gone.
 */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
class RateLimitsOnPostgresTest {
    private static String url;
    private static Jdbi jdbi;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:05Z"));
    private final String suffix = UUID.randomUUID().toString();

    @BeforeAll
    static void migrate() throws Exception {
        url = Databases.createPostgres();
        jdbi = Databases.migrated("org.postgresql.Driver", url, "postgres");
    }

    @AfterAll
    static void drop() {
        Databases.dropPostgres(url);
    }

    private RateLimits replica() {
        return RateLimits.sharedThrough(jdbi, clock, Duration.ofSeconds(1));
    }

    /** One per-request limit of a minute on two replicas. */
    private record Replicas<K>(RateLimits firstReplica, RateLimits secondReplica, RateCounter<K> first, RateCounter<K> second) {
    }

    private <K> Replicas<K> perRequestOnTwoReplicas(String name) {
        RateLimits firstReplica = replica();
        RateLimits secondReplica = replica();
        return new Replicas<>(firstReplica, secondReplica, firstReplica.perRequest(name, Duration.ofMinutes(1)),
                secondReplica.perRequest(name, Duration.ofMinutes(1)));
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
        Replicas<UUID> replicas = perRequestOnTwoReplicas("api-" + suffix);
        RateLimits firstReplica = replicas.firstReplica();
        RateLimits secondReplica = replicas.secondReplica();
        RateCounter<UUID> first = replicas.first();
        RateCounter<UUID> second = replicas.second();
        UUID tenant = UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            assertThat(first.take(tenant, 5).admitted()).isTrue();
        }
        firstReplica.share();
        secondReplica.share();
        // The same token bucket as on one replica (5 a minute: one every 12 s), drained by the first's 3.
        assertThat(second.take(tenant, 5)).isEqualTo(new RateCounter.Verdict(0, 1, 48));
        assertThat(second.take(tenant, 5)).isEqualTo(new RateCounter.Verdict(0, 0, 60));
        assertThat(second.take(tenant, 5)).isEqualTo(new RateCounter.Verdict(12, 0, 60));
        assertThat(first.take(UUID.randomUUID(), 5).admitted()).isTrue();
        // The first learns of the second's requests at its next share.
        secondReplica.share();
        firstReplica.share();
        assertThat(first.spent(tenant, 5)).isTrue();

        clock.advance(Duration.ofSeconds(11));
        assertThat(first.take(tenant, 5).admitted()).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(first.take(tenant, 5).admitted()).isTrue();
        firstReplica.share();
        secondReplica.share();
        assertThat(second.spent(tenant, 5)).isTrue();
    }

    @Test
    void whatBothReplicasAdmittedWithinOneShareIntervalIsPaidBack() {
        Replicas<String> replicas = perRequestOnTwoReplicas("burst-" + suffix);
        RateCounter<String> first = replicas.first();
        RateCounter<String> second = replicas.second();
        for (int i = 0; i < 2; i++) {
            assertThat(first.take("198.51.100.7", 2).admitted()).isTrue();
            assertThat(second.take("198.51.100.7", 2).admitted()).isTrue();
        }
        replicas.firstReplica().share();
        replicas.secondReplica().share();
        replicas.firstReplica().share();
        // Twice the budget went through before either saw the other: both buckets are 2 below empty.
        assertThat(first.take("198.51.100.7", 2)).isEqualTo(new RateCounter.Verdict(90, 0, 120));
        assertThat(second.take("198.51.100.7", 2)).isEqualTo(new RateCounter.Verdict(90, 0, 120));
        clock.advance(Duration.ofSeconds(90));
        assertThat(first.take("198.51.100.7", 2).admitted()).isTrue();
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
