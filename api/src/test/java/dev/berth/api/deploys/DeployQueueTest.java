package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Who runs next among queued Git deploys, on H2 and PostgreSQL. */
class DeployQueueTest {
    private static final AtomicInteger ADDRESSES = new AtomicInteger(1);
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));

    private Tenant tenant(Jdbi jdbi) {
        Tenant tenant = new Tenant(UUID.randomUUID(), "q" + UUID.randomUUID().toString().substring(0, 8), clock.instant());
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), new Quota(100, 100, 1000, 512, 256, 1024, 100, 600), clock.instant());
        });
        return tenant;
    }

    private UUID site(Jdbi jdbi, Tenant tenant) {
        int host = ADDRESSES.getAndIncrement();
        String ipv4 = "10.9." + (host / 250) + "." + (1 + host % 250);
        Site site = new Site(UUID.randomUUID(), tenant.id(), null, "q" + UUID.randomUUID().toString().substring(0, 8), ipv4,
                "fd00::9:" + Integer.toHexString(host), "running", "running", null, 1, 1, null, clock.instant(), clock.instant(), null, null);
        jdbi.useExtension(SiteDao.class, dao -> dao.insert(site));
        return site.id();
    }

    private UUID queue(Jdbi jdbi, Tenant tenant, UUID siteId) {
        clock.advance(Duration.ofMillis(10));
        Deploy deploy = new Deploy(UUID.randomUUID(), siteId, tenant.id(), "git", null, null, "r-" + UUID.randomUUID().toString().substring(0, 8),
                Deploy.QUEUED, null, 0, 0, null, null, clock.instant(), clock.instant(), null);
        jdbi.useExtension(DeployDao.class, dao -> dao.insert(deploy));
        return deploy.id();
    }

    private static void finish(Jdbi jdbi, UUID deployId) {
        jdbi.useExtension(DeployDao.class, dao -> dao.update(deployId, Deploy.FAILED, "done in the test", 0, 0, null, Instant.now()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aTenantWithFiftyQueuedDeploysDoesNotStarveAnotherTenantsOne(String name, Jdbi jdbi) {
        DeployQueue queue = new DeployQueue(jdbi, clock, Duration.ofMinutes(5), 100);
        Tenant busy = tenant(jdbi);
        Tenant quiet = tenant(jdbi);
        List<UUID> busySites = List.of(site(jdbi, busy), site(jdbi, busy), site(jdbi, busy));
        for (int index = 0; index < 50; index++) {
            queue(jdbi, busy, busySites.get(index % busySites.size()));
        }
        UUID quietDeploy = queue(jdbi, quiet, site(jdbi, quiet));
        // Two workers: the first takes the busy tenant's oldest, the second the quiet tenant's only deploy.
        Deploy first = queue.claim().orElseThrow();
        clock.advance(Duration.ofSeconds(1));
        Deploy second = queue.claim().orElseThrow();
        assertThat(first.tenantId()).isEqualTo(busy.id());
        assertThat(second.id()).isEqualTo(quietDeploy);
        // Then tenants keep taking turns: with the quiet one's done, the busy one goes on.
        finish(jdbi, first.id());
        finish(jdbi, second.id());
        UUID quietAgain = queue(jdbi, quiet, site(jdbi, quiet));
        clock.advance(Duration.ofSeconds(1));
        Deploy third = queue.claim().orElseThrow();
        finish(jdbi, third.id());
        clock.advance(Duration.ofSeconds(1));
        Deploy fourth = queue.claim().orElseThrow();
        assertThat(List.of(third.id(), fourth.id())).contains(quietAgain);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aSiteRunsOneGitDeployAtATimeAndAWorkerThatDiedStopsHoldingIt(String name, Jdbi jdbi) {
        DeployQueue queue = new DeployQueue(jdbi, clock, Duration.ofMinutes(5), 100);
        Tenant tenant = tenant(jdbi);
        UUID site = site(jdbi, tenant);
        UUID first = queue(jdbi, tenant, site);
        UUID second = queue(jdbi, tenant, site);
        assertThat(queue.claim().map(Deploy::id)).contains(first);
        assertThat(queue.claim()).as("the site's second deploy waits for the first").isEmpty();
        // Installing on the host still counts as running; once the host has it, the next may go.
        jdbi.useExtension(DeployDao.class, dao -> dao.update(first, Deploy.INSTALLING, null, 1, 1, null, clock.instant()));
        assertThat(queue.claim()).isEmpty();
        jdbi.useExtension(DeployDao.class, dao -> dao.markInstalling(first, 2, null, clock.instant()));
        assertThat(queue.claim().map(Deploy::id)).contains(second);

        UUID third = queue(jdbi, tenant, site);
        assertThat(queue.claim()).isEmpty();
        clock.advance(Duration.ofMinutes(6));
        assertThat(queue.claim().map(Deploy::id)).as("a deploy running for longer than any fetch may has lost its worker").contains(third);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void concurrentClaimsNeverRunTwoDeploysOfOneSite(String name, Jdbi jdbi) throws Exception {
        DeployQueue queue = new DeployQueue(jdbi, clock, Duration.ofMinutes(5), 100);
        Tenant tenant = tenant(jdbi);
        UUID site = site(jdbi, tenant);
        for (int index = 0; index < 10; index++) {
            queue(jdbi, tenant, site);
        }
        int workers = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Optional<Deploy>>> claims = new ArrayList<>();
            for (int worker = 0; worker < workers; worker++) {
                Callable<Optional<Deploy>> claim = () -> {
                    start.await();
                    return queue.claim();
                };
                claims.add(pool.submit(claim));
            }
            start.countDown();
            int claimed = 0;
            for (Future<Optional<Deploy>> claim : claims) {
                claimed += claim.get().isPresent() ? 1 : 0;
            }
            assertThat(claimed).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aTenantsQueueIsBounded(String name, Jdbi jdbi) {
        DeployQueue queue = new DeployQueue(jdbi, clock, Duration.ofMinutes(5), 3);
        Tenant tenant = tenant(jdbi);
        UUID site = site(jdbi, tenant);
        for (int index = 0; index < 3; index++) {
            assertThat(queue.hasRoom(tenant.id())).isTrue();
            queue(jdbi, tenant, site);
        }
        assertThat(queue.hasRoom(tenant.id())).isFalse();
        assertThat(queue.hasRoom(tenant(jdbi).id())).isTrue();
    }
}
