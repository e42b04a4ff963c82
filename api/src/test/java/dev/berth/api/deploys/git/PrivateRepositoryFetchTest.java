package dev.berth.api.deploys.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.deploys.TarAudit;
import dev.berth.api.deploys.git.GitFetchException.Reason;
import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.testkit.GitHttpServer;
import dev.berth.testkit.GitSshServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Private repositories: a real SSH server (Apache MINA sshd with JGit's upload-pack) and a smart
 * HTTP server that wants a token, both on loopback, which only this test's policy allows.
 */
class PrivateRepositoryFetchTest {
    @TempDir
    Path temp;
    private Path staging;
    private Git origin;
    private String head;

    @BeforeEach
    void makeARepository() throws Exception {
        staging = Files.createDirectories(temp.resolve("staging"));
        origin = Git.init().setDirectory(temp.resolve("origin").toFile()).setInitialBranch("main").call();
        Files.writeString(temp.resolve("origin/index.html"), "<h1>private</h1>");
        origin.add().addFilepattern(".").call();
        head = origin.commit().setMessage("private site").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com")
                .setSign(false).call().getName();
    }

    @AfterEach
    void close() {
        origin.close();
    }

    @Test
    void aDeployKeyTheHostAuthorizedFetchesOverSshAndTheHostKeyIsTrustedOnFirstUse() throws Exception {
        DeployKeys.Generated generated = DeployKeys.generate("berth-test");
        KeyPair deployKey = DeployKeys.keyPair(generated.privateKeyPkcs8(), generated.publicKeyOpenSsh());
        assertThat(generated.publicKeyOpenSsh()).matches("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} berth-test");
        try (GitSshServer server = new GitSshServer(origin.getRepository()).authorize(deployKey.getPublic())) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            GitFetcher.Result first = fetcher(server.port()).fetch(server.url(), new GitCredentials.DeployKey(deployKey, null), "main", "",
                    GitFetcher.Limits.defaults(), sink);
            assertThat(first.commit()).isEqualTo(head);
            assertThat(TarAudit.extract(sink.toByteArray(), Files.createDirectories(temp.resolve("site"))))
                    .containsOnlyKeys("index.html")
                    .hasEntrySatisfying("index.html", bytes -> assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("<h1>private</h1>"));
            assertThat(first.hostKey()).startsWith("ssh-ed25519 ");
            assertThat(DeployKeys.fingerprint(first.hostKey())).startsWith("SHA256:");
            assertThat(server.commands()).containsExactly("git-upload-pack '/site.git'");

            // The scp-like form of the same repository, with the key trusted now.
            GitFetcher.Result again = fetcher(server.port()).fetch("ssh://git@127.0.0.1:" + server.port() + "/site.git",
                    new GitCredentials.DeployKey(deployKey, first.hostKey()), "main", "", GitFetcher.Limits.defaults(),
                    new ByteArrayOutputStream());
            assertThat(again.commit()).isEqualTo(head);
            assertNoStagingResidue();
        }
    }

    @Test
    void aServerShowingAnotherHostKeyThanTheTrustedOneIsRefusedBeforeAuthenticating() throws Exception {
        KeyPair deployKey = newDeployKey();
        String trusted;
        try (GitSshServer server = new GitSshServer(origin.getRepository()).authorize(deployKey.getPublic())) {
            trusted = fetcher(server.port()).fetch(server.url(), new GitCredentials.DeployKey(deployKey, null), "main", "",
                    GitFetcher.Limits.defaults(), new ByteArrayOutputStream()).hostKey();
        }
        try (GitSshServer impostor = new GitSshServer(origin.getRepository()).authorize(deployKey.getPublic())) {
            assertThatThrownBy(() -> fetcher(impostor.port()).fetch(impostor.url(), new GitCredentials.DeployKey(deployKey, trusted), "main",
                    "", GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> {
                        assertThat(failed.reason()).isEqualTo(Reason.HOST_KEY_CHANGED);
                        assertThat(failed.getMessage()).contains(DeployKeys.fingerprint(trusted));
                    });
            assertThat(impostor.commands()).isEmpty();
        }
        assertNoStagingResidue();
    }

    @Test
    void aDeployKeyTheHostDoesNotKnowIsReportedAsNotAuthorized() throws Exception {
        KeyPair deployKey = newDeployKey();
        try (GitSshServer server = new GitSshServer(origin.getRepository())) {
            assertThatThrownBy(() -> fetcher(server.port()).fetch(server.url(), new GitCredentials.DeployKey(deployKey, null), "main", "",
                    GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).as(failed.getMessage()).isEqualTo(Reason.NOT_AUTHORIZED));
            assertThat(server.refusedLogins()).isPositive();
            assertThat(server.commands()).isEmpty();
        }
    }

    @Test
    void sshUrlsToPrivateOrLoopbackAddressesAreRefusedBeforeConnecting() throws Exception {
        KeyPair deployKey = newDeployKey();
        try (GitSshServer server = new GitSshServer(origin.getRepository()).authorize(deployKey.getPublic())) {
            GitFetcher strict = new GitFetcher(new RepositoryUrlPolicy(new FakeResolver().answer("localhost", "127.0.0.1")
                    .answer("internal.example", "10.0.0.5").answer("metadata.example", "169.254.169.254"), List.of(), false), staging,
                    Clock.systemUTC());
            for (String url : List.of(server.url(), "git@127.0.0.1:site.git", "ssh://git@localhost:" + server.port() + "/site.git",
                    "git@internal.example:org/site.git", "git@metadata.example:org/site.git", "git@[::1]:site.git")) {
                assertThatThrownBy(() -> strict.fetch(url, new GitCredentials.DeployKey(deployKey, null), "main", "",
                        GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                        .as(url)
                        .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED));
            }
            assertThat(server.commands()).isEmpty();
            assertThat(server.refusedLogins()).isZero();
        }
    }

    @Test
    void anHttpsUrlIsNeverFetchedWithTheDeployKeyNorAnSshUrlWithout() throws Exception {
        KeyPair deployKey = newDeployKey();
        try (GitSshServer server = new GitSshServer(origin.getRepository()).authorize(deployKey.getPublic())) {
            assertThatThrownBy(() -> fetcher(server.port()).fetch(server.url(), GitCredentials.NONE, "main", "",
                    GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED));
            assertThat(server.commands()).isEmpty();
        }
    }

    @Test
    void anAccessTokenIsSentAsBasicCredentialsOnlyWhenTheServerAsks() throws Exception {
        try (GitHttpServer server = new GitHttpServer(origin.getRepository()).requireToken("x-access-token", "s3cret-token")) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            GitFetcher.Result fetched = fetcher(server.port()).fetch(server.url(), new GitCredentials.Token("x-access-token", "s3cret-token"),
                    "main", "", GitFetcher.Limits.defaults(), sink);
            assertThat(fetched.commit()).isEqualTo(head);
            assertThat(fetched.hostKey()).isNull();
            assertThatThrownBy(() -> fetcher(server.port()).fetch(server.url(), new GitCredentials.Token("x-access-token", "wrong"),
                    "main", "", GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).as(failed.getMessage()).isEqualTo(Reason.NOT_AUTHORIZED));
            assertThatThrownBy(() -> fetcher(server.port()).fetch(server.url(), "main", "", GitFetcher.Limits.defaults(),
                    new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).as(failed.getMessage()).isEqualTo(Reason.NOT_AUTHORIZED));
        }
        assertNoStagingResidue();
    }

    @Test
    void aTokenIsNeverCarriedAcrossARedirectToAnotherHostOrPort() throws Exception {
        try (GitHttpServer target = new GitHttpServer(origin.getRepository()).requireToken("x-access-token", "s3cret-token");
             GitHttpServer redirecting = new GitHttpServer(origin.getRepository(), "http://127.0.0.1:" + target.port(), 0)) {
            GitFetcher both = new GitFetcher(new RepositoryUrlPolicy(RepositoryUrlPolicy.Resolver.SYSTEM,
                    List.of("127.0.0.1:" + redirecting.port(), "127.0.0.1:" + target.port()), true), staging, Clock.systemUTC());
            assertThatThrownBy(() -> both.fetch(redirecting.url(), new GitCredentials.Token("x-access-token", "s3cret-token"), "main", "",
                    GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED));
            assertThat(target.requests()).isEmpty();
        }
    }

    @Test
    void aDeployKeySurvivesItsStoredForm() {
        DeployKeys.Generated generated = DeployKeys.generate("site@berth");
        KeyPair pair = DeployKeys.keyPair(generated.privateKeyPkcs8(), generated.publicKeyOpenSsh());
        assertThat(DeployKeys.openSsh(pair.getPublic()) + " site@berth").isEqualTo(generated.publicKeyOpenSsh());
        assertThat(DeployKeys.fingerprint(generated.publicKeyOpenSsh())).matches("SHA256:[A-Za-z0-9+/]{43}");
    }

    private static KeyPair newDeployKey() {
        DeployKeys.Generated generated = DeployKeys.generate("berth-test");
        return DeployKeys.keyPair(generated.privateKeyPkcs8(), generated.publicKeyOpenSsh());
    }

    private GitFetcher fetcher(int port) {
        return new GitFetcher(new RepositoryUrlPolicy(RepositoryUrlPolicy.Resolver.SYSTEM, List.of("127.0.0.1:" + port), true), staging,
                Clock.systemUTC());
    }

    private void assertNoStagingResidue() throws Exception {
        try (Stream<Path> residue = Files.list(staging)) {
            assertThat(residue).isEmpty();
        }
    }
}
