package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.support.Databases;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.Tenant;
import dev.berth.api.tenants.TenantDao;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What a tenant's kept releases occupy, counted as hostd keeps them, on H2 and PostgreSQL. */
class StoredReleasesTest {
    private Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private Tenant tenant(Jdbi jdbi) {
        Tenant tenant = new Tenant(UUID.randomUUID(), "k" + UUID.randomUUID().toString().substring(0, 8), now);
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), new Quota(10, 10, 1000, 512, 256, 1024, 100, 600), now);
        });
        return tenant;
    }

    private UUID site(Jdbi jdbi, Tenant tenant, int host) {
        Site site = new Site(UUID.randomUUID(), tenant.id(), null, "k" + UUID.randomUUID().toString().substring(0, 8), "10.8.0." + host,
                "fd00::8:" + host, "running", "running", null, 1, 1, null, now, now, null, null);
        jdbi.useExtension(SiteDao.class, dao -> dao.insert(site));
        return site.id();
    }

    /** A deploy of {@code release} in {@code status}; the site then serves it when it is live. */
    private void deploy(Jdbi jdbi, Tenant tenant, UUID site, String source, String release, String status, long bytes) {
        now = now.plusSeconds(1);
        Deploy deploy = new Deploy(UUID.randomUUID(), site, tenant.id(), source, null, null, release, status, 1L, bytes, 1, null, null,
                now, now, null);
        jdbi.useExtension(DeployDao.class, dao -> dao.insert(deploy));
        if (status.equals(Deploy.LIVE)) {
            jdbi.useExtension(SiteDao.class, dao -> dao.setRelease(site, release, now));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void everyKeptReleaseOfEverySiteCountsOnceAndTheServedOneAlways(String name, Jdbi jdbi) {
        StoredReleases stored = new StoredReleases(jdbi, 3);
        Tenant tenant = tenant(jdbi);
        UUID first = site(jdbi, tenant, 1);
        UUID second = site(jdbi, tenant, 2);
        // Five releases of the first site, 1, 2, 4, 8 and 16 bytes; the host keeps the three newest.
        deploy(jdbi, tenant, first, "upload", "r1", Deploy.SUPERSEDED, 1);
        deploy(jdbi, tenant, first, "upload", "r2", Deploy.SUPERSEDED, 2);
        deploy(jdbi, tenant, first, "upload", "r3", Deploy.SUPERSEDED, 4);
        deploy(jdbi, tenant, first, "upload", "r4", Deploy.SUPERSEDED, 8);
        deploy(jdbi, tenant, first, "git", "r5", Deploy.LIVE, 16);
        deploy(jdbi, tenant, first, "upload", "broken", Deploy.FAILED, 1000);
        deploy(jdbi, tenant, second, "upload", "s1", Deploy.LIVE, 100);
        assertThat(stored.bytes(tenant.id())).isEqualTo(4 + 8 + 16 + 100);
        assertThat(stored.kept(first)).containsExactly("r5", "r4", "r3");

        // A rollback to r1 installs nothing new: r1 counts because the site serves it, the newest three still count.
        deploy(jdbi, tenant, first, "rollback", "r1", Deploy.LIVE, 1);
        assertThat(stored.bytes(tenant.id())).isEqualTo(1 + 4 + 8 + 16 + 100);
        assertThat(stored.kept(first)).containsExactlyInAnyOrder("r5", "r4", "r3", "r1");

        // A new release of the first site pushes r3 out; one of the second site pushes nothing out (it serves its only one).
        assertThat((long) jdbi.withHandle(handle -> stored.bytesBeforeAdding(handle, tenant.id(), first))).isEqualTo(1 + 8 + 16 + 100);
        assertThat((long) jdbi.withHandle(handle -> stored.bytesBeforeAdding(handle, tenant.id(), second)))
                .isEqualTo(1 + 4 + 8 + 16 + 100);
        // Another tenant counts apart.
        assertThat(stored.bytes(tenant(jdbi).id())).isZero();

        // A release being installed counts already, so that two deploys cannot both take the same free space.
        deploy(jdbi, tenant, second, "upload", "s2", Deploy.INSTALLING, 50);
        assertThat(stored.bytes(tenant.id())).isEqualTo(1 + 4 + 8 + 16 + 100 + 50);
    }
}
