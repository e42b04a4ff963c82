package dev.berth.api.events;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * A webhook endpoint on loopback for tests: records every request (headers, body, whether its
 * signature verified with {@link StandardWebhooksVerifier}) and answers with the status, body and
 * delay it is told. Thread-safe.
 */
public final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private volatile String secret;
    private volatile int status = 204;
    private volatile String answer = "";
    private volatile long delayMillis;
    private volatile String location;

    /** One request as it arrived. */
    public record Received(String method, String path, Map<String, String> headers, byte[] body, boolean signatureValid) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Checks timestamps against the wall clock. */
    public WebhookReceiver() throws IOException {
        this(() -> System.currentTimeMillis() / 1000);
    }

    /** Checks timestamps against {@code nowSeconds} (a test's clock). */
    public WebhookReceiver(java.util.function.LongSupplier nowSeconds) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "webhook-receiver");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
            boolean valid = false;
            try {
                valid = secret != null && new StandardWebhooksVerifier(secret).verify(headers.get("webhook-id"), headers.get("webhook-timestamp"),
                        headers.get("webhook-signature"), body, nowSeconds.getAsLong());
            } catch (Exception invalid) {
                valid = false;
            }
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body, valid));
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
            byte[] reply = answer.getBytes(StandardCharsets.UTF_8);
            if (location != null) {
                exchange.getResponseHeaders().set("Location", location);
            }
            exchange.sendResponseHeaders(status, reply.length == 0 ? -1 : reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        });
        server.start();
    }

    /** Verify signatures with this secret from now on. */
    public WebhookReceiver secret(String value) {
        this.secret = value;
        return this;
    }

    /** Answer with this status and body (and after this delay) from now on. */
    public WebhookReceiver answer(int code, String body, long delay) {
        this.status = code;
        this.answer = body;
        this.delayMillis = delay;
        return this;
    }

    public WebhookReceiver redirectTo(String target) {
        this.location = target;
        return this;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
