package dev.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Raw JSON (and archive) calls to the Berth API, for what the SDK does not cover (uploads, webhooks)
 * and for tests that must see the exact status and problem type. Thread-safe.
 */
public final class ApiCalls {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUri;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** @param baseUri {@code http://127.0.0.1:PORT/api/v1} */
    public ApiCalls(String baseUri) {
        this.baseUri = baseUri;
    }

    /** An answer: status, content type and body. */
    public record Answer(String method, String path, int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException notJson) {
                throw new UncheckedIOException("not JSON: " + this, notJson);
            }
        }

        /** The problem type after {@code https://berth.dev/problems/}, or "" when the answer is no problem. */
        public String problem() {
            return contentType.startsWith("application/problem+json") ? json().path("type").asText().replaceFirst(".*/", "") : "";
        }

        @Override
        public String toString() {
            return method + " " + path + " -> " + status + " " + body;
        }
    }

    public Answer send(String method, String path, String token, byte[] body, String contentType, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUri + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(method, path, response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException failed) {
            throw new UncheckedIOException(method + " " + path + " failed", failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }

    /** GETs a binary body (a download); fails unless the API answers 200. */
    public byte[] download(String path, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUri + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).GET().build();
        try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " -> " + response.statusCode() + " "
                        + new String(response.body(), StandardCharsets.UTF_8));
            }
            return response.body();
        } catch (IOException failed) {
            throw new UncheckedIOException("GET " + path + " failed", failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
    }

    public Answer json(String method, String path, String token, String json) {
        return send(method, path, token, json == null ? null : json.getBytes(StandardCharsets.UTF_8), "application/json", Map.of());
    }

    public Answer get(String path, String token) {
        return send("GET", path, token, null, null, Map.of());
    }

    /** {@code POST /sites/{name}/deploys} with an archive ({@code application/zip} or {@code application/gzip}). */
    public Answer upload(String token, String siteName, byte[] archive, String mediaType) {
        return send("POST", "/sites/" + siteName + "/deploys", token, archive, mediaType, Map.of());
    }

    /** Signs up a tenant with its owner and returns the owner's access token. */
    public String signUpAndLogIn(String email, String password, String tenantName) {
        Answer signup = json("POST", "/signup", null,
                "{\"email\":\"" + email + "\",\"password\":\"" + password + "\",\"tenantName\":\"" + tenantName + "\"}");
        if (signup.status() != 201) {
            throw new IllegalStateException("signup failed: " + signup);
        }
        return logIn(email, password);
    }

    public String logIn(String email, String password) {
        Answer login = json("POST", "/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        if (login.status() != 200) {
            throw new IllegalStateException("login failed: " + login);
        }
        return login.json().get("accessToken").asText();
    }
}
