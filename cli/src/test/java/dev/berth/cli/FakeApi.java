package dev.berth.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake of the Berth API on loopback for the CLI's unit tests: answers are queued per
 * {@code METHOD PATH?QUERY} (the last one repeats), every request is recorded.
 */
public final class FakeApi implements AutoCloseable {
    /** One answer. */
    public record Answer(int status, String contentType, String body, Map<String, String> headers) {
        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, Map.of());
        }

        public static Answer problem(int status, String body) {
            return new Answer(status, "application/problem+json", body, Map.of());
        }

        /** A binary body (sent byte for byte, each char of {@code body} one byte). */
        public static Answer gzip(byte[] bytes) {
            return new Answer(200, "application/gzip", new String(bytes, StandardCharsets.ISO_8859_1), Map.of());
        }
    }

    /** One request as it arrived. */
    public record Request(String method, String pathAndQuery, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return entry.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final Map<String, Deque<Answer>> answers = new HashMap<>();
    private final List<Request> requests = new ArrayList<>();

    public FakeApi() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException failed) {
            throw new UncheckedIOException(failed);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** The root URL (what {@code berth login --api} takes). */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Queues answers for {@code "GET /api/v1/sites"} (query included when the CLI sends one). */
    public FakeApi on(String methodAndPath, Answer... queued) {
        synchronized (answers) {
            answers.computeIfAbsent(methodAndPath, key -> new ArrayDeque<>()).addAll(List.of(queued));
        }
        return this;
    }

    /** Replaces whatever was queued for {@code methodAndPath}. */
    public FakeApi set(String methodAndPath, Answer... queued) {
        synchronized (answers) {
            answers.remove(methodAndPath);
        }
        return on(methodAndPath, queued);
    }

    /** The requests received so far. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String pathAndQuery = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        synchronized (requests) {
            requests.add(new Request(exchange.getRequestMethod(), pathAndQuery, Map.copyOf(exchange.getRequestHeaders()), body));
        }
        Answer answer;
        synchronized (answers) {
            Deque<Answer> queued = answers.get(exchange.getRequestMethod() + " " + pathAndQuery);
            answer = queued == null || queued.isEmpty() ? null : queued.size() > 1 ? queued.poll() : queued.peek();
        }
        if (answer == null) {
            answer = Answer.problem(404, "{\"type\":\"https://berth.dev/problems/not-found\",\"title\":\"Not found\",\"status\":404,"
                    + "\"detail\":\"the fake has no answer for " + exchange.getRequestMethod() + " " + pathAndQuery + "\"}");
        }
        byte[] bytes = answer.body().getBytes(answer.contentType().equals("application/gzip")
                ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
