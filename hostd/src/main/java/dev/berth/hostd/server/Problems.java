package dev.berth.hostd.server;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RFC 9457 problem responses of hostd. */
public final class Problems {
    static final String TYPE_BASE = "https://berth.dev/problems/hostd/";

    private Problems() {
    }

    public static Response response(int status, String type, String title, String detail, List<String> problems) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (!problems.isEmpty()) {
            body.put("problems", problems);
        }
        return Response.status(status).type("application/problem+json").entity(body).build();
    }

    /** A refused spec or archive: 422, every broken rule listed, nothing changed. */
    public static final class InvalidSpecMapper implements ExceptionMapper<InvalidSpecException> {
        @Override
        public Response toResponse(InvalidSpecException exception) {
            return response(422, "invalid-spec", "Invalid request", exception.getMessage(), exception.problems());
        }
    }

    /** A host part failed while serving the request itself (not in the background): 500 with a logged id. */
    public static final class HostOperationMapper implements ExceptionMapper<HostOperationException> {
        private static final Logger LOG = LoggerFactory.getLogger(HostOperationMapper.class);

        @Override
        public Response toResponse(HostOperationException exception) {
            String correlation = UUID.randomUUID().toString();
            LOG.error("host operation failed, correlation id {}", correlation, exception);
            return response(500, "host-operation-failed", "Host operation failed",
                    exception.getMessage() + " (correlation id " + correlation + ")", List.of());
        }
    }
}
