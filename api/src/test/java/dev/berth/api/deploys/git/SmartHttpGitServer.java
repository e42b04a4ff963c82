package dev.berth.api.deploys.git;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

/**
 * Git's smart HTTP protocol on loopback, for fetch tests: the JDK's HTTP server does the routing,
 * JGit's {@link UploadPack} does all of the Git protocol. (JGit's GitServlet artifact is not
 * available at this JGit version in the registry, so no servlet container is involved.)
 */
public final class SmartHttpGitServer implements AutoCloseable {
    private final HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<byte[]> uploadRequests = new CopyOnWriteArrayList<>();
    final List<Exception> failures = new CopyOnWriteArrayList<>();

    /** Serves {@code repository} at /site.git; other paths answer {@code redirectTo} as a 302 when given. */
    public SmartHttpGitServer(Repository repository, String redirectTo, long stallMillis) throws IOException {
        this(repository, redirectTo, stallMillis, null);
    }

    /** The same over HTTPS when {@code tls} is given. */
    SmartHttpGitServer(Repository repository, String redirectTo, long stallMillis, SSLContext tls) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
        } else {
            HttpsServer https = HttpsServer.create(loopback, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/", exchange -> {
            try (exchange) {
                requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
                if (stallMillis > 0) {
                    sleep(stallMillis);
                }
                if (redirectTo != null) {
                    exchange.getResponseHeaders().add("Location", redirectTo + exchange.getRequestURI().getPath()
                            + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
                    exchange.sendResponseHeaders(302, -1);
                    return;
                }
                serve(repository, exchange);
            } catch (IOException | RuntimeException failed) {
                failures.add(failed);
                throw failed;
            }
        });
        server.start();
    }

    private void serve(Repository repository, HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getRawQuery();
        if (exchange.getRequestMethod().equals("GET") && path.equals("/site.git/info/refs") && "service=git-upload-pack".equals(query)) {
            exchange.getResponseHeaders().add("Content-Type", "application/x-git-upload-pack-advertisement");
            exchange.getResponseHeaders().add("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            PacketLineOut packets = new PacketLineOut(out);
            packets.writeString("# service=git-upload-pack\n");
            packets.end();
            UploadPack upload = new UploadPack(repository);
            upload.setBiDirectionalPipe(false);
            upload.sendAdvertisedRefs(new PacketLineOutRefAdvertiser(packets));
            out.close();
        } else if (exchange.getRequestMethod().equals("POST") && path.equals("/site.git/git-upload-pack")) {
            InputStream body = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(body);
            }
            byte[] request = body.readAllBytes();
            uploadRequests.add(request);
            exchange.getResponseHeaders().add("Content-Type", "application/x-git-upload-pack-result");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            UploadPack upload = new UploadPack(repository);
            upload.setBiDirectionalPipe(false);
            upload.upload(new ByteArrayInputStream(request), out, null);
            out.close();
        } else {
            exchange.sendResponseHeaders(404, -1);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + port() + "/site.git";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
