package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.deploys.git.DeployKeys;
import dev.berth.api.deploys.git.GitCredentials;
import dev.berth.api.platform.SecretBox;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Git sources' credentials on the real changelog, H2 and PostgreSQL: sealed at rest, bound to their site, host key trusted once. */
class GitSourceCredentialsOnBothDatabasesTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static final GitSourceSecrets SECRETS = new GitSourceSecrets(new SecretBox(Map.of("k1", random32()), "k1"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aTokenIsStoredSealedAndOpensOnlyForItsSite(String database, Jdbi jdbi) {
        UUID siteId = site(jdbi);
        String sealed = SECRETS.sealToken(siteId, "glpat-very-secret");
        DeployDao dao = jdbi.onDemand(DeployDao.class);
        dao.insertGitSource(new DeployDao.GitSource(siteId, "https://gitlab.example.com/o/s.git", "main", "", "hook", NOW,
                DeployDao.GitSource.TOKEN, "oauth2", sealed, null, null));
        DeployDao.GitSource stored = dao.gitSource(siteId).orElseThrow();
        assertThat(stored.secretSealed()).isEqualTo(sealed).doesNotContain("very-secret");
        assertThat(stored.credential()).isEqualTo("token");
        assertThat(SECRETS.credentials(stored)).isEqualTo(new GitCredentials.Token("oauth2", "glpat-very-secret"));
        assertThat(SECRETS.credentials(stored).toString()).doesNotContain("very-secret");

        UUID otherSite = site(jdbi);
        DeployDao.GitSource copied = new DeployDao.GitSource(otherSite, stored.repositoryUrl(), "main", "", "hook", NOW,
                DeployDao.GitSource.TOKEN, "oauth2", sealed, null, null);
        assertThatThrownBy(() -> SECRETS.credentials(copied)).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aDeployKeyRoundTripsAndItsHostKeyIsTrustedOnlyOnce(String database, Jdbi jdbi) {
        UUID siteId = site(jdbi);
        DeployKeys.Generated key = DeployKeys.generate("berth-deploy-key-s");
        DeployDao dao = jdbi.onDemand(DeployDao.class);
        dao.insertGitSource(new DeployDao.GitSource(siteId, "git@github.com:o/s.git", "main", "", "hook", NOW,
                DeployDao.GitSource.DEPLOY_KEY, null, SECRETS.sealDeployKey(siteId, key.privateKeyPkcs8()), key.publicKeyOpenSsh(), null));
        GitCredentials.DeployKey credentials = (GitCredentials.DeployKey) SECRETS.credentials(dao.gitSource(siteId).orElseThrow());
        assertThat(credentials.keyPair().getPrivate().getAlgorithm()).isIn("Ed25519", "EdDSA");
        assertThat(credentials.knownHostKey()).isNull();

        assertThat(dao.trustHostKey(siteId, "ssh-ed25519 AAAAfirst")).isTrue();
        assertThat(dao.trustHostKey(siteId, "ssh-ed25519 AAAAsecond")).isFalse();
        assertThat(dao.gitSource(siteId).orElseThrow().knownHostKey()).isEqualTo("ssh-ed25519 AAAAfirst");

        jdbi.useHandle(handle -> handle.execute("DELETE FROM sites WHERE id = ?", siteId));
        assertThat(dao.gitSource(siteId)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aPublicSourceWrittenTheOldWayReadsAsCredentialNone(String database, Jdbi jdbi) {
        UUID siteId = site(jdbi);
        jdbi.useHandle(handle -> handle.execute(
                "INSERT INTO git_sources (site_id, repository_url, branch, path, secret, updated_at) VALUES (?, 'https://github.com/o/s.git', 'main', '', 'hook', ?)",
                siteId, NOW));
        DeployDao.GitSource stored = jdbi.onDemand(DeployDao.class).gitSource(siteId).orElseThrow();
        assertThat(stored.credential()).isEqualTo("none");
        assertThat(SECRETS.credentials(stored)).isEqualTo(GitCredentials.NONE);
    }

    private static UUID site(Jdbi jdbi) {
        UUID tenantId = UUID.randomUUID();
        UUID siteId = UUID.randomUUID();
        String suffix = siteId.toString().substring(0, 8);
        int octet = new SecureRandom().nextInt(250) + 1;
        jdbi.useHandle(handle -> {
            handle.execute("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)", tenantId, "t-" + suffix, NOW);
            handle.execute("INSERT INTO sites (id, tenant_id, name, ipv4, ipv6, desired_state, observed_state, generation, observed_generation,"
                            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'running', 'running', 1, 0, ?, ?)",
                    siteId, tenantId, "s-" + suffix, "10.9." + octet + "." + (Integer.parseInt(suffix.substring(0, 2), 16) % 250 + 1),
                    "fd09::" + suffix.substring(0, 4), NOW, NOW);
        });
        return siteId;
    }

    private static byte[] random32() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
