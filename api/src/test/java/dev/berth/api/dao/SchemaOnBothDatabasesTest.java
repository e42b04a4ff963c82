package dev.berth.api.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.audit.AuditDao;
import dev.berth.api.audit.AuditEntry;
import dev.berth.api.auth.UserDao;
import dev.berth.api.operations.Operation;
import dev.berth.api.operations.OperationDao;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.support.Databases;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.Tenant;
import dev.berth.api.tenants.TenantDao;
import dev.berth.api.tokens.TokenDao;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The real changelog and the DAOs, on H2 and on PostgreSQL. */
class SchemaOnBothDatabasesTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static Tenant tenant(Jdbi jdbi) {
        Tenant tenant = new Tenant(UUID.randomUUID(), "t" + UUID.randomUUID().toString().substring(0, 8), NOW);
        jdbi.useTransaction(handle -> {
            handle.attach(TenantDao.class).insertTenant(tenant);
            handle.attach(TenantDao.class).insertQuota(tenant.id(), new Quota(5, 3, 1000, 512, 256, 1024, 100, 600), NOW);
        });
        return tenant;
    }

    private static Site site(Tenant tenant, String name, String ipv4) {
        return new Site(UUID.randomUUID(), tenant.id(), null, name, ipv4, "fd00::" + ipv4.substring(ipv4.lastIndexOf('.') + 1),
                "running", "provisioning", null, 1, 0, null, NOW, NOW, null, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void tenantsAndQuotasRoundTripWithOptimisticVersions(String name, Jdbi jdbi) {
        Tenant tenant = tenant(jdbi);
        TenantDao dao = jdbi.onDemand(TenantDao.class);
        assertThat(dao.find(tenant.id())).contains(tenant);
        TenantDao.QuotaRow quota = dao.findQuota(tenant.id()).orElseThrow();
        assertThat(quota.quota().maxSites()).isEqualTo(5);
        Quota raised = new Quota(9, 3, 1000, 512, 256, 1024, 100, 600);
        assertThat(dao.updateQuota(tenant.id(), raised, quota.version(), NOW)).isEqualTo(1);
        assertThat(dao.updateQuota(tenant.id(), raised, quota.version(), NOW)).isZero();
        assertThat(dao.findQuota(tenant.id()).orElseThrow().version()).isEqualTo(quota.version() + 1);
        assertThat(dao.list(Instant.EPOCH, new UUID(0, 0), 1000)).contains(tenant);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void sitesAreScopedToTheirTenantAndUniqueByNameAndAddress(String name, Jdbi jdbi) {
        Tenant owner = tenant(jdbi);
        Tenant other = tenant(jdbi);
        SiteDao sites = jdbi.onDemand(SiteDao.class);
        String siteName = "s" + UUID.randomUUID().toString().substring(0, 8);
        String ipv4 = "10.9." + (int) (Math.random() * 250) + "." + (int) (1 + Math.random() * 250);
        Site site = site(owner, siteName, ipv4);
        sites.insert(site);
        assertThat(sites.find(owner.id(), siteName)).isPresent();
        assertThat(sites.find(other.id(), siteName)).isEmpty();
        assertThatThrownBy(() -> sites.insert(site(other, siteName, "10.8.0.1"))).isInstanceOf(UnableToExecuteStatementException.class)
                .satisfies(e -> assertThat(dev.berth.api.platform.Sql.isUniqueViolation(e)).isTrue());
        assertThatThrownBy(() -> sites.insert(site(other, siteName + "x", ipv4))).isInstanceOf(UnableToExecuteStatementException.class);
        assertThat(sites.countSites(owner.id())).isEqualTo(1);
        assertThat(sites.setDesiredState(site.id(), "stopped", NOW)).isEqualTo(1);
        assertThat(sites.countRunning(owner.id())).isZero();
        assertThat(sites.findById(site.id()).orElseThrow().generation()).isEqualTo(2);
        assertThat(sites.requestDelete(site.id(), NOW)).isEqualTo(1);
        assertThat(sites.requestDelete(site.id(), NOW)).isZero();
        assertThat(sites.findById(site.id()).orElseThrow().observedState()).isEqualTo("deleting");
        assertThat(sites.deleteRow(site.id())).isEqualTo(1);
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute(
                "INSERT INTO sites (id, tenant_id, name, ipv4, ipv6, desired_state, observed_state, generation, observed_generation, created_at, updated_at) "
                        + "VALUES (?, ?, 'bad-state', '10.7.0.1', 'fd07::1', 'exploded', 'running', 1, 0, ?, ?)",
                UUID.randomUUID(), owner.id(), NOW, NOW))).isInstanceOf(UnableToExecuteStatementException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void usersTokensOperationsAndAuditRoundTrip(String name, Jdbi jdbi) {
        Tenant tenant = tenant(jdbi);
        UserDao users = jdbi.onDemand(UserDao.class);
        UUID userId = UUID.randomUUID();
        String email = "u" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        users.insert(new UserDao.UserRow(userId, tenant.id(), tenant.name(), email, "$argon2id$x", "owner", false, NOW, null));
        assertThat(users.findByEmail(email).orElseThrow().tenantName()).isEqualTo(tenant.name());

        UUID family = UUID.randomUUID();
        String hash = UUID.randomUUID().toString().replace("-", "") + "0123456789abcdef0123456789abcdef".substring(0, 32);
        jdbi.useTransaction(handle -> {
            UserDao dao = handle.attach(UserDao.class);
            dao.insertRefreshToken(new UserDao.RefreshTokenRow(UUID.randomUUID(), userId, family, hash, NOW, NOW.plusSeconds(60), null, null,
                    NOW.minusSeconds(30)), "Browser/1.0", "2001:db8::1");
            assertThat(dao.lockRefreshToken(hash).orElseThrow().sessionStartedAt()).isEqualTo(NOW.minusSeconds(30));
            assertThat(dao.liveSessions(userId, NOW, 10)).containsExactly(new UserDao.SessionRow(family, NOW.minusSeconds(30), NOW,
                    NOW.plusSeconds(60), "Browser/1.0", "2001:db8::1"));
            assertThat(dao.liveSessions(userId, NOW.plusSeconds(60), 10)).isEmpty();
            assertThat(dao.countLive(userId, family, NOW)).isEqualTo(1);
            assertThat(dao.unrevokedFamilies(userId, family)).isEmpty();
            assertThat(dao.unrevokedFamilies(userId, new UUID(0, 0))).containsExactly(family);
            assertThat(dao.revokeFamily(family, NOW)).isEqualTo(1);
            assertThat(dao.countLive(userId, family, NOW)).isZero();
        });
        assertThat(users.countRevokedInFamily(family)).isEqualTo(1);

        TokenDao tokens = jdbi.onDemand(TokenDao.class);
        UUID tokenId = UUID.randomUUID();
        tokens.insert(new TokenDao.TokenRow(tokenId, userId, tenant.id(), "ci", "berth_pat_abc", "h" + hash.substring(1), "read", null,
                NOW, null, null, null, email, "owner", false));
        assertThat(tokens.listActive(userId)).hasSize(1);
        assertThat(tokens.revoke(tokenId, UUID.randomUUID(), NOW)).isZero();
        assertThat(tokens.revoke(tokenId, userId, NOW)).isEqualTo(1);
        assertThat(tokens.listActive(userId)).isEmpty();

        OperationDao operations = jdbi.onDemand(OperationDao.class);
        Operation operation = new Operation(UUID.randomUUID(), tenant.id(), UUID.randomUUID(), "site.stop", "x", "pending", null, NOW, NOW, null);
        operations.insert(operation);
        assertThat(operations.find(UUID.randomUUID(), operation.id())).isEmpty();
        assertThat(operations.finishOpen(operation.siteId(), "site.stop", "succeeded", null, null, NOW)).isEqualTo(1);
        assertThat(operations.find(tenant.id(), operation.id()).orElseThrow().status()).isEqualTo("succeeded");

        AuditDao audit = jdbi.onDemand(AuditDao.class);
        audit.insert(new AuditEntry(UUID.randomUUID(), NOW, "anonymous", null, "x", null, "login", null, "127.0.0.1", "denied", 401, null));
        audit.insert(new AuditEntry(UUID.randomUUID(), NOW, "user", userId.toString(), email, tenant.id(), "createSite", "s", "::1", "success", 201, "why"));
        assertThat(audit.listForTenant(tenant.id(), NOW.plusSeconds(1), new UUID(-1, -1), 10)).hasSize(1);
    }
}
