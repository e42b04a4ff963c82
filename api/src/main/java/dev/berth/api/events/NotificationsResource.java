package dev.berth.api.events;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.EventType;
import dev.berth.api.generated.model.NotificationPreferences;
import dev.berth.api.generated.model.NotificationPreferencesRequest;
import dev.berth.api.generated.resources.NotificationsApi;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** The caller's own choice of notification e-mail. */
public final class NotificationsResource implements NotificationsApi {
    private final NotificationService notifications;

    public NotificationsResource(NotificationService notifications) {
        this.notifications = notifications;
    }

    @Override
    public Response getNotificationPreferences() {
        Caller caller = Access.caller();
        return Response.ok(toDto(caller, notifications.preferences(caller))).build();
    }

    @Override
    public Response putNotificationPreferences(NotificationPreferencesRequest request) {
        Caller caller = Access.caller();
        return Response.ok(toDto(caller, notifications.replace(caller, WebhookEndpointsResource.names(request.getEventTypes())))).build();
    }

    private static NotificationPreferences toDto(Caller caller, List<String> types) {
        return new NotificationPreferences(caller.email(), types.stream().map(EventType::fromValue).toList());
    }
}
