package dev.berth.hostd.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedCertificateTest {
    private static final List<String> DOMAINS = List.of("*.example.test", "example.test");

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock();
    private final FakeIssuer issuer = new FakeIssuer(clock);
    private final FakeTlsInstaller proxy = new FakeTlsInstaller();
    private final List<Path> installed = proxy.installed;
    private final ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    private ManagedCertificate certificate;

    @BeforeEach
    void setUp() throws Exception {
        certificate = create();
    }

    private ManagedCertificate create() throws Exception {
        return new ManagedCertificate("platform", DOMAINS, directory, issuer, proxy, mapper, clock,
                Duration.ofMinutes(1), Duration.ofHours(6));
    }

    @Test
    void theFirstCheckIssuesInstallsAndSchedulesRenewalWhenAThirdOfTheLifetimeIsLeft() throws Exception {
        CertificateState status = certificate.check();
        assertThat(status.state()).isEqualTo("active");
        assertThat(status.notAfter()).isEqualTo(clock.instant().plus(Duration.ofDays(90)));
        assertThat(status.renewAt()).isEqualTo(clock.instant().plus(Duration.ofDays(60)));
        assertThat(status.issuer()).contains("fake issuer");
        assertThat(installed).hasSize(1);
        assertThat(proxy.servedDomains).containsEntry("platform", DOMAINS);
        assertThat(Files.getPosixFilePermissions(certificate.keyFile().orElseThrow()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void theRenewalPointFollowsTheCertificatesOwnLifetimeNotAFixedNumberOfDays() throws Exception {
        issuer.lifetime = Duration.ofDays(6);
        CertificateState status = certificate.check();
        assertThat(status.renewAt()).isEqualTo(clock.instant().plus(Duration.ofDays(4)));
    }

    @Test
    void nothingHappensBeforeTheRenewalPointAndARenewalReplacesTheCertificateAfterIt() throws Exception {
        certificate.check();
        clock.advance(Duration.ofDays(59));
        certificate.check();
        assertThat(issuer.issued).hasSize(1);
        String firstSerial = certificate.status().serialNumber();
        clock.advance(Duration.ofDays(1));
        CertificateState renewed = certificate.check();
        assertThat(issuer.issued).hasSize(2);
        assertThat(renewed.state()).isEqualTo("active");
        assertThat(renewed.serialNumber()).isNotEqualTo(firstSerial);
        assertThat(installed).hasSize(2);
        assertThat(installed.get(1)).isNotEqualTo(installed.get(0));
    }

    @Test
    void anEarlierAriWindowMovesTheRenewalForwardButALaterOneNeverPastTheThirdOfTheLifetime() throws Exception {
        Instant issuedAt = clock.instant();
        certificate.check();
        issuer.window = Optional.of(new Issuer.RenewalWindow(issuedAt.plus(Duration.ofDays(10)), issuedAt.plus(Duration.ofDays(11))));
        clock.advance(Duration.ofDays(10));
        certificate.check();
        assertThat(issuer.issued).hasSize(2);

        assertThat(RenewalPolicy.renewAt(issuedAt, issuedAt.plus(Duration.ofDays(90)), Optional.of(
                new Issuer.RenewalWindow(issuedAt.plus(Duration.ofDays(80)), issuedAt.plus(Duration.ofDays(85))))))
                .isEqualTo(issuedAt.plus(Duration.ofDays(60)));
    }

    @Test
    void aFailedRenewalKeepsTheOldCertificateServingAndBacksOffExponentially() throws Exception {
        certificate.check();
        Path serving = certificate.chainFile().orElseThrow();
        clock.advance(Duration.ofDays(61));
        issuer.failure = new CertificateFailure("CA answers 503");

        CertificateState failed = certificate.check();
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.lastError()).contains("CA answers 503");
        assertThat(failed.failures()).isEqualTo(1);
        assertThat(failed.nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
        assertThat(certificate.chainFile()).contains(serving);
        assertThat(Files.exists(serving)).isTrue();

        clock.advance(Duration.ofSeconds(30));
        certificate.check();
        assertThat(certificate.status().failures()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(30));
        assertThat(certificate.check().nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));

        issuer.failure = null;
        clock.advance(Duration.ofMinutes(2));
        CertificateState recovered = certificate.check();
        assertThat(recovered.state()).isEqualTo("active");
        assertThat(recovered.lastError()).isNull();
        assertThat(recovered.failures()).isZero();
        assertThat(certificate.chainFile()).isNotEqualTo(Optional.of(serving));
    }

    @Test
    void aReloadTheProxyRejectsLeavesThePreviousCertificateActive() throws Exception {
        certificate.check();
        String version = certificate.status().activeVersion();
        clock.advance(Duration.ofDays(61));
        proxy.failure = new HostOperationException("nginx -t rejected the configuration");
        CertificateState failed = certificate.check();
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.activeVersion()).isEqualTo(version);
        assertThat(failed.lastError()).contains("nginx -t");
    }

    @Test
    void theStatusSurvivesARestart() throws Exception {
        certificate.check();
        ManagedCertificate restarted = create();
        assertThat(restarted.status()).isEqualTo(certificate.status());
        assertThat(restarted.active()).isTrue();
        restarted.check();
        assertThat(issuer.issued).hasSize(1);
    }

    @Test
    void afterARestartTheActiveVersionIsServedAgainAndNothingWhileNoneIsActive() throws Exception {
        certificate.installActive();
        assertThat(proxy.served).isEmpty();
        certificate.check();
        Path serving = certificate.chainFile().orElseThrow();
        proxy.served.clear();

        ManagedCertificate restarted = create();
        restarted.installActive();
        assertThat(proxy.served).containsEntry("platform", serving);
        assertThat(proxy.servedDomains).containsEntry("platform", DOMAINS);
        assertThat(issuer.issued).hasSize(1);
    }

    @Test
    void deletingTakesTheCertificateOutOfTheProxyBeforeItsFilesGo() throws Exception {
        certificate.check();
        certificate.delete();
        assertThat(proxy.removed).containsExactly("platform");
        assertThat(proxy.removedAfterItsFilesWentAway).isEmpty();
        assertThat(directory.resolve("platform")).doesNotExist();
        assertThat(certificate.active()).isFalse();
        assertThat(issuer.revoked).isEmpty();
    }

    @Test
    void revokingTakesTheCertificateOutOfTheProxyFirstAndKeepsEverythingWhenTheProxyCannotLetGo() throws Exception {
        certificate.check();
        Path serving = certificate.chainFile().orElseThrow();
        proxy.failure = new HostOperationException("cannot signal nginx");
        org.assertj.core.api.Assertions.assertThatThrownBy(certificate::revokeAndDelete)
                .isInstanceOf(HostOperationException.class);
        assertThat(serving).exists();
        assertThat(issuer.revoked).isEmpty();
        assertThat(certificate.active()).isTrue();

        proxy.failure = null;
        certificate.revokeAndDelete();
        assertThat(proxy.removed).containsExactly("platform");
        assertThat(proxy.removedAfterItsFilesWentAway).isEmpty();
        assertThat(issuer.revoked).hasSize(1);
        assertThat(serving).doesNotExist();
    }

    @Test
    void aWildcardCoversOneLabelAndTheApexOnly() {
        assertThat(certificate.covers("alpha.example.test")).isTrue();
        assertThat(certificate.covers("example.test")).isTrue();
        assertThat(certificate.covers("a.b.example.test")).isFalse();
        assertThat(certificate.covers("alpha.example.org")).isFalse();
    }
}
