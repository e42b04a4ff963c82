package dev.berth.api.platform;

import java.util.List;
import java.util.Map;

/**
 * A failure that answers the client with a specific RFC 9457 problem. Thrown by services; mapped to
 * {@code application/problem+json} by {@link ProblemMappers}.
 */
public class ProblemException extends RuntimeException {
    private final Problems problem;
    private final List<FieldProblem> fieldProblems;
    private final Map<String, String> headers;

    public ProblemException(Problems problem, String detail) {
        this(problem, detail, List.of(), Map.of());
    }

    public ProblemException(Problems problem, String detail, List<FieldProblem> fieldProblems, Map<String, String> headers) {
        super(detail, null, false, false);
        this.problem = problem;
        this.fieldProblems = List.copyOf(fieldProblems);
        this.headers = Map.copyOf(headers);
    }

    /** A 400 naming one offending field. */
    public static ProblemException invalidField(String field, String message) {
        return new ProblemException(Problems.VALIDATION, field + ": " + message, List.of(new FieldProblem(field, message)), Map.of());
    }

    public Problems problem() {
        return problem;
    }

    public List<FieldProblem> fieldProblems() {
        return fieldProblems;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** One offending field of a request and what is wrong with it. */
    public record FieldProblem(String field, String message) {
    }
}
