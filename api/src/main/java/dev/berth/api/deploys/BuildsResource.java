package dev.berth.api.deploys;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.SiteBuild;
import dev.berth.api.generated.resources.BuildsApi;
import dev.berth.api.platform.ProblemException;
import jakarta.ws.rs.core.Response;

/** A tenant's site's build step. */
public final class BuildsResource implements BuildsApi {
    private final SiteBuilds builds;

    public BuildsResource(SiteBuilds builds) {
        this.builds = builds;
    }

    @Override
    public Response getSiteBuild(String siteName) {
        return Response.ok(dto(builds.get(Access.caller(), siteName))).build();
    }

    @Override
    public Response putSiteBuild(String siteName, SiteBuild request) {
        if (request == null || request.getCommand() == null) {
            throw ProblemException.invalidField("command", "is required");
        }
        if (request.getOutputDirectory() == null) {
            throw ProblemException.invalidField("outputDirectory", "is required");
        }
        return Response.ok(dto(builds.set(Access.caller(), siteName, new SiteBuilds.Step(request.getCommand(), request.getOutputDirectory()))))
                .build();
    }

    @Override
    public Response deleteSiteBuild(String siteName) {
        builds.delete(Access.caller(), siteName);
        return Response.noContent().build();
    }

    private static SiteBuild dto(SiteBuilds.Step step) {
        return new SiteBuild(step.command(), step.outputDirectory());
    }
}
