package dev.berth.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.zip.GZIPInputStream;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A repository served over Git's smart HTTP protocol on loopback (plain http), for webhook deploys:
 * the JDK's HTTP server routes, JGit's {@link UploadPack} speaks the protocol. The API fetches from
 * it only because the test's configuration allowlists 127.0.0.0/8 and plain http. Same approach as
 * the API's own {@code SmartHttpGitServer} test helper.
 */
public final class GitHttpServer implements AutoCloseable {
    private final HttpServer server;
    private volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(0);
    private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();

    /** Serves {@code repository} at {@code /site.git}. */
    public GitHttpServer(Repository repository) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                awaitGate();
                serve(repository, exchange);
            }
        });
        server.start();
    }

    private static void serve(Repository repository, HttpExchange exchange) throws IOException {
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

    /** From now on every request waits (a fetch hangs mid-deploy) until {@link #release()}. */
    public void hold() {
        gate = new java.util.concurrent.CountDownLatch(1);
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
        java.util.concurrent.CountDownLatch current = gate;
        if (current.getCount() == 0) {
            return;
        }
        held.incrementAndGet();
        try {
            current.await(2, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code http://127.0.0.1:PORT/site.git} */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/site.git";
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
