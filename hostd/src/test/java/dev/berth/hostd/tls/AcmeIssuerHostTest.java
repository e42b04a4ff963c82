package dev.berth.hostd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.hostd.dns.TestDns;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.testkit.MutableClock;
import dev.berth.testkit.NamedServer;
import dev.berth.testkit.PebbleServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** Wildcard issuance through DNS-01 with a real named and Debian's Pebble (its default nonce rejection and authz reuse on). */
@Tag("host")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AcmeIssuerHostTest {
    private NamedServer named;
    private PebbleServer pebble;

    @TempDir
    Path data;

    @BeforeAll
    void start() throws Exception {
        if (System.getenv("BERTH_REQUIRE_HOST_TESTS") == null) {
            assumeTrue(NamedServer.available() && PebbleServer.available(), "bind9 and pebble are needed");
        }
        named = new NamedServer();
        named.start();
        pebble = new PebbleServer(named.address(), PebbleServer.freePort(), Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (pebble != null) {
                pebble.close();
            }
        } finally {
            if (named != null) {
                named.close();
            }
        }
    }

    private AcmeIssuer issuer(Path accountKey) throws Exception {
        return new AcmeIssuer(new AcmeIssuer.Settings(pebble.directoryUrl(), pebble.tlsCaPem, accountKey, null,
                data.resolve("challenges"), Duration.ofSeconds(60)), TestDns.provider(named, 3));
    }

    @Test
    void aWildcardCertificateIsIssuedThroughDns01AndChainsToPebblesRoot() throws Exception {
        Path accountKey = data.resolve("account.key");
        AcmeIssuer issuer = issuer(accountKey);
        long start = System.nanoTime();
        Issuer.Issued issued = issuer.issue(List.of("*.example.test", "example.test"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("wildcard issuance through DNS-01 (PEBBLE_VA_NOSLEEP=1): " + millis + " ms");

        List<X509Certificate> chain = AcmeIssuer.parseChain(issued.chainPem());
        X509Certificate leaf = chain.get(0);
        assertThat(leaf.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))).toList())
                .containsExactlyInAnyOrder("*.example.test", "example.test");
        verifyChain(chain, pebble.issuingRootPem());
        assertThat(AcmeIssuer.parseKey(issued.privateKeyPem()).getPublic()).isEqualTo(leaf.getPublicKey());

        assertThat(Files.getPosixFilePermissions(accountKey)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(named.answers("_acme-challenge.example.test", Type.TXT)).isEmpty();

        // The account key is kept: a second issuance (a new issuer, as after a restart) uses the same account.
        String keyBefore = Files.readString(accountKey);
        issuer(accountKey).issue(List.of("*.example.test", "example.test"));
        assertThat(Files.readString(accountKey)).isEqualTo(keyBefore);
    }

    @Test
    void pebbleOffersNoRenewalInformation() throws Exception {
        AcmeIssuer issuer = issuer(data.resolve("ari-account.key"));
        Issuer.Issued issued = issuer.issue(List.of("ari.example.test"));
        assertThat(issuer.renewalWindow(AcmeIssuer.parseChain(issued.chainPem()).get(0))).isEmpty();
    }

    @Test
    void aNameTheDnsCannotProveFailsWithAClearError() throws Exception {
        AcmeIssuer issuer = new AcmeIssuer(new AcmeIssuer.Settings(pebble.directoryUrl(), pebble.tlsCaPem,
                data.resolve("bad-account.key"), null, data.resolve("challenges"), Duration.ofSeconds(30)),
                TestDns.provider(named, java.util.Base64.getEncoder().encodeToString(new byte[32]), 1));
        assertThatThrownBy(() -> issuer.issue(List.of("*.example.test")))
                .isInstanceOf(CertificateFailure.class)
                .hasMessageContaining("dns-01");
    }

    @Test
    void issuanceSucceedsWhenTheCaRejectsManyNoncesAndAlwaysReusesAuthorizations() throws Exception {
        try (PebbleServer hostile = new PebbleServer(named.address(), PebbleServer.freePort(),
                Map.of("PEBBLE_WFE_NONCEREJECT", "30", "PEBBLE_AUTHZREUSE", "100"))) {
            AcmeIssuer issuer = new AcmeIssuer(new AcmeIssuer.Settings(hostile.directoryUrl(), hostile.tlsCaPem,
                    data.resolve("hostile-account.key"), null, data.resolve("challenges"), Duration.ofSeconds(60)),
                    TestDns.provider(named, 3));
            for (int round = 0; round < 3; round++) {
                Issuer.Issued issued = issuer.issue(List.of("*.example.test", "example.test"));
                verifyChain(AcmeIssuer.parseChain(issued.chainPem()), hostile.issuingRootPem());
            }
            assertThat(hostile.log()).contains("reject 30% of good nonces");
        }
    }

    @Test
    void aCaThatIsDownForAWhileIsReportedAndTheRenewalSucceedsOnceItIsBack() throws Exception {
        try (PebbleServer flaky = new PebbleServer(named.address(), PebbleServer.freePort(), Map.of())) {
            AcmeIssuer issuer = new AcmeIssuer(new AcmeIssuer.Settings(flaky.directoryUrl(), flaky.tlsCaPem,
                    data.resolve("flaky-account.key"), null, data.resolve("challenges"), Duration.ofSeconds(60)),
                    TestDns.provider(named, 3));
            FakeTlsInstaller proxy = new FakeTlsInstaller();
            java.util.List<Path> installed = proxy.installed;
            MutableClock clock = new MutableClock();
            clock.set(java.time.Instant.now());
            ManagedCertificate certificate = new ManagedCertificate("platform", List.of("*.example.test", "example.test"),
                    data.resolve("flaky-tls"), issuer, proxy,
                    new com.fasterxml.jackson.databind.ObjectMapper().findAndRegisterModules(), clock,
                    Duration.ofSeconds(30), Duration.ofMinutes(10));
            assertThat(certificate.check().state()).isEqualTo("active");
            Path serving = certificate.chainFile().orElseThrow();

            flaky.stopProcess();
            CertificateState failed = certificate.renew();
            assertThat(failed.state()).isEqualTo("failed");
            assertThat(failed.lastError()).contains("ACME");
            assertThat(failed.nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofSeconds(30)));
            assertThat(certificate.chainFile()).contains(serving);

            // Back, with no memory of our account: the next attempt registers again and succeeds.
            flaky.restart();
            assertThat(certificate.check().state()).isEqualTo("failed");
            clock.advance(Duration.ofSeconds(30));
            CertificateState recovered = certificate.check();
            assertThat(recovered.state()).as(recovered.lastError()).isEqualTo("active");
            assertThat(installed).hasSize(2);
            verifyChain(AcmeIssuer.parseChain(Files.readString(certificate.chainFile().orElseThrow())), flaky.issuingRootPem());
        }
    }

    static void verifyChain(List<X509Certificate> chain, String rootPem) throws Exception {
        X509Certificate root = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(rootPem.getBytes(StandardCharsets.US_ASCII)));
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
    }
}
