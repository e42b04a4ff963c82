package dev.berth.hostd.server;

import dev.berth.observability.DaemonThreads;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.hostd.build.Builds;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.ProblemType;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * Site builds. {@code POST} takes the sources as a tar and the build's command, output folder and
 * limits as query parameters; it answers 422 for a bad request or archive before anything runs,
 * else 200 with NDJSON: {@code {"log": LINE}} per line of the build's output as it comes, then one
 * {@code {"result": "succeeded"|"failed", "build": ID, "error": ...}}. A succeeded build's output
 * is read as a tar with {@code GET .../builds/ID/output?output=FOLDER} and dropped with
 * {@code DELETE .../builds/ID} (or after a while).
 */
@Path("/v1/sites/{siteId}/builds")
@Produces(MediaType.APPLICATION_JSON)
public class BuildsResource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SpecStore specs;
    private final Builds builds;
    private final ToLongFunction<SiteSpec> hostIdBase;
    private final int maxEntries;

    public BuildsResource(SpecStore specs, Builds builds, ToLongFunction<SiteSpec> hostIdBase, int maxEntries) {
        this.specs = specs;
        this.builds = builds;
        this.hostIdBase = hostIdBase;
        this.maxEntries = maxEntries;
    }

    @POST
    @Consumes({"application/x-tar", MediaType.APPLICATION_OCTET_STREAM})
    @Produces({"application/x-ndjson", MediaType.APPLICATION_JSON})
    public Response build(@PathParam("siteId") String siteId, @QueryParam("command") String command, @QueryParam("output") String output,
                          @QueryParam("cpuMillicores") String cpu, @QueryParam("memoryMib") String memory, @QueryParam("pids") String pids,
                          @QueryParam("timeoutSeconds") String timeout, @QueryParam("maxMib") String maxMib, InputStream sources)
            throws InvalidSpecException, HostOperationException {
        UUID id = SitesResource.parse(siteId);
        Builds.validate(command, output);
        List<String> problems = new ArrayList<>();
        int cpuMillicores = bounded("cpuMillicores", cpu, 10, 64_000, problems);
        int memoryMib = bounded("memoryMib", memory, 16, 65_536, problems);
        int pidLimit = bounded("pids", pids, 16, 65_536, problems);
        int seconds = bounded("timeoutSeconds", timeout, 1, (int) Builds.MAX_TIMEOUT.toSeconds(), problems);
        int diskMib = bounded("maxMib", maxMib, 1, 65_536, problems);
        if (!problems.isEmpty()) {
            throw new InvalidSpecException(problems);
        }
        Optional<SiteSpec> spec = specs.get(id);
        if (spec.isEmpty()) {
            return Problems.response(404, ProblemType.NOT_FOUND, "No such site", "hostd holds no spec for site " + siteId, List.of());
        }
        Builds.Prepared prepared = builds.prepare(new Builds.Request(id, spec.get().tenantId(), hostIdBase.applyAsLong(spec.get()),
                command, output, new ResourceLimits(cpuMillicores, memoryMib, pidLimit), Duration.ofSeconds(seconds),
                diskMib * 1024L * 1024L, maxEntries), sources);
        // Each line is a chunk of its own, sent as it comes (a StreamingOutput's flushes are not).
        org.glassfish.jersey.server.ChunkedOutput<String> body = new org.glassfish.jersey.server.ChunkedOutput<>(String.class);
        RUNNER.execute(() -> {
            ObjectNode end;
            try {
                Builds.Result result = builds.execute(prepared, line -> send(body, JSON.createObjectNode().put("log", line)));
                end = JSON.createObjectNode().put("result", result.succeeded() ? "succeeded" : "failed").put("build", result.buildId());
                if (result.error() != null) {
                    end.put("error", result.error());
                }
            } catch (HostOperationException | RuntimeException failure) {
                end = JSON.createObjectNode().put("result", "failed").put("error", String.valueOf(failure.getMessage()));
            }
            send(body, end);
            try {
                body.close();
            } catch (IOException gone) {
                // the caller went away; a succeeded build's output is swept later
            }
        });
        return Response.ok(body, "application/x-ndjson").build();
    }

    /** Builds run here, so that the answer's lines go out while they do. */
    private static final java.util.concurrent.ExecutorService RUNNER = java.util.concurrent.Executors.newCachedThreadPool(
            DaemonThreads.named("berth-build-stream"));

    /** Sends one NDJSON line; a caller gone away does not stop the build. */
    private static void send(org.glassfish.jersey.server.ChunkedOutput<String> body, ObjectNode line) {
        if (body.isClosed()) {
            return;
        }
        try {
            body.write(JSON.writeValueAsString(line) + "\n");
        } catch (IOException gone) {
            // the caller went away
        }
    }

    @GET
    @Path("{buildId}/output")
    @Produces({"application/x-tar", MediaType.APPLICATION_JSON})
    public Response output(@PathParam("siteId") String siteId, @PathParam("buildId") String buildId, @QueryParam("output") String output)
            throws InvalidSpecException {
        UUID site = SitesResource.parse(siteId);
        Builds.validate("x", output);
        StreamingOutput body = out -> {
            try {
                if (!builds.writeOutput(site, buildId, output, out)) {
                    throw new IOException("the build's output is gone");
                }
            } catch (InvalidSpecException impossible) {
                throw new IllegalStateException(impossible);
            }
        };
        if (!builds.hasOutput(site, buildId, output)) {
            return Problems.response(404, ProblemType.NOT_FOUND, "No such build output", "no output " + output + " of build " + buildId,
                    List.of());
        }
        return Response.ok(body, "application/x-tar").build();
    }

    @DELETE
    @Path("{buildId}")
    public Response remove(@PathParam("siteId") String siteId, @PathParam("buildId") String buildId) throws InvalidSpecException {
        builds.remove(SitesResource.parse(siteId), buildId);
        return Response.noContent().build();
    }

    private static int bounded(String name, String value, int min, int max, List<String> problems) {
        try {
            int parsed = Integer.parseInt(value == null ? "" : value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        problems.add(name + " must be a whole number from " + min + " to " + max);
        return min;
    }
}
