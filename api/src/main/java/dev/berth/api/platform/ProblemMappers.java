package dev.berth.api.platform;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.berth.api.generated.model.FieldError;
import dev.berth.api.generated.model.Problem;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.glassfish.jersey.server.ParamException;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every failure to an RFC 9457 {@code application/problem+json} answer. One mapper per
 * exception family; server errors carry a correlation id that is also logged with the stack trace.
 */
public final class ProblemMappers {
    public static final MediaType PROBLEM_JSON = MediaType.valueOf("application/problem+json");
    private static final Logger LOG = LoggerFactory.getLogger(ProblemMappers.class);

    private ProblemMappers() {
    }

    /** Every mapper, for registration with Jersey. */
    public static List<Object> all() {
        return List.of(new ProblemExceptionMapper(), new ViolationMapper(), new JsonMapper(),
                new WebApplicationMapper(), new CatchAllMapper());
    }

    static Response build(Problems kind, String detail, List<ProblemException.FieldProblem> fields, String instance) {
        Problem body = new Problem(kind.type().toString(), kind.title(), kind.status());
        body.setDetail(detail);
        body.setInstance(instance);
        body.setErrors(fields.isEmpty() ? null
                : fields.stream().map(f -> new FieldError(f.field(), f.message())).collect(Collectors.toList()));
        return Response.status(kind.status()).type(PROBLEM_JSON).entity(body).build();
    }

    private static String instanceOf(UriInfo uriInfo) {
        if (uriInfo != null) {
            return uriInfo.getRequestUri().getPath();
        }
        try {
            return CurrentRequest.get().getRequestURI();
        } catch (IllegalStateException outsideRequest) {
            return null;
        }
    }

    static final class ProblemExceptionMapper implements ExceptionMapper<ProblemException> {
        @Context
        UriInfo uriInfo;

        @Override
        public Response toResponse(ProblemException exception) {
            Response response = build(exception.problem(), exception.getMessage(), exception.fieldProblems(), instanceOf(uriInfo));
            if (exception.headers().isEmpty()) {
                return response;
            }
            Response.ResponseBuilder builder = Response.fromResponse(response);
            exception.headers().forEach(builder::header);
            return builder.build();
        }
    }

    /** Bean-validation failures of bodies, path, query and header parameters. */
    static final class ViolationMapper implements ExceptionMapper<ConstraintViolationException> {
        @Context
        UriInfo uriInfo;

        @Override
        public Response toResponse(ConstraintViolationException exception) {
            List<ProblemException.FieldProblem> fields = new ArrayList<>();
            for (ConstraintViolation<?> violation : exception.getConstraintViolations()) {
                fields.add(new ProblemException.FieldProblem(fieldName(violation.getPropertyPath()), violation.getMessage()));
            }
            fields.sort(Comparator.comparing(ProblemException.FieldProblem::field));
            String detail = fields.stream().map(f -> f.field() + " " + f.message()).collect(Collectors.joining("; "));
            return build(Problems.VALIDATION, detail, fields, instanceOf(uriInfo));
        }

        /** "createSite.createSiteRequest.name" becomes "name"; a missing body becomes "body". */
        static String fieldName(Path path) {
            List<String> names = new ArrayList<>();
            boolean afterParameter = false;
            String parameter = null;
            for (Path.Node node : path) {
                if (node.getKind() == ElementKind.PARAMETER) {
                    afterParameter = true;
                    parameter = node.getName();
                    continue;
                }
                if (afterParameter && node.getName() != null) {
                    names.add(node.getIndex() != null ? node.getName() + "[" + node.getIndex() + "]" : node.getName());
                }
            }
            if (!names.isEmpty()) {
                return String.join(".", names);
            }
            if (parameter != null && parameter.endsWith("Request")) {
                return "body";
            }
            if (parameter == null) {
                return path.toString();
            }
            // Dropwizard names parameters after their source: "query param limit", "header If-Match".
            return parameter.replaceFirst("^(query param|path param|header|form field|cookie) ", "");
        }
    }

    /** Malformed JSON, wrong types and unknown properties. */
    static final class JsonMapper implements ExceptionMapper<JsonProcessingException> {
        @Context
        UriInfo uriInfo;

        @Override
        public Response toResponse(JsonProcessingException exception) {
            if (exception instanceof UnrecognizedPropertyException unknown) {
                String field = fieldPath(unknown);
                return build(Problems.VALIDATION, "unknown property '" + field + "'",
                        List.of(new ProblemException.FieldProblem(field, "is not a property of this request")), instanceOf(uriInfo));
            }
            if (exception instanceof InvalidFormatException || exception instanceof MismatchedInputException) {
                JsonMappingException mapping = (JsonMappingException) exception;
                if (!mapping.getPath().isEmpty()) {
                    String field = fieldPath(mapping);
                    String expected = mapping instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
                            ? "must be " + describe(mismatch.getTargetType()) : "has the wrong type";
                    return build(Problems.VALIDATION, field + " " + expected,
                            List.of(new ProblemException.FieldProblem(field, expected)), instanceOf(uriInfo));
                }
                return build(Problems.VALIDATION, "the body must be a JSON object", List.of(), instanceOf(uriInfo));
            }
            // Valid JSON whose value the target refuses (an unknown enum constant, an int too large): the field is wrong,
            // not the syntax. A syntax error inside a field's value arrives wrapped the same way and stays malformed-json.
            Throwable cause = exception.getCause();
            if (exception instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()
                    && (cause instanceof InputCoercionException || !(cause instanceof StreamReadException))) {
                String field = fieldPath(mapping);
                String rule = cause instanceof InputCoercionException ? "is out of range" : "is not an allowed value";
                return build(Problems.VALIDATION, field + " " + rule, List.of(new ProblemException.FieldProblem(field, rule)), instanceOf(uriInfo));
            }
            if (exception instanceof InputCoercionException coercion) {
                JsonParser parser = coercion.getProcessor();
                String field = parser != null && parser.getParsingContext().getCurrentName() != null
                        ? parser.getParsingContext().getCurrentName() : "body";
                return build(Problems.VALIDATION, field + " is out of range",
                        List.of(new ProblemException.FieldProblem(field, "is out of range")), instanceOf(uriInfo));
            }
            String location = exception.getLocation() == null ? ""
                    : " at line " + exception.getLocation().getLineNr() + ", column " + exception.getLocation().getColumnNr();
            return build(Problems.MALFORMED_JSON, "the body is not valid JSON" + location, List.of(), instanceOf(uriInfo));
        }

        private static String fieldPath(JsonMappingException exception) {
            return exception.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
        }

        private static String describe(Class<?> type) {
            if (type == String.class) {
                return "a string";
            }
            if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
                return "a number";
            }
            if (type == Boolean.class || type == boolean.class) {
                return "a boolean";
            }
            if (type.isEnum()) {
                return "one of the allowed values";
            }
            if (List.class.isAssignableFrom(type)) {
                return "an array";
            }
            return "an object";
        }
    }

    /** Routing failures (unknown path, wrong method, wrong content type) and other JAX-RS errors. */
    static final class WebApplicationMapper implements ExceptionMapper<WebApplicationException> {
        @Context
        UriInfo uriInfo;

        @Override
        public Response toResponse(WebApplicationException exception) {
            int status = exception.getResponse().getStatus();
            Problems kind;
            String detail;
            if (exception instanceof NotSupportedException) {
                kind = Problems.UNSUPPORTED_MEDIA_TYPE;
                detail = "send the body as application/json";
            } else if (exception instanceof NotAllowedException) {
                kind = Problems.METHOD_NOT_ALLOWED;
                detail = "allowed: " + String.join(", ", exception.getResponse().getAllowedMethods());
            } else if (exception instanceof NotAcceptableException) {
                kind = Problems.NOT_ACCEPTABLE;
                detail = "this resource answers application/json";
            } else if (exception instanceof ParamException param && !(param instanceof ParamException.PathParamException)) {
                // JAX-RS answers 404 when a query or header parameter does not convert (limit=abc); the resource exists,
                // the parameter is wrong. A path parameter that does not convert names no resource, so that stays 404.
                return build(Problems.VALIDATION, param.getParameterName() + " has the wrong type",
                        List.of(new ProblemException.FieldProblem(param.getParameterName(), "has the wrong type")), instanceOf(uriInfo));
            } else if (status == 404) {
                kind = Problems.NOT_FOUND;
                detail = "no such resource";
            } else if (status == 413) {
                kind = Problems.PAYLOAD_TOO_LARGE;
                detail = "the request body is too large";
            } else if (status >= 500) {
                return new CatchAllMapper().toResponse(exception);
            } else {
                kind = status == 401 ? Problems.UNAUTHENTICATED : status == 403 ? Problems.FORBIDDEN : Problems.VALIDATION;
                detail = exception.getMessage();
            }
            Response response = build(kind, detail, List.of(), instanceOf(uriInfo));
            if (exception instanceof NotAllowedException) {
                return Response.fromResponse(response).allow(exception.getResponse().getAllowedMethods()).build();
            }
            return response;
        }
    }

    /** Anything unexpected: a 500 whose correlation id ties the answer to the logged stack trace. */
    static final class CatchAllMapper implements ExceptionMapper<Throwable> {
        @Override
        public Response toResponse(Throwable exception) {
            // The request's own id (X-Request-Id, in every log line of the request); a random one outside a request.
            String correlationId = dev.berth.observability.RequestIds.current() != null
                    ? dev.berth.observability.RequestIds.current() : UUID.randomUUID().toString();
            LOG.error("Unhandled error, correlation id {}", correlationId, exception);
            Problem body = new Problem(Problems.INTERNAL.type().toString(), Problems.INTERNAL.title(), 500);
            body.setDetail("an unexpected error occurred; quote the correlation id to the operator");
            body.setCorrelationId(correlationId);
            body.setErrors(null);
            return Response.status(500).type(PROBLEM_JSON).entity(body).build();
        }
    }
}
