package dev.berth.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.support.Databases;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Which tenants a pass of the quota watch looks at: every tenant once an interval, else those whose sites changed. */
class QuotaWatchTest {
    private static final Instant NOW = Instant.parse("2026-12-08T10:00:00Z");
    private static final Quota QUOTA = new Quota(10, 10, 1000, 512, 256, 1024, 100, 600);

    /** A tenant with one site; returns the site. */
    private static Site tenantWithASite(Jdbi jdbi, int number) {
        Tenant tenant = new Tenant(UUID.randomUUID(), "q" + number + UUID.randomUUID().toString().substring(0, 6), NOW);
        Site site = new Site(UUID.randomUUID(), tenant.id(), null, "s" + number, "10.6.0." + number, "fd00::6:" + number,
                "running", "running", null, 1, 1, null, NOW, NOW, null, null);
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), QUOTA, NOW);
            handle.attach(SiteDao.class).insert(site);
        });
        return site;
    }

    @Test
    void aNudgedPassChecksTheTenantsWhoseSitesChangedAndEveryTenantOnceAnInterval() throws Exception {
        Jdbi jdbi = Databases.migratedH2();
        Site first = tenantWithASite(jdbi, 1);
        Site second = tenantWithASite(jdbi, 2);
        MutableClock clock = new MutableClock(NOW);
        List<UUID> checked = new CopyOnWriteArrayList<>();
        QuotaWatch watch = new QuotaWatch(jdbi, tenantId -> {
            checked.add(tenantId);
            return new TenantService.Overview(null, QUOTA, 1, 1, null, 0, null);
        }, clock, Duration.ofMinutes(1));
        // Its loop stopped: the test runs the passes itself.
        watch.stop();
        // Later than the sites' own stamps by more than the watch's margin.
        clock.advance(Duration.ofSeconds(10));

        watch.pass();
        assertThat(checked).as("the first pass looks at every tenant").containsExactlyInAnyOrder(first.tenantId(), second.tenantId());

        checked.clear();
        clock.advance(Duration.ofSeconds(10));
        jdbi.useExtension(SiteDao.class, dao -> dao.setDesiredState(first.id(), "stopped", clock.instant()));
        clock.advance(Duration.ofSeconds(1));
        watch.pass();
        assertThat(checked).as("a pass between full ones: the changed site's tenant alone").containsExactly(first.tenantId());

        checked.clear();
        clock.advance(Duration.ofSeconds(10));
        watch.pass();
        assertThat(checked).as("a change stamped within the margin before a look is looked at once more").containsExactly(first.tenantId());
        checked.clear();
        clock.advance(Duration.ofSeconds(10));
        watch.pass();
        assertThat(checked).as("nothing changed since").isEmpty();

        clock.advance(Duration.ofMinutes(1));
        watch.pass();
        assertThat(checked).as("once an interval, every tenant again").containsExactlyInAnyOrder(first.tenantId(), second.tenantId());
    }
}
