package dev.berth.api.events;

import dev.berth.api.caller.Access;
import dev.berth.api.generated.model.CreateWebhookEndpointRequest;
import dev.berth.api.generated.model.CreatedWebhookEndpoint;
import dev.berth.api.generated.model.DeliveredEventType;
import dev.berth.api.generated.model.UpdateWebhookEndpointRequest;
import dev.berth.api.generated.model.WebhookDeliveryList;
import dev.berth.api.generated.model.WebhookEndpointList;
import dev.berth.api.generated.resources.WebhookEndpointsApi;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/** A tenant's webhook endpoints and their deliveries; the owner and admins only (they hold the signing secrets). */
public final class WebhookEndpointsResource implements WebhookEndpointsApi {
    private final WebhookService webhooks;

    public WebhookEndpointsResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @Override
    public Response listWebhookEndpoints(String cursor, Integer limit) {
        WebhookService.Page<WebhookEndpoint> page = webhooks.list(Access.caller(), cursor, limit == null ? 50 : limit);
        WebhookEndpointList list = new WebhookEndpointList(page.items().stream().map(WebhookEndpointsResource::toDto).toList());
        list.setNextCursor(page.nextCursor());
        return Response.ok(list).build();
    }

    @Override
    public Response createWebhookEndpoint(CreateWebhookEndpointRequest request) {
        WebhookEndpoint endpoint = webhooks.create(Access.caller(), request.getUrl(), request.getDescription(), names(request.getEventTypes()));
        CreatedWebhookEndpoint body = new CreatedWebhookEndpoint(endpoint.id(), endpoint.url(), endpoint.description(),
                types(endpoint), endpoint.enabled(), Times.utc(endpoint.createdAt()), Times.utc(endpoint.updatedAt()), endpoint.secret());
        CacheControl cache = new CacheControl();
        cache.setNoStore(true);
        return Response.created(URI.create("/api/v1/webhooks/" + endpoint.id())).cacheControl(cache).entity(body).build();
    }

    @Override
    public Response getWebhookEndpoint(UUID endpointId) {
        WebhookEndpoint endpoint = webhooks.get(Access.caller(), endpointId);
        return Response.ok(toDto(endpoint)).tag(etag(endpoint)).build();
    }

    @Override
    public Response updateWebhookEndpoint(UUID endpointId, UpdateWebhookEndpointRequest request, String ifMatch) {
        WebhookEndpoint endpoint = webhooks.update(Access.caller(), endpointId, request.getUrl(), request.getDescription(),
                names(request.getEventTypes()), request.getEnabled(), ifMatch == null ? null : version(ifMatch));
        return Response.ok(toDto(endpoint)).tag(etag(endpoint)).build();
    }

    @Override
    public Response deleteWebhookEndpoint(UUID endpointId) {
        webhooks.delete(Access.caller(), endpointId);
        return Response.noContent().build();
    }

    @Override
    public Response listWebhookDeliveries(UUID endpointId, String cursor, Integer limit) {
        WebhookService.Page<WebhookDelivery> page = webhooks.deliveries(Access.caller(), endpointId, cursor, limit == null ? 50 : limit);
        WebhookDeliveryList list = new WebhookDeliveryList(page.items().stream().map(WebhookEndpointsResource::toDto).toList());
        list.setNextCursor(page.nextCursor());
        return Response.ok(list).build();
    }

    @Override
    public Response redeliverWebhookDelivery(UUID endpointId, UUID deliveryId) {
        return Response.accepted(toDto(webhooks.redeliver(Access.caller(), endpointId, deliveryId))).build();
    }

    @Override
    public Response testWebhookEndpoint(UUID endpointId) {
        return Response.accepted(toDto(webhooks.test(Access.caller(), endpointId))).build();
    }

    static dev.berth.api.generated.model.WebhookEndpoint toDto(WebhookEndpoint endpoint) {
        return new dev.berth.api.generated.model.WebhookEndpoint(endpoint.id(), endpoint.url(), endpoint.description(), types(endpoint),
                endpoint.enabled(), Times.utc(endpoint.createdAt()), Times.utc(endpoint.updatedAt()));
    }

    static dev.berth.api.generated.model.WebhookDelivery toDto(WebhookDelivery delivery) {
        dev.berth.api.generated.model.WebhookDelivery dto = new dev.berth.api.generated.model.WebhookDelivery(delivery.id(),
                delivery.endpointId(), delivery.eventId(), DeliveredEventType.fromValue(delivery.eventType()),
                dev.berth.api.generated.model.WebhookDelivery.StatusEnum.fromValue(delivery.status()), delivery.attempts(),
                Times.utc(delivery.createdAt()));
        dto.setResponseStatus(delivery.responseStatus());
        dto.setResponseExcerpt(delivery.responseExcerpt());
        dto.setLastError(delivery.lastError());
        dto.setLastAttemptAt(Times.utc(delivery.lastAttemptAt()));
        dto.setNextAttemptAt(Times.utc(delivery.nextAttemptAt()));
        dto.setDeliveredAt(Times.utc(delivery.deliveredAt()));
        return dto;
    }

    private static List<dev.berth.api.generated.model.EventType> types(WebhookEndpoint endpoint) {
        return endpoint.types().stream().map(type -> dev.berth.api.generated.model.EventType.fromValue(type.wireName())).toList();
    }

    static List<String> names(java.util.Collection<dev.berth.api.generated.model.EventType> types) {
        return types == null ? null : types.stream().map(dev.berth.api.generated.model.EventType::toString).toList();
    }

    private static EntityTag etag(WebhookEndpoint endpoint) {
        return new EntityTag("w" + endpoint.version());
    }

    private static long version(String ifMatch) {
        String value = ifMatch.trim().replaceFirst("^W/", "");
        if (value.matches("^\"w[0-9]{1,18}\"$")) {
            return Long.parseLong(value.substring(2, value.length() - 1));
        }
        throw ProblemException.invalidField("If-Match", "must be the ETag of a GET of this endpoint, such as \"w3\"");
    }
}
