package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.deploys.Deploy;
import dev.berth.api.deploys.DeployDao;
import dev.berth.api.deploys.DeployQueue;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.support.Databases;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.Tenant;
import dev.berth.api.tenants.TenantDao;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Leadership between replicas on one real PostgreSQL database: one leads, the others' nudges reach
 * it, the lead passes on when the leader ends, and work claimed by a living replica is never taken
 * back while work of an ended one is.
 */
@EnabledIf("dev.berth.api.support.Databases#postgresAvailable")
class LeadershipOnPostgresTest {
    private static final Duration CHECK = Duration.ofMillis(200);
    private String url;
    private Jdbi jdbi;
    private final List<PostgresLeadership> started = new ArrayList<>();

    @BeforeEach
    void database() throws Exception {
        jdbi = Databases.migratedPostgres(created -> url = created);
    }

    @AfterEach
    void stopAndDrop() throws Exception {
        for (PostgresLeadership leadership : started) {
            leadership.stop();
        }
        Databases.dropPostgres(url);
    }

    private PostgresLeadership replica() {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", "");
        PostgresLeadership leadership = new PostgresLeadership(url, properties, jdbi, CHECK);
        started.add(leadership);
        return leadership;
    }

    private static void within(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void oneReplicaLeadsTheOthersNudgesReachItAndTheLeadPassesOnWhenItEnds() throws Exception {
        PostgresLeadership first = replica();
        CountDownLatch firstNudged = new CountDownLatch(2);
        first.register("reconciler", firstNudged::countDown);
        first.start();
        PostgresLeadership second = replica();
        CountDownLatch secondNudged = new CountDownLatch(1);
        second.register("reconciler", secondNudged::countDown);
        second.start();

        assertThat(first.leads()).as("the first replica leads from its start").isTrue();
        assertThat(second.leads()).isFalse();
        assertThat(first.aliveReplicas()).containsExactlyInAnyOrder(first.replicaKey(), second.replicaKey());
        assertThat(first.replicaKey()).isNotEqualTo(second.replicaKey());

        // One nudge on gaining the lead, then the one the follower sends.
        second.nudgeLeader("reconciler");
        assertThat(firstNudged.await(5, TimeUnit.SECONDS)).as("the follower's nudge ran the leader's loop").isTrue();
        assertThat(secondNudged.getCount()).as("a follower's own loop is not nudged").isEqualTo(1);

        Thread.sleep(CHECK.toMillis() * 3);
        assertThat(second.leads()).as("the lead stays where it is while its replica lives").isFalse();

        first.stop();
        within(Duration.ofSeconds(5), second::leads, "the second replica leads once the first ended");
        assertThat(secondNudged.await(1, TimeUnit.SECONDS)).as("gaining the lead runs every loop at once").isTrue();
        assertThat(second.aliveReplicas()).containsExactly(second.replicaKey());
    }

    @Test
    void aDeployIsTakenBackOnlyOnceTheReplicaRunningItEnded() throws Exception {
        PostgresLeadership first = replica();
        first.start();
        PostgresLeadership second = replica();
        second.start();
        DeployQueue firstQueue = new DeployQueue(jdbi, java.time.Clock.systemUTC(), Duration.ofMinutes(5), 100, first);
        DeployQueue secondQueue = new DeployQueue(jdbi, java.time.Clock.systemUTC(), Duration.ofMinutes(5), 100, second);
        Tenant tenant = new Tenant(UUID.randomUUID(), "rp" + UUID.randomUUID().toString().substring(0, 8), Instant.now());
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), new Quota(100, 100, 1000, 512, 256, 1024, 100, 600), Instant.now());
        });
        Site site = new Site(UUID.randomUUID(), tenant.id(), null, "rp" + UUID.randomUUID().toString().substring(0, 8), "10.9.0.2",
                "fd00::9:2", "running", "running", null, 1, 1, null, Instant.now(), Instant.now(), null, null);
        jdbi.useExtension(SiteDao.class, dao -> dao.insert(site));
        Deploy git = new Deploy(UUID.randomUUID(), site.id(), tenant.id(), "git", null, null, "r-git", Deploy.QUEUED, null, 0, 0,
                null, null, Instant.now(), Instant.now(), null);
        jdbi.useExtension(DeployDao.class, dao -> dao.insert(git));
        assertThat(firstQueue.claim().map(Deploy::id)).contains(git.id());
        Deploy upload = new Deploy(UUID.randomUUID(), site.id(), tenant.id(), "upload", null, null, "r-up", Deploy.UNPACKING, null,
                0, 0, null, null, Instant.now(), Instant.now(), null);
        firstQueue.insertClaimed(upload);

        assertThat(secondQueue.recoverInterrupted()).as("the first replica still runs both").isZero();
        assertThat(status(git.id())).isEqualTo(Deploy.UNPACKING);

        first.stop();
        // PostgreSQL ends the closed session's backend, and with it its advisory locks, a moment after the client closed.
        within(Duration.ofSeconds(5), () -> !second.aliveReplicas().contains(first.replicaKey()),
                "the first replica's session ends in the database");
        assertThat(secondQueue.recoverInterrupted()).isEqualTo(2);
        assertThat(status(git.id())).as("a Git deploy is fetched again").isEqualTo(Deploy.QUEUED);
        assertThat(status(upload.id())).as("an upload's body went with its replica").isEqualTo(Deploy.FAILED);
        assertThat(secondQueue.claim().map(Deploy::id)).contains(git.id());
        assertThat(secondQueue.recoverInterrupted()).as("the second replica's own claim is kept").isZero();
    }

    private String status(UUID deployId) {
        return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deployId)).orElseThrow().status();
    }
}
