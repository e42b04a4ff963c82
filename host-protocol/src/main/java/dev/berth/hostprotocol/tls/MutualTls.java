package dev.berth.hostprotocol.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS 1.3 context of one side of the API <-> hostd TCP link: its own key and certificate (a
 * PKCS12 store of {@code hostd pki}) and, as its only trust, the platform CA's {@code trust.p12}.
 */
public final class MutualTls {
    private MutualTls() {
    }

    /**
     * @param keyStore   the side's PKCS12 key store, or null for a context that presents no certificate
     * @param trustStore the platform CA's PKCS12 trust store
     * @throws GeneralSecurityException if a store cannot be opened with its password or holds no usable entry
     * @throws IOException              if a store cannot be read
     */
    public static SSLContext context(Path keyStore, char[] keyPassword, Path trustStore, char[] trustPassword)
            throws GeneralSecurityException, IOException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        if (keyStore == null) {
            KeyStore empty = KeyStore.getInstance("PKCS12");
            empty.load(null, null);
            keys.init(empty, new char[0]);
        } else {
            keys.init(load(keyStore, keyPassword), keyPassword);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(trustStore, trustPassword));
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private static KeyStore load(Path file, char[] password) throws GeneralSecurityException, IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            return store;
        }
    }
}
