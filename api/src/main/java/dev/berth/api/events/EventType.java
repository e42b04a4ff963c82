package dev.berth.api.events;

import java.util.Arrays;
import java.util.Optional;

/** What can happen to a tenant's sites, deploys, certificates and quota; the wire names are the webhook {@code type}. */
public enum EventType {
    SITE_CREATED("site.created"),
    SITE_STARTED("site.started"),
    SITE_STOPPED("site.stopped"),
    SITE_DELETED("site.deleted"),
    SITE_FAILED("site.failed"),
    DEPLOY_LIVE("deploy.live"),
    DEPLOY_FAILED("deploy.failed"),
    CERTIFICATE_ISSUED("certificate.issued"),
    CERTIFICATE_FAILED("certificate.failed"),
    CERTIFICATE_EXPIRING("certificate.expiring"),
    QUOTA_NEAR("quota.near"),
    /** Sent only by {@code POST /webhooks/{id}/test}, to that endpoint; nobody subscribes to it. */
    WEBHOOK_TEST("webhook.test");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether endpoints and members may subscribe to it (every type but the test event). */
    public boolean subscribable() {
        return this != WEBHOOK_TEST;
    }

    public static Optional<EventType> fromWire(String value) {
        return Arrays.stream(values()).filter(type -> type.wireName.equals(value)).findFirst();
    }
}
