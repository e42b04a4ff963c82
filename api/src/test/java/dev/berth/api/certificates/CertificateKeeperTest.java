package dev.berth.api.certificates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.platform.SecretBox;
import dev.berth.api.support.FakeSiteHost;
import dev.berth.hostprotocol.CertificateBundle;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** One node obtains each certificate, the database keeps it sealed, every node that wants it gets it; on H2 and PostgreSQL. */
class CertificateKeeperTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final SecretBox box = new SecretBox(Map.of("p1", new byte[32]), "p1");
    private final FakeSiteHost oldest = new FakeSiteHost();
    private final FakeSiteHost newer = new FakeSiteHost();
    /** Each test's own names: the databases are shared by the tests of one run. */
    private final String platform = "platform-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<String> wildcard = List.of("*." + platform + ".test", platform + ".test");

    private CertificateKeeper keeper(Jdbi jdbi, boolean oldestReady) {
        List<CertificateKeeper.CertificateNode> nodes = List.of(
                new CertificateKeeper.CertificateNode(UUID.randomUUID(), "node-b", Instant.parse("2026-12-02T00:00:00Z"), true, newer),
                new CertificateKeeper.CertificateNode(UUID.randomUUID(), "node-a", Instant.parse("2026-12-01T00:00:00Z"), oldestReady, oldest));
        return new CertificateKeeper(new CertificateStore(jdbi, box), () -> nodes, clock, Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofHours(6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void theWildcardIsObtainedOnceByTheOldestReadyNodeAndBothNodesServeTheSameSerial(String database, Jdbi jdbi) throws Exception {
        oldest.wantsCertificate(platform, wildcard);
        newer.wantsCertificate(platform, wildcard);
        CertificateKeeper keeper = keeper(jdbi, true);

        keeper.runOnce();
        keeper.runOnce();

        assertThat(oldest.finishedOrders).containsExactly(wildcard);
        assertThat(newer.finishedOrders).isEmpty();
        String serial = new CertificateStore(jdbi, box).find(platform).orElseThrow().serialNumber();
        assertThat(oldest.certificates()).singleElement().satisfies(state -> assertThat(state.serialNumber()).isEqualTo(serial));
        assertThat(newer.certificates()).singleElement().satisfies(state -> assertThat(state.serialNumber()).isEqualTo(serial));
        CertificateStore.Stored stored = new CertificateStore(jdbi, box).find(platform).orElseThrow();
        assertThat(stored.issuances()).isEqualTo(1);
        assertThat(stored.issuedBy()).isEqualTo("node-a");
        assertThat(stored.domains()).isEqualTo(wildcard);
        // Installed once each: the second pass finds both serving the stored serial.
        assertThat(oldest.calls()).filteredOn(call -> call.startsWith("install-certificate")).hasSize(1);
        assertThat(newer.calls()).filteredOn(call -> call.startsWith("install-certificate")).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aReadyNodeIssuesBeforeAnOlderOneThatIsNotReady(String database, Jdbi jdbi) throws Exception {
        oldest.wantsCertificate(platform, wildcard);
        newer.wantsCertificate(platform, wildcard);

        keeper(jdbi, false).runOnce();

        assertThat(newer.finishedOrders).containsExactly(wildcard);
        assertThat(oldest.finishedOrders).isEmpty();
        assertThat(oldest.installedCertificate(platform)).isPresent();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void thePrivateKeyIsStoredSealedNeverInClearAndOpensOnlyForItsOwnName(String database, Jdbi jdbi) throws Exception {
        oldest.wantsCertificate(platform, wildcard);
        keeper(jdbi, true).runOnce();
        CertificateBundle installed = oldest.installedCertificate(platform).orElseThrow();
        String keyBody = installed.privateKeyPem().split("\n")[1];

        List<String> row = jdbi.withHandle(handle -> handle.createQuery(
                "SELECT chain_pem, sealed_key FROM certificates WHERE name = :name").bind("name", platform)
                .map((columns, context) -> List.of(columns.getString(1), columns.getString(2))).one());
        String sealed = row.get(1);
        assertThat(sealed).startsWith("p1:").doesNotContain("PRIVATE KEY").doesNotContain(keyBody);
        assertThat(row.get(0)).contains("BEGIN CERTIFICATE").doesNotContain("PRIVATE KEY");
        // The API opens it for its own name only: a sealed key copied to another row does not open.
        assertThat(new CertificateStore(jdbi, box).bundle(platform).privateKeyPem()).isEqualTo(installed.privateKeyPem());
        String other = platform + "-copy";
        jdbi.useHandle(handle -> handle.execute("""
                INSERT INTO certificates (name, domains, chain_pem, sealed_key, serial_number, issuances, failures, updated_at)
                SELECT ?, domains, chain_pem, sealed_key, serial_number, 0, 0, updated_at FROM certificates WHERE name = ?""",
                other, platform));
        assertThatThrownBy(() -> new CertificateStore(jdbi, box).bundle(other)).isInstanceOf(IllegalStateException.class);
        // Without the platform key the stored keys are lost: another key set cannot open them.
        SecretBox otherKey = new SecretBox(Map.of("p1", new byte[32]).entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, entry -> filled((byte) 7))), "p1");
        assertThatThrownBy(() -> new CertificateStore(jdbi, otherKey).bundle(platform)).isInstanceOf(IllegalStateException.class);
    }

    private static byte[] filled(byte value) {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, value);
        return key;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aCustomDomainIsOrderedByTheNodeHoldingItsSiteAndEveryOtherNodeServesItsHttp01AnswerMeanwhile(String database, Jdbi jdbi) throws Exception {
        String custom = "custom.www." + platform + ".example";
        oldest.wantsCertificate(platform, wildcard);
        newer.wantsCertificate(platform, wildcard);
        newer.wantsCertificate(custom, List.of("www." + platform + ".example"));

        keeper(jdbi, true).runOnce();

        assertThat(newer.finishedOrders).containsExactly(List.of("www." + platform + ".example"));
        assertThat(oldest.finishedOrders).containsExactly(wildcard);
        // The oldest node served the custom domain's answer while the newer one's order ran, and dropped it after.
        assertThat(oldest.challengesEverServed).hasSize(1);
        assertThat(oldest.challengesEverServed.values()).allSatisfy(answer -> assertThat(answer).endsWith(".fakeThumbprintOfTheAccountKey"));
        assertThat(oldest.servedChallenges).isEmpty();
        // Only the node that serves the name gets its certificate.
        assertThat(newer.installedCertificate(custom)).isPresent();
        assertThat(oldest.installedCertificate(custom)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aCustomDomainsCertificateIsRevokedAndForgottenOnlyOnceNoNodeWantsItAndEveryNodeAnswered(String database, Jdbi jdbi)
            throws Exception {
        String custom = "custom.www." + platform + ".example";
        oldest.wantsCertificate(platform, wildcard);
        newer.wantsCertificate(platform, wildcard);
        newer.wantsCertificate(custom, List.of("www." + platform + ".example"));
        CertificateKeeper keeper = keeper(jdbi, true);
        keeper.runOnce();
        CertificateBundle issued = newer.installedCertificate(custom).orElseThrow();

        // The site's node cannot be asked: its sites may still hold the name, nothing is revoked.
        newer.dropsCertificate(custom);
        newer.setUnreachable(true);
        keeper.runOnce();
        assertThat(oldest.revoked).isEmpty();
        assertThat(new CertificateStore(jdbi, box).find(custom)).isPresent();

        newer.setUnreachable(false);
        keeper.runOnce();
        assertThat(oldest.revoked).extracting(CertificateBundle::chainPem).containsExactly(issued.chainPem());
        assertThat(new CertificateStore(jdbi, box).find(custom)).isEmpty();
        // The wildcard is never revoked this way.
        assertThat(new CertificateStore(jdbi, box).find(platform)).isPresent();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aDueCertificateIsRenewedByOneNodeAndTheNewSerialReachesEveryNode(String database, Jdbi jdbi) throws Exception {
        oldest.wantsCertificate(platform, wildcard);
        newer.wantsCertificate(platform, wildcard);
        oldest.renewAt(clock.instant().plus(Duration.ofDays(60)));
        CertificateKeeper keeper = keeper(jdbi, true);
        keeper.runOnce();
        String first = new CertificateStore(jdbi, box).find(platform).orElseThrow().serialNumber();

        clock.advance(Duration.ofDays(30));
        keeper.runOnce();
        assertThat(oldest.finishedOrders).hasSize(1);

        clock.advance(Duration.ofDays(31));
        keeper.runOnce();
        CertificateStore.Stored renewed = new CertificateStore(jdbi, box).find(platform).orElseThrow();
        assertThat(renewed.serialNumber()).isNotEqualTo(first);
        assertThat(renewed.issuances()).isEqualTo(2);
        assertThat(oldest.finishedOrders).hasSize(2);
        assertThat(newer.finishedOrders).isEmpty();
        assertThat(oldest.certificates().get(0).serialNumber()).isEqualTo(renewed.serialNumber());
        assertThat(newer.certificates().get(0).serialNumber()).isEqualTo(renewed.serialNumber());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aFailedOrderIsStoredAndBacksOffBeforeTheNextAttempt(String database, Jdbi jdbi) throws Exception {
        oldest.wantsCertificate(platform, wildcard);
        oldest.failOrders("urn:ietf:params:acme:error:rateLimited");
        CertificateKeeper keeper = keeper(jdbi, true);

        keeper.runOnce();
        CertificateStore.Stored failed = new CertificateStore(jdbi, box).find(platform).orElseThrow();
        assertThat(failed.failures()).isEqualTo(1);
        assertThat(failed.lastError()).contains("rateLimited");
        assertThat(failed.nextAttempt()).isEqualTo(clock.instant().plusSeconds(60));
        assertThat(failed.serialNumber()).isNull();
        // Tenants and the certificate events read the node's state completed with the API's attempts.
        dev.berth.hostprotocol.CertificateState shown = new CertificateStore(jdbi, box).overlay(oldest.certificates().get(0));
        assertThat(shown.state()).isEqualTo("failed");
        assertThat(shown.lastError()).contains("rateLimited");
        assertThat(shown.failures()).isEqualTo(1);

        keeper.runOnce();
        assertThat(oldest.calls()).filteredOn(call -> call.startsWith("acme-order")).hasSize(1);

        oldest.failOrders(null);
        clock.advance(Duration.ofSeconds(61));
        keeper.runOnce();
        CertificateStore.Stored issued = new CertificateStore(jdbi, box).find(platform).orElseThrow();
        assertThat(issued.failures()).isZero();
        assertThat(issued.lastError()).isNull();
        assertThat(oldest.installedCertificate(platform)).isPresent();
        assertThat(new CertificateStore(jdbi, box).overlay(oldest.certificates().get(0)).state()).isEqualTo("active");
    }
}
