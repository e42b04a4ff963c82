package dev.berth.api.audit;

import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.time.Clock;

/** Puts an {@link AuditFilter} behind every endpoint, named after the endpoint's operation id. */
public final class AuditFeature implements DynamicFeature {
    private final AuditLog auditLog;
    private final Clock clock;

    public AuditFeature(AuditLog auditLog, Clock clock) {
        this.auditLog = auditLog;
        this.clock = clock;
    }

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        context.register(new AuditFilter(auditLog, clock, resourceInfo.getResourceMethod().getName()));
    }
}
