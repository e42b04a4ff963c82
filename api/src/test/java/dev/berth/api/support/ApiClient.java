package dev.berth.api.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Sends raw requests to the API under test, so tests control every byte of the body and header,
 * and checks every answer against openapi.yaml.
 */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ApiClient(int port) {
        this.base = "http://127.0.0.1:" + port + "/api/v1";
    }

    public Answer get(String path, String token) {
        return send("GET", path, token, null, null, Map.of());
    }

    public Answer post(String path, String token, String json) {
        return send("POST", path, token, json, "application/json", Map.of());
    }

    public Answer delete(String path, String token) {
        return send("DELETE", path, token, null, null, Map.of());
    }

    public Answer send(String method, String path, String token, String body, String contentType, Map<String, String> headers) {
        return sendBytes(method, path, token, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8), contentType, headers);
    }

    /** Sends raw bytes (archives, webhook deliveries, broken encodings) and checks the answer like any other. */
    public Answer sendBytes(String method, String path, String token, byte[] body, String contentType, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Answer answer = new Answer(method, path, response.statusCode(), response.headers().map(), response.body());
            Contract.check(answer);
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One answer of the API. */
    public record Answer(String method, String path, int status, Map<String, java.util.List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        public String contentType() {
            return header("Content-Type");
        }

        /** The problem type's last segment, for problem+json answers. */
        public String problem() {
            String type = json().path("type").asText();
            return type.substring(type.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return method + " " + path + " -> " + status + " " + body;
        }
    }
}
