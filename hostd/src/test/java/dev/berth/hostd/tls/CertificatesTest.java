package dev.berth.hostd.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificatesTest {
    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock();
    private final FakeIssuer issuer = new FakeIssuer(clock);
    private final FakeTlsInstaller proxy = new FakeTlsInstaller();
    private final ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    private final List<SiteSpec> specs = new CopyOnWriteArrayList<>();
    private Certificates certificates;
    private ManagedCertificate platformCertificate;

    private ManagedCertificate certificate(String name, List<String> domains) throws java.io.IOException {
        return new ManagedCertificate(name, domains, directory, issuer, proxy, mapper, clock,
                Duration.ofMinutes(1), Duration.ofHours(1));
    }

    @BeforeEach
    void setUp() throws Exception {
        ManagedCertificate platform = certificate("platform", List.of("*.example.test", "example.test"));
        platformCertificate = platform;
        certificates = new Certificates(List.of(platform), hostname -> certificate("custom." + hostname, List.of(hostname)),
                () -> specs);
        certificates.checkAll();
    }

    private SiteSpec site(String... hostnames) {
        return new SiteSpec(UUID.randomUUID(), "alpha", UUID.randomUUID(), List.of(hostnames), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1);
    }

    @Test
    void aCustomDomainGetsItsOwnCertificateAndPlatformNamesUseTheWildcard() {
        specs.add(site("alpha.example.test", "www.alpha.org", "alpha.localhost"));
        certificates.syncCustomDomains();
        assertThat(issuer.issued).containsExactly(List.of("*.example.test", "example.test"), List.of("www.alpha.org"));
        assertThat(proxy.servedDomains).containsEntry("custom.www.alpha.org", List.of("www.alpha.org"))
                .containsEntry("platform", List.of("*.example.test", "example.test")).hasSize(2);
        assertThat(certificates.covering(List.of("alpha.localhost"))).isEmpty();
        assertThat(certificates.covering(List.of("www.alpha.org"))).extracting(CertificateState::state).containsExactly("active");

        certificates.syncCustomDomains();
        assertThat(issuer.issued).hasSize(2);
    }

    @Test
    void aDroppedCustomDomainHasItsCertificateRevokedAndDeleted() {
        SiteSpec site = site("alpha.example.test", "www.alpha.org");
        specs.add(site);
        certificates.syncCustomDomains();
        specs.clear();
        certificates.syncCustomDomains();
        assertThat(issuer.revoked).hasSize(1);
        assertThat(issuer.revoked.get(0).getSubjectX500Principal().getName()).contains("www.alpha.org");
        assertThat(proxy.served).doesNotContainKey("custom.www.alpha.org");
        assertThat(proxy.removedAfterItsFilesWentAway).isEmpty();
        assertThat(Files.exists(directory.resolve("custom.www.alpha.org"))).isFalse();
        assertThat(certificates.statuses()).extracting(CertificateState::name).containsExactly("platform");
    }

    @Test
    void whenTheApiKeepsTheCertificatesNothingIsIssuedHereTheApisCopyIsInstalledAndADroppedNameIsNotRevoked() throws Exception {
        ManagedCertificate platform = certificate("api-platform", List.of("*.example.test", "example.test"));
        Certificates kept = new Certificates(List.of(platform), hostname -> certificate("api-custom." + hostname, List.of(hostname)),
                () -> specs, false);
        int issuedBefore = issuer.issued.size();
        specs.add(site("alpha.example.test", "www.alpha.org"));
        kept.syncCustomDomains();
        assertThat(issuer.issued).hasSize(issuedBefore);
        assertThat(kept.statuses()).extracting(CertificateState::name, CertificateState::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("api-platform", "pending"),
                        org.assertj.core.groups.Tuple.tuple("api-custom.www.alpha.org", "pending"));

        Issuer.Issued fromTheApi = FakeIssuer.selfSigned(List.of("www.alpha.org"), clock.instant(), clock.instant().plus(Duration.ofDays(90)));
        dev.berth.hostprotocol.CertificateBundle bundle = new dev.berth.hostprotocol.CertificateBundle(List.of("www.alpha.org"),
                fromTheApi.chainPem(), fromTheApi.privateKeyPem(), clock.instant().plus(Duration.ofDays(60)));
        CertificateState installed = kept.install("api-custom.www.alpha.org", bundle);
        assertThat(installed.state()).isEqualTo("active");
        assertThat(installed.renewAt()).isEqualTo(bundle.renewAt());
        assertThat(proxy.served).containsKey("api-custom.www.alpha.org");
        // The same serial again changes nothing.
        assertThat(kept.install("api-custom.www.alpha.org", bundle).activeVersion()).isEqualTo(installed.activeVersion());
        // Another certificate's names are refused, and a name this node does not want is unknown.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> kept.install("api-platform", bundle)).isInstanceOf(CertificateFailure.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> kept.install("api-custom.other.org", bundle))
                .isInstanceOf(java.util.NoSuchElementException.class);

        specs.clear();
        kept.syncCustomDomains();
        assertThat(issuer.revoked).isEmpty();
        assertThat(proxy.served).doesNotContainKey("api-custom.www.alpha.org");
        assertThat(proxy.removedAfterItsFilesWentAway).isEmpty();
        assertThat(Files.exists(directory.resolve("api-custom.www.alpha.org"))).isFalse();
    }

    @Test
    void atTheStartEveryActiveCertificateIsServedAgainFromDiskWithoutIssuingAndTheirNamesAreKnown() throws Exception {
        specs.add(site("alpha.example.test", "www.alpha.org"));
        certificates.syncCustomDomains();
        int issued = issuer.issued.size();
        proxy.served.clear();

        Certificates restarted = new Certificates(List.of(certificate("platform", List.of("*.example.test", "example.test"))),
                hostname -> certificate("custom." + hostname, List.of(hostname)), () -> specs);
        restarted.installActive();
        assertThat(proxy.served).containsOnlyKeys("platform", "custom.www.alpha.org");
        assertThat(issuer.issued).hasSize(issued);
        assertThat(restarted.names()).containsExactlyInAnyOrder("platform", "custom.www.alpha.org");
    }

    @Test
    void aCertificateTheProxyRefusesAtTheStartIsServedAtTheNextPass() throws Exception {
        proxy.served.clear();
        proxy.failure = new dev.berth.hostd.site.HostOperationException("nginx -t rejected the configuration");
        certificates.installActive();
        assertThat(proxy.served).isEmpty();
        proxy.failure = null;
        certificates.syncCustomDomains();
        assertThat(proxy.served).containsOnlyKeys("platform");
    }

    @Test
    void aDroppedCustomDomainTheProxyCannotLetGoOfIsKeptUntilItCan() {
        specs.add(site("www.alpha.org"));
        certificates.syncCustomDomains();
        specs.clear();
        proxy.failure = new dev.berth.hostd.site.HostOperationException("cannot signal nginx");
        certificates.syncCustomDomains();
        assertThat(issuer.revoked).isEmpty();
        assertThat(directory.resolve("custom.www.alpha.org")).exists();
        assertThat(certificates.names()).contains("custom.www.alpha.org");

        proxy.failure = null;
        certificates.syncCustomDomains();
        assertThat(proxy.removed).containsExactly("custom.www.alpha.org");
        assertThat(proxy.removedAfterItsFilesWentAway).isEmpty();
        assertThat(issuer.revoked).hasSize(1);
        assertThat(certificates.names()).containsExactly("platform");
    }

    @Test
    void aCustomDomainTheCaRefusesIsRetriedWithBackoffAndReported() {
        issuer.failure = new CertificateFailure("urn:ietf:params:acme:error:connection: no answer from www.alpha.org");
        specs.add(site("www.alpha.org"));
        certificates.syncCustomDomains();
        CertificateState failed = certificates.covering(List.of("www.alpha.org")).get(0);
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.lastError()).contains("no answer");
        assertThat(proxy.served).doesNotContainKey("custom.www.alpha.org");
        issuer.failure = null;
        certificates.syncCustomDomains();
        assertThat(certificates.covering(List.of("www.alpha.org")).get(0).state()).isEqualTo("failed");
        clock.advance(Duration.ofMinutes(1));
        certificates.syncCustomDomains();
        assertThat(certificates.covering(List.of("www.alpha.org")).get(0).state()).isEqualTo("active");
    }

    @Test
    void aFailedPlatformRenewalIsRetriedWhenItsBackoffIsOverNotAtTheNextHourlyCheck() {
        String serial = platformCertificate.status().serialNumber();
        issuer.failure = new CertificateFailure("urn:ietf:params:acme:error:badNonce: every nonce refused");
        clock.advance(Duration.ofSeconds(1));
        platformCertificate.renew();
        assertThat(platformCertificate.status().state()).isEqualTo("failed");
        issuer.failure = null;
        int issued = issuer.issued.size();

        certificates.retryFailed();
        assertThat(issuer.issued).as("not before its backoff is over").hasSize(issued);
        clock.advance(Duration.ofMinutes(1));
        certificates.retryFailed();
        assertThat(platformCertificate.status().state()).isEqualTo("active");
        assertThat(platformCertificate.status().serialNumber()).isNotEqualTo(serial);

        certificates.retryFailed();
        assertThat(issuer.issued).as("an active certificate is left to the periodic check").hasSize(issued + 1);
    }
}
