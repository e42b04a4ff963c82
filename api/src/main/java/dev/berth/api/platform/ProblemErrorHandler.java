package dev.berth.api.platform;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors Jetty raises before a request reaches Jersey (an ambiguous or malformed
 * URI such as {@code /sites/..%2Fadmin}, a NUL in the path, a header too large) as
 * {@code application/problem+json} like every other error of the API, for every method, instead
 * of Jetty's HTML page (or, for DELETE and PUT, an empty body). Thread-safe.
 */
public final class ProblemErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause) throws IOException {
        Problems kind = switch (code) {
            case 404 -> Problems.NOT_FOUND;
            case 405 -> Problems.METHOD_NOT_ALLOWED;
            case 406 -> Problems.NOT_ACCEPTABLE;
            case 413 -> Problems.PAYLOAD_TOO_LARGE;
            case 415 -> Problems.UNSUPPORTED_MEDIA_TYPE;
            case 429 -> Problems.RATE_LIMITED;
            case 503 -> Problems.UNAVAILABLE;
            default -> code >= 500 ? Problems.INTERNAL : Problems.VALIDATION;
        };
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", kind.type().toString());
        problem.put("title", kind.title());
        problem.put("status", code);
        // Jetty's messages are its own fixed sentences ("Ambiguous URI path separator"), never the request's bytes.
        problem.put("detail", code >= 500 || message == null ? "the request could not be handled" : message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ProblemMappers.PROBLEM_JSON.toString());
        response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(problem)), callback);
        return true;
    }
}
