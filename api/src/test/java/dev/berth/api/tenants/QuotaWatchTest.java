package dev.berth.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.support.Databases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Which tenants a pass of the quota watch looks at: after a site's change, that site's tenant alone. */
class QuotaWatchTest {
    private static final Instant NOW = Instant.parse("2026-12-08T10:00:00Z");
    private static final Quota QUOTA = new Quota(10, 10, 1000, 512, 256, 1024, 100, 600);

    /** A tenant with one site; returns the site's id. */
    private static UUID tenantWithASite(Jdbi jdbi, int number) {
        Tenant tenant = new Tenant(UUID.randomUUID(), "q" + number + UUID.randomUUID().toString().substring(0, 6), NOW);
        UUID siteId = UUID.randomUUID();
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), QUOTA, NOW);
            handle.attach(SiteDao.class).insert(new Site(siteId, tenant.id(), null, "s" + number, "10.6.0." + number, "fd00::6:" + number,
                    "running", "running", null, 1, 1, null, NOW, NOW, null, null));
        });
        return siteId;
    }

    @Test
    void aSitesChangeChecksItsTenantAloneAndAFullPassChecksEveryTenant() throws Exception {
        Jdbi jdbi = Databases.migratedH2();
        UUID first = tenantWithASite(jdbi, 1);
        UUID second = tenantWithASite(jdbi, 2);
        UUID firstTenant = jdbi.withExtension(SiteDao.class, dao -> dao.findById(first)).orElseThrow().tenantId();
        List<UUID> checked = new CopyOnWriteArrayList<>();
        QuotaWatch watch = new QuotaWatch(jdbi, tenantId -> {
            checked.add(tenantId);
            return new TenantService.Overview(null, QUOTA, 1, 1, null, 0, null);
        }, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(1));
        // Its loop stopped: the test runs the passes itself, a nudge runs nothing.
        watch.stop();

        watch.siteChanged(first);
        watch.runChanged();
        assertThat(checked).containsExactly(firstTenant);

        checked.clear();
        watch.runChanged();
        assertThat(checked).as("nothing changed since").isEmpty();

        watch.siteChanged(first);
        watch.siteChanged(second);
        watch.runOnce();
        assertThat(checked).hasSize(2).contains(firstTenant);
        checked.clear();
        watch.runChanged();
        assertThat(checked).as("a full pass covers the changes before it").isEmpty();
    }
}
