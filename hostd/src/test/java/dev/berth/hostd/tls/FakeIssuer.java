package dev.berth.hostd.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Issues self-signed certificates valid for {@link #lifetime} from the clock's now; can fail on demand; fake ARI. */
final class FakeIssuer implements Issuer {
    final Clock clock;
    Duration lifetime = Duration.ofDays(90);
    Optional<RenewalWindow> window = Optional.empty();
    CertificateFailure failure;
    final List<List<String>> issued = new ArrayList<>();
    final List<X509Certificate> revoked = new ArrayList<>();

    FakeIssuer(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Issued issue(List<String> domains) throws CertificateFailure {
        if (failure != null) {
            throw failure;
        }
        issued.add(domains);
        try {
            return selfSigned(domains, clock.instant(), clock.instant().plus(lifetime));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Issued selfSigned(List<String> domains, Instant notBefore, Instant notAfter) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair key = generator.generateKeyPair();
        X500Name name = new X500Name("CN=fake issuer");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()),
                Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + domains.get(0).replace("*", "wildcard")),
                key.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(domains.stream()
                .map(domain -> new GeneralName(GeneralName.dNSName, domain)).toArray(GeneralName[]::new)));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        StringWriter chain = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(chain)) {
            writer.writeObject(certificate);
        }
        StringWriter keyPem = new StringWriter();
        org.shredzone.acme4j.util.KeyPairUtils.writeKeyPair(key, keyPem);
        return new Issued(chain.toString(), keyPem.toString());
    }

    @Override
    public Optional<RenewalWindow> renewalWindow(X509Certificate certificate) {
        return window;
    }

    @Override
    public void revoke(X509Certificate certificate) {
        revoked.add(certificate);
    }
}
