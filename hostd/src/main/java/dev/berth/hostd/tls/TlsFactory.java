package dev.berth.hostd.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.HostdConfiguration.DnsSettings;
import dev.berth.hostd.HostdConfiguration.TlsSettings;
import dev.berth.hostd.dns.Dns;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Builds the certificates hostd manages from its configuration. */
public final class TlsFactory {
    private TlsFactory() {
    }

    /** The certificates and the ACME orders behind them. */
    public record Built(Certificates certificates, Orders orders) {
    }

    /** The platform wildcard certificate ({@code *.domain} + {@code domain}) through DNS-01, and custom domains' through HTTP-01. */
    public static Built create(TlsSettings tls, DnsSettings dnsSettings, Dns dns, Path tlsDirectory, TlsInstaller installer,
                                      ObjectMapper mapper, Clock clock,
                                      java.util.function.Supplier<List<dev.berth.hostprotocol.SiteSpec>> specs) throws IOException {
        String domain = tls.domain != null && !tls.domain.isBlank() ? tls.domain : dnsSettings.zone;
        if (domain == null || domain.isBlank()) {
            throw new IllegalArgumentException("tls.enabled needs tls.domain (or dns.zone)");
        }
        domain = domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        if (!dns.publishes() || !dns.manages("_acme-challenge." + domain)) {
            throw new IllegalArgumentException("the wildcard certificate for " + domain
                    + " is proven with DNS-01: set dns.provider rfc2136 with a zone containing " + domain);
        }
        URI directory = URI.create(tls.directoryUrl);
        if (!"https".equals(directory.getScheme())) {
            throw new IllegalArgumentException("tls.directoryUrl must be https, got " + tls.directoryUrl);
        }
        AcmeIssuer issuer = new AcmeIssuer(new AcmeIssuer.Settings(directory,
                tls.trustedCaFile == null || tls.trustedCaFile.isBlank() ? null : Path.of(tls.trustedCaFile),
                tlsDirectory.resolve("account.key"), tls.email, tlsDirectory.getParent().resolve("acme-challenges"),
                Duration.ofSeconds(tls.timeoutSeconds)), dns);
        ManagedCertificate platform = new ManagedCertificate("platform", List.of("*." + domain, domain), tlsDirectory, issuer,
                installer, mapper, clock, Duration.ofSeconds(tls.firstRetryDelaySeconds), Duration.ofSeconds(tls.maxRetryDelaySeconds));
        // Custom domains (names outside the platform domain): one certificate each, through HTTP-01.
        Certificates.CustomFactory custom = hostname -> new ManagedCertificate("custom." + hostname, List.of(hostname), tlsDirectory, issuer,
                installer, mapper, clock, Duration.ofSeconds(tls.firstRetryDelaySeconds), Duration.ofSeconds(tls.maxRetryDelaySeconds));
        return new Built(new Certificates(List.of(platform), custom, specs, !"api".equals(tls.issuance)), issuer);
    }
}
