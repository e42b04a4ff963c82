package dev.berth.hostd.server;

import com.codahale.metrics.MetricRegistry;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * hostd's mutual-TLS connector in a Jetty server on loopback (a free port) whose one handler counts
 * the HTTP requests that reach it and answers each with a fixed JSON body. For hostd's and the API's
 * tests of the listener; stop it when done.
 */
public final class MutualTlsServer implements AutoCloseable {
    private final Server server;
    private final AtomicInteger requests = new AtomicInteger();

    /**
     * @param nodeStore  the node's store from {@code Pki.issueNode}
     * @param trustStore the platform CA's {@code trust.p12}
     */
    public MutualTlsServer(Path nodeStore, Path trustStore, char[] password, String body) throws Exception {
        MutualTlsConnectorFactory factory = new MutualTlsConnectorFactory();
        factory.setPort(0);
        factory.setKeyStorePath(nodeStore.toString());
        factory.setKeyStorePassword(new String(password));
        factory.setTrustStorePath(trustStore.toString());
        factory.setTrustStorePassword(new String(password));
        factory.setNeedClientAuth(false); // the connector requires client certificates whatever this says
        server = new Server(new QueuedThreadPool(16, 2));
        server.addConnector(factory.build(server, new MetricRegistry(), "mutual-tls", server.getThreadPool()));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                requests.incrementAndGet();
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "application/json");
                response.write(true, BufferUtil.toBuffer(body), callback);
                return true;
            }
        });
        server.start();
    }

    public ServerConnector connector() {
        return (ServerConnector) server.getConnectors()[0];
    }

    public int port() {
        return connector().getLocalPort();
    }

    /** HTTP requests that reached the handler. */
    public int requests() {
        return requests.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
