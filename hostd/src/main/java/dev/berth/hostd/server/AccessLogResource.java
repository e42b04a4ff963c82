package dev.berth.hostd.server;

import dev.berth.hostd.accesslog.AccessLogReader;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.AccessLogEntry;
import dev.berth.hostprotocol.AccessLogPage;
import dev.berth.hostprotocol.ProblemType;
import dev.berth.hostprotocol.RequestCounter;
import dev.berth.hostprotocol.SiteSpec;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What the proxy logged for the sites hostd holds: a site's recent requests, and (in
 * {@link RequestCounters}) every site's request counter for the API's usage graphs. A site is
 * named by its id only; the file is hostd's choice.
 *
 * <p>The full path is the class's own: JAX-RS picks one root resource by its path and never
 * falls back to another, so a method path below {@code /v1/sites} would be hidden by
 * {@link SitesResource}.
 */
@Path("/v1/sites/{siteId}/access-log")
@Produces(MediaType.APPLICATION_JSON)
public class AccessLogResource {
    private static final com.fasterxml.jackson.databind.ObjectMapper LINES = new com.fasterxml.jackson.databind.ObjectMapper();
    private final SpecStore specs;
    private final AccessLogReader logs;

    public AccessLogResource(SpecStore specs, AccessLogReader logs) {
        this.specs = specs;
        this.logs = logs;
    }

    /** The last {@code lines} (1 to 200, default 50) requests of a site, newest first. 404 for a site hostd does not hold. */
    @GET
    public Response tail(@PathParam("siteId") String siteId, @QueryParam("lines") @DefaultValue("50") String lines)
            throws InvalidSpecException, HostOperationException {
        UUID id = SitesResource.parse(siteId);
        int count;
        try {
            count = Integer.parseInt(lines);
        } catch (NumberFormatException notANumber) {
            count = -1;
        }
        if (count < 1 || count > AccessLogReader.MAX_LINES) {
            throw new InvalidSpecException("lines must be a whole number from 1 to " + AccessLogReader.MAX_LINES);
        }
        if (specs.get(id).isEmpty()) {
            return Problems.response(404, ProblemType.NOT_FOUND, "No such site", "hostd holds no spec for site " + siteId, List.of());
        }
        try {
            return Response.ok(new AccessLogPage(id, logs.tail(id, count))).build();
        } catch (IOException e) {
            throw new HostOperationException("cannot read the access log of site " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * NDJSON, one request per line (the fields of {@link AccessLogEntry}), oldest first: the
     * site's requests stamped {@code from <= time < to} (RFC 3339), at most {@code limit} (1 to
     * 100,000, default 100,000). 404 for a site hostd does not hold, 422 for a bad range.
     */
    @GET
    @Path("range")
    @Produces("application/x-ndjson")
    public Response range(@PathParam("siteId") String siteId, @QueryParam("from") String from, @QueryParam("to") String to,
                          @QueryParam("limit") @DefaultValue("100000") String limit) throws InvalidSpecException {
        UUID id = SitesResource.parse(siteId);
        java.time.Instant start = instant("from", from);
        java.time.Instant end = instant("to", to);
        int count;
        try {
            count = Integer.parseInt(limit);
        } catch (NumberFormatException notANumber) {
            count = -1;
        }
        if (count < 1 || count > AccessLogReader.MAX_RANGE_ENTRIES) {
            throw new InvalidSpecException("limit must be a whole number from 1 to " + AccessLogReader.MAX_RANGE_ENTRIES);
        }
        if (!end.isAfter(start)) {
            throw new InvalidSpecException("to must be after from");
        }
        if (specs.get(id).isEmpty()) {
            return Problems.response(404, ProblemType.NOT_FOUND, "No such site", "hostd holds no spec for site " + siteId, List.of());
        }
        int max = count;
        jakarta.ws.rs.core.StreamingOutput body = out -> {
            java.io.Writer writer = new java.io.BufferedWriter(new java.io.OutputStreamWriter(out, java.nio.charset.StandardCharsets.UTF_8));
            try {
                logs.range(id, start, end, max, entry -> {
                    try {
                        writer.write(LINES.writeValueAsString(entry));
                        writer.write('\n');
                    } catch (IOException failed) {
                        throw new java.io.UncheckedIOException(failed);
                    }
                });
            } catch (java.io.UncheckedIOException failed) {
                throw failed.getCause();
            }
            writer.flush();
        };
        return Response.ok(body, "application/x-ndjson").build();
    }

    private static java.time.Instant instant(String name, String value) throws InvalidSpecException {
        try {
            return java.time.OffsetDateTime.parse(value == null ? "" : value).toInstant();
        } catch (java.time.format.DateTimeParseException unreadable) {
            throw new InvalidSpecException(name + " must be an RFC 3339 time such as 2026-12-04T10:00:00Z");
        }
    }

    /**
     * Every held site's request counter: requests counted since this hostd first looked (see
     * {@link AccessLogReader#requests}). A site whose log cannot be read is left out.
     */
    @Path("/v1/usage/requests")
    @Produces(MediaType.APPLICATION_JSON)
    public static class RequestCounters {
        private final SpecStore specs;
        private final AccessLogReader logs;

        public RequestCounters(SpecStore specs, AccessLogReader logs) {
            this.specs = specs;
            this.logs = logs;
        }

        @GET
        public List<RequestCounter> all() {
            List<SiteSpec> held = specs.all();
            logs.retainOnly(held.stream().map(SiteSpec::siteId).collect(Collectors.toSet()));
            List<RequestCounter> counters = new ArrayList<>();
            for (SiteSpec spec : held) {
                try {
                    counters.add(new RequestCounter(spec.siteId(), logs.requests(spec.siteId())));
                } catch (IOException unreadable) {
                    org.slf4j.LoggerFactory.getLogger(AccessLogResource.class)
                            .warn("cannot count the requests of site {}: {}", spec.siteId(), unreadable.getMessage());
                }
            }
            return counters;
        }
    }
}
