package dev.berth.cli.pack;

import dev.berth.cli.Session;
import dev.berth.cli.output.Progress;
import dev.berth.sdk.ApiClient;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.model.Deploy;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Flow;

/**
 * {@code POST /sites/{site}/deploys} with the archive streamed from disk, and
 * {@code PUT /sites/{site}/deploys/{id}/files/{sha256}} with one file of a deploy by manifest. The
 * SDK's generated {@code uploadDeploy} and {@code uploadDeployFile} serialize their {@code File}
 * argument as JSON instead of sending the bytes, so these requests are made here, with the SDK's client, base URI and credentials, and a body
 * publisher that counts the bytes for the progress bar. The length is sent, so the API can refuse
 * an upload over the tenant's limit before reading it.
 */
public final class Uploads {
    private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(30);

    private Uploads() {
    }

    /**
     * Uploads and returns the accepted deploy.
     *
     * @throws ApiException the API's refusal (problem+json in its body), or code 0 when it could not be reached
     */
    public static Deploy upload(Session session, String site, Archive archive, Progress progress) throws ApiException {
        return send(session, "POST", "/sites/" + encode(site) + "/deploys", archive.contentType(), archive.file(), archive.sizeBytes(),
                progress, "uploadDeploy");
    }

    /**
     * Sends one file a deploy by manifest requires ({@code PUT /sites/{site}/deploys/{id}/files/{sha256}})
     * and returns the deploy as it stands.
     *
     * @throws ApiException the API's refusal (problem+json in its body), or code 0 when it could not be reached
     */
    public static Deploy uploadFile(Session session, String site, UUID deployId, Manifest.File file, Progress progress)
            throws ApiException {
        return send(session, "PUT", "/sites/" + encode(site) + "/deploys/" + deployId + "/files/" + file.sha256(),
                "application/octet-stream", file.source(), file.size(), progress, "uploadDeployFile");
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Deploy send(Session session, String method, String path, String contentType, Path source, long length,
                               Progress progress, String operationId) throws ApiException {
        ApiClient client = session.client();
        HttpRequest.BodyPublisher file;
        try {
            file = HttpRequest.BodyPublishers.ofFile(source);
        } catch (FileNotFoundException gone) {
            throw new ApiException(gone);
        }
        HttpRequest.BodyPublisher counted = HttpRequest.BodyPublishers.fromPublisher(subscriber -> file.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                progress.advance(item.remaining());
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        }), length);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(client.getBaseUri() + path))
                .header("Content-Type", contentType)
                .header("Accept", "application/json, application/problem+json")
                .timeout(UPLOAD_TIMEOUT)
                .method(method, counted);
        if (client.getRequestInterceptor() != null) {
            client.getRequestInterceptor().accept(request);
        }
        HttpResponse<String> response;
        try {
            response = client.getHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException failed) {
            throw new ApiException(failed);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new ApiException(interrupted);
        }
        if (response.statusCode() / 100 != 2) {
            throw new ApiException(operationId, response.statusCode(), response.headers(), response.body());
        }
        try {
            return session.json().readValue(response.body(), Deploy.class);
        } catch (IOException unreadable) {
            throw new ApiException(unreadable);
        }
    }
}
