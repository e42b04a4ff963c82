package dev.berth.hostd.server;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.jetty.HttpsConnectorFactory;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * hostd's TCP listener for an API on another machine ({@code type: mutual-tls}): Dropwizard's HTTPS
 * connector with the client certificate required, TLS 1.3 only, and the platform CA's trust store
 * (written by {@code hostd pki ca}) as the only trust, so a connection without a certificate of
 * that CA fails in the handshake, before a byte of HTTP is read. Key and trust stores are PKCS12.
 * The Unix socket stays next to it as the single-node default.
 */
@JsonTypeName("mutual-tls")
public class MutualTlsConnectorFactory extends HttpsConnectorFactory {

    public MutualTlsConnectorFactory() {
        setKeyStoreType("PKCS12");
        setTrustStoreType("PKCS12");
        setNeedClientAuth(true);
        setSupportedProtocols(List.of("TLSv1.3"));
        setBindHost("127.0.0.1");
        setPort(8443);
    }

    @Override
    public Connector build(Server server, MetricRegistry metrics, String name, ThreadPool threadPool) {
        if (getTrustStorePath() == null || getKeyStorePath() == null) {
            throw new IllegalArgumentException("a mutual-tls connector needs keyStorePath (the node's store from `hostd pki node`)"
                    + " and trustStorePath (the platform CA's trust.p12)");
        }
        // Whatever the configuration says: without a client certificate of the platform CA, no HTTP.
        setNeedClientAuth(true);
        setWantClientAuth(true);
        return super.build(server, metrics, name, threadPool);
    }
}
