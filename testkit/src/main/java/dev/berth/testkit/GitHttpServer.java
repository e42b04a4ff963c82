package dev.berth.testkit;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A repository served over Git's smart HTTP protocol on loopback at {@code /site.git}: the JDK's
 * HTTP server routes, JGit's {@link UploadPack} speaks all of the Git protocol. (JGit's GitServlet
 * artifact is not available at this JGit version in the registry, so no servlet container is
 * involved.) For the API's fetch tests (redirects, a slow server, HTTPS) and the webhook deploys of
 * the e2e tests (a fetch held mid-deploy). Whoever fetches from it must allow 127.0.0.0/8.
 *
 * <p>Thread-safe: requests are served on the server's threads while the test reads what arrived.
 */
public final class GitHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<byte[]> uploadRequests = new CopyOnWriteArrayList<>();
    private final List<Exception> failures = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final AtomicInteger held = new AtomicInteger();
    private volatile String requiredAuthorization;

    /** Serves {@code repository} at {@code /site.git} over plain http. */
    public GitHttpServer(Repository repository) throws IOException {
        this(repository, null, 0, null);
    }

    /**
     * Serves {@code repository}, or answers every request with a 302 to {@code redirectTo} plus the
     * request's path and query when that is given; each answer waits {@code stallMillis} first.
     */
    public GitHttpServer(Repository repository, String redirectTo, long stallMillis) throws IOException {
        this(repository, redirectTo, stallMillis, null);
    }

    /** The same over HTTPS with {@code tls}'s certificate when {@code tls} is given. */
    public GitHttpServer(Repository repository, String redirectTo, long stallMillis, SSLContext tls) throws IOException {
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
                awaitGate();
                if (stallMillis > 0) {
                    sleep(stallMillis);
                }
                String expected = requiredAuthorization;
                if (expected != null && !expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"site\"");
                    exchange.sendResponseHeaders(401, -1);
                    return;
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

    /**
     * From now on every request must carry HTTP basic credentials {@code username:token} (a private
     * repository reached with an access token); others are answered 401 with a Basic challenge.
     */
    public GitHttpServer requireToken(String username, String token) {
        requiredAuthorization = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (username + ":" + token).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return this;
    }

    /** Every request so far, as {@code METHOD URI}, in arrival order. */
    public List<String> requests() {
        return requests;
    }

    /** The bodies of the {@code git-upload-pack} requests (what the client wants, its depth), un-gzipped. */
    public List<byte[]> uploadRequests() {
        return uploadRequests;
    }

    /** What the handler threw (the client hung up, say). */
    public List<Exception> failures() {
        return failures;
    }

    /** From now on every request waits (a fetch hangs mid-deploy) until {@link #release()}, at most 2 minutes. */
    public void hold() {
        gate = new CountDownLatch(1);
        held.set(0);
    }

    /** Lets held and later requests through. */
    public void release() {
        gate.countDown();
    }

    /** How many requests arrived since {@link #hold()}. */
    public int heldRequests() {
        return held.get();
    }

    private void awaitGate() {
        CountDownLatch current = gate;
        if (current.getCount() == 0) {
            return;
        }
        held.incrementAndGet();
        try {
            current.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT/site.git}, or https when served with TLS. */
    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + port() + "/site.git";
    }

    /** Lets held requests go and stops the server at once. */
    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
