package dev.berth.api.deploys;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.DesiredState;
import dev.berth.api.generated.model.ObservedState;
import dev.berth.api.generated.model.PreviewList;
import dev.berth.api.generated.resources.PreviewsApi;
import dev.berth.api.platform.Times;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteViews;
import jakarta.ws.rs.core.Response;
import java.time.Duration;

/** A site's branch previews. */
public final class PreviewsResource implements PreviewsApi {
    private final DeployService deploys;
    private final SiteViews views;
    private final Duration previewLifetime;

    /** @param previewLifetime how long a preview lives after its branch's last push ({@code deploys.previewDays}) */
    public PreviewsResource(DeployService deploys, SiteViews views, Duration previewLifetime) {
        this.deploys = deploys;
        this.views = views;
        this.previewLifetime = previewLifetime;
    }

    @Override
    public Response listPreviews(String siteName) {
        return Response.ok(new PreviewList(deploys.previews(Access.caller(), siteName).stream().map(this::toDto).toList())).build();
    }

    private dev.berth.api.generated.model.Preview toDto(DeployService.PreviewState state) {
        Site site = state.preview().site();
        dev.berth.api.generated.model.Preview dto = new dev.berth.api.generated.model.Preview(state.preview().preview().branch(),
                site.name(), views.hostname(site.name()), views.url(site.name()), DesiredState.fromValue(site.desiredState()),
                ObservedState.fromValue(site.observedState()), Times.utc(site.createdAt()),
                Times.utc(state.preview().preview().lastPushAt()), Times.utc(state.preview().preview().lastPushAt().plus(previewLifetime)));
        dto.setReleaseId(site.releaseId());
        if (state.live() != null) {
            dto.setLiveDeployId(state.live().id());
        }
        if (state.newest() != null) {
            dto.setLastDeployId(state.newest().id());
            dto.setLastDeployStatus(dev.berth.api.generated.model.Preview.LastDeployStatusEnum.fromValue(state.newest().status()));
            dto.setLastDeployError(state.newest().error());
        }
        return dto;
    }
}
