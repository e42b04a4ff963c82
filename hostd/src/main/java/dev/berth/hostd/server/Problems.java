package dev.berth.hostd.server;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostprotocol.Problem;
import dev.berth.hostprotocol.ProblemType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RFC 9457 problem responses of hostd. */
public final class Problems {
    private Problems() {
    }

    /** A problem of one of the contract's types. */
    public static Response response(int status, ProblemType type, String title, String detail, List<String> problems) {
        return response(new Problem(type.uri(), title, status, detail, problems));
    }

    private static Response response(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    /** A refused spec or archive: 422, every broken rule listed, nothing changed. */
    public static final class InvalidSpecMapper implements ExceptionMapper<InvalidSpecException> {
        @Override
        public Response toResponse(InvalidSpecException exception) {
            if (exception instanceof dev.berth.hostd.content.DiskCeilingException) {
                return response(422, ProblemType.DISK_CEILING, "Site disk ceiling reached", exception.getMessage(), List.of());
            }
            return response(422, ProblemType.INVALID_SPEC, "Invalid request", exception.getMessage(), exception.problems());
        }
    }

    /** Malformed JSON, wrong types or unknown fields: 400, nothing changed. */
    public static final class JsonMapper implements ExceptionMapper<com.fasterxml.jackson.core.JsonProcessingException> {
        @Override
        public Response toResponse(com.fasterxml.jackson.core.JsonProcessingException exception) {
            String detail = exception.getOriginalMessage();
            if (exception instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException unknown) {
                detail = "unknown field '" + unknown.getPropertyName() + "'";
            }
            return response(400, ProblemType.MALFORMED_REQUEST, "Malformed request body",
                    detail == null ? "the body is not valid JSON for this request" : detail, List.of());
        }
    }

    /** Framework answers (unknown path 404, wrong method 405, wrong content type 415) as problems too. */
    public static final class WebApplicationMapper implements ExceptionMapper<jakarta.ws.rs.WebApplicationException> {
        @Override
        public Response toResponse(jakarta.ws.rs.WebApplicationException exception) {
            int status = exception.getResponse().getStatus();
            String title = jakarta.ws.rs.core.Response.Status.fromStatusCode(status) == null
                    ? "Error" : jakarta.ws.rs.core.Response.Status.fromStatusCode(status).getReasonPhrase();
            return response(new Problem(ProblemType.ofHttpStatus(status), title, status, exception.getMessage(), List.of()));
        }
    }

    /** Anything unexpected: 500 with a correlation id that is logged with the stack trace. */
    public static final class UnexpectedMapper implements ExceptionMapper<Throwable> {
        private static final Logger LOG = LoggerFactory.getLogger(UnexpectedMapper.class);

        @Override
        public Response toResponse(Throwable exception) {
            String correlation = UUID.randomUUID().toString();
            LOG.error("unexpected failure, correlation id {}", correlation, exception);
            return response(500, ProblemType.INTERNAL, "Internal error", "correlation id " + correlation, List.of());
        }
    }

    /** A host part failed while serving the request itself (not in the background): 500 with a logged id. */
    public static final class HostOperationMapper implements ExceptionMapper<HostOperationException> {
        private static final Logger LOG = LoggerFactory.getLogger(HostOperationMapper.class);

        @Override
        public Response toResponse(HostOperationException exception) {
            String correlation = UUID.randomUUID().toString();
            LOG.error("host operation failed, correlation id {}", correlation, exception);
            return response(500, ProblemType.HOST_OPERATION_FAILED, "Host operation failed",
                    exception.getMessage() + " (correlation id " + correlation + ")", List.of());
        }
    }
}
