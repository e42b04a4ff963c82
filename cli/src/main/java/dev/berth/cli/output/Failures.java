package dev.berth.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import dev.berth.cli.Io;
import dev.berth.sdk.ApiException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Turns whatever ended a command into a readable message on standard error and an exit status
 * ({@link ExitCodes}). An RFC 9457 problem from the API is printed as its title, detail, each
 * offending field and the correlation id to quote to the operator; never as raw JSON.
 */
public final class Failures implements CommandLine.IExecutionExceptionHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_CHARS = 300;

    private final Io io;

    public Failures(Io io) {
        this.io = io;
    }

    @Override
    public int handleExecutionException(Exception failure, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = io.err();
        int exitCode;
        if (failure instanceof CliException cli) {
            err.println("berth: " + cli.getMessage());
            exitCode = cli.exitCode();
        } else if (failure instanceof ApiException api) {
            exitCode = report(api, err);
        } else if (failure instanceof UncheckedIOException || failure instanceof IOException) {
            Throwable cause = failure instanceof UncheckedIOException unchecked ? unchecked.getCause() : failure;
            err.println("berth: " + describe(cause));
            exitCode = ExitCodes.FAILED;
        } else {
            err.println("berth: unexpected error: " + failure);
            exitCode = ExitCodes.FAILED;
        }
        err.flush();
        return exitCode;
    }

    /** Prints an API failure and returns its exit status. */
    public static int report(ApiException failure, PrintWriter err) {
        if (failure.getCode() == 0) {
            // No answer at all: connection refused, name not found, time-out.
            Throwable cause = failure.getCause() == null ? failure : failure.getCause();
            err.println("berth: cannot reach the API: " + describe(cause));
            return ExitCodes.UNAVAILABLE;
        }
        JsonNode problem = parse(failure.getResponseBody());
        String type = problem == null ? null : text(problem, "type");
        StringBuilder message = new StringBuilder("berth: ");
        if (problem != null && text(problem, "title") != null) {
            message.append(text(problem, "title"));
            String detail = text(problem, "detail");
            if (detail != null && !detail.isBlank()) {
                message.append(": ").append(detail);
            }
        } else {
            String body = failure.getResponseBody() == null ? "" : failure.getResponseBody().strip();
            message.append("the API answered HTTP ").append(failure.getCode());
            if (!body.isEmpty()) {
                message.append(": ").append(body.length() > MAX_BODY_CHARS ? body.substring(0, MAX_BODY_CHARS) + "..." : body);
            } else if (failure.getMessage() != null) {
                message.append(": ").append(failure.getMessage());
            }
        }
        message.append(" (HTTP ").append(failure.getCode()).append(')');
        err.println(message);
        if (problem != null && problem.path("errors").isArray()) {
            for (JsonNode field : problem.path("errors")) {
                err.println("  " + field.path("field").asText("?") + ": " + field.path("message").asText(""));
            }
        }
        if (problem != null && text(problem, "correlationId") != null) {
            err.println("  correlation id: " + text(problem, "correlationId") + " (quote it to the operator)");
        }
        if (failure.getCode() == 401) {
            err.println("  log in again: berth login --api URL");
        }
        if (failure.getCode() == 429) {
            failure.getResponseHeaders().firstValue("Retry-After").ifPresent(seconds -> err.println("  retry after " + seconds + " s"));
        }
        return ExitCodes.forHttpStatus(failure.getCode(), type);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        String kind = cause.getClass().getSimpleName();
        return message == null || message.isBlank() ? kind : kind + ": " + message;
    }
}
