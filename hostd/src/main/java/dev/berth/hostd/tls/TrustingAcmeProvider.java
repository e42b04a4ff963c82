package dev.berth.hostd.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * A generic ACME provider that trusts exactly the CA certificates of one PEM file for the ACME
 * server's own TLS (a private CA, or Pebble in tests) instead of the JDK's trust store.
 */
final class TrustingAcmeProvider extends GenericAcmeProvider {
    private final SSLContext sslContext;

    TrustingAcmeProvider(Path trustedPem) throws IOException {
        this.sslContext = sslContext(trustedPem);
    }

    static SSLContext sslContext(Path trustedPem) throws IOException {
        try (InputStream in = Files.newInputStream(trustedPem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("trusted-" + index++, certificate);
            }
            if (index == 0) {
                throw new IOException("no certificate in " + trustedPem);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a trust store from " + trustedPem + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected HttpConnector createHttpConnector(NetworkSettings settings) {
        return new HttpConnector(settings) {
            @Override
            public HttpClient.Builder createClientBuilder() {
                return super.createClientBuilder().sslContext(sslContext);
            }
        };
    }
}
