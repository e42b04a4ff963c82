package dev.berth.api.events;

import com.fasterxml.jackson.databind.JsonNode;

/** One sentence per event, for notification e-mail subjects and bodies. */
final class EventSummaries {
    private EventSummaries() {
    }

    static String summary(EventType type, JsonNode data) {
        String site = data.path("site").asText("?");
        String error = data.path("error").asText("");
        String because = error.isEmpty() ? "" : ": " + error;
        String covering = data.path("certificate").path("hostnames").isArray() && data.path("certificate").path("hostnames").size() > 0
                ? data.path("certificate").path("hostnames").get(0).asText() : site;
        return switch (type) {
            case SITE_CREATED -> "Site " + site + " was created";
            case SITE_STARTED -> "Site " + site + " is running";
            case SITE_STOPPED -> "Site " + site + " is stopped";
            case SITE_DELETED -> "Site " + site + " was deleted";
            case SITE_FAILED -> "Site " + site + " failed" + because;
            case DEPLOY_LIVE -> "A deploy of " + site + " is live";
            case DEPLOY_FAILED -> "A deploy of " + site + " failed" + because;
            case CERTIFICATE_ISSUED -> "A certificate for " + covering + " was issued";
            case CERTIFICATE_FAILED -> "The certificate for " + covering + " could not be issued" + because;
            case CERTIFICATE_EXPIRING -> "The certificate for " + covering + " expires at " + data.path("certificate").path("notAfter").asText("?");
            case QUOTA_NEAR -> "The tenant uses " + data.path("quota").path("used").asText("?") + " of its "
                    + data.path("quota").path("limit").asText("?") + " " + data.path("quota").path("name").asText("?");
            case WEBHOOK_TEST -> "Test event";
        };
    }
}
