package dev.berth.testkit;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS client contexts for test servers with private CAs (Pebble's own TLS CA, its issuing root). */
public final class Trust {
    private Trust() {
    }

    /**
     * An {@code SSLContext} that trusts exactly the certificates in {@code pem} (one or more).
     *
     * @throws GeneralSecurityException if {@code pem} holds no certificate or cannot be read
     */
    public static SSLContext of(String pem) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException impossible) {
            throw new GeneralSecurityException(impossible);
        }
        int index = 0;
        for (Certificate certificate : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            store.setCertificateEntry("trusted-" + index++, certificate);
        }
        if (index == 0) {
            throw new GeneralSecurityException("no certificate in the PEM text");
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
