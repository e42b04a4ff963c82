package dev.berth.api.deploys;

import dev.berth.api.generated.model.WebhookResult;
import dev.berth.api.generated.resources.WebhooksApi;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;

/**
 * Push webhooks from Git hosts. Public: a delivery authenticates with the site's secret. Answers
 * within a second; the deploy itself runs in the {@link DeployWorker}.
 */
public final class WebhooksResource implements WebhooksApi {
    private static final int MAX_BODY_BYTES = 1024 * 1024;

    private final DeployService deploys;
    private final Runnable nudgeWorker;

    public WebhooksResource(DeployService deploys, Runnable nudgeWorker) {
        this.deploys = deploys;
        this.nudgeWorker = nudgeWorker;
    }

    @Override
    public Response receiveGitWebhook(String siteName, InputStream body) {
        byte[] raw;
        try {
            raw = body.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw Problems.VALIDATION.with("the delivery could not be read");
        }
        if (raw.length > MAX_BODY_BYTES) {
            throw Problems.PAYLOAD_TOO_LARGE.with("a delivery may be at most 1 MiB");
        }
        HttpServletRequest request = CurrentRequest.get();
        DeployService.WebhookResult outcome = deploys.receiveWebhook(siteName, request::getHeader, raw, CurrentRequest.clientAddress());
        if ("queued".equals(outcome.outcome())) {
            nudgeWorker.run();
        }
        WebhookResult result = new WebhookResult(WebhookResult.OutcomeEnum.fromValue(outcome.outcome()));
        result.setReason(outcome.reason());
        result.setDeployId(outcome.deployId());
        result.setPreview(outcome.preview());
        return Response.accepted(result).build();
    }
}
