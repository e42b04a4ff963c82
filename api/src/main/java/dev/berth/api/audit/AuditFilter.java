package dev.berth.api.audit;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.platform.CurrentRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MultivaluedMap;
import java.net.URI;
import java.time.Clock;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every mutating call (any method but GET, HEAD and OPTIONS) that reached an endpoint:
 * actor, tenant, action (the operation id), target, client address, time and outcome, including
 * refused and failed calls.
 */
final class AuditFilter implements ContainerResponseFilter {
    private static final Logger LOG = LoggerFactory.getLogger(AuditFilter.class);
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private final AuditLog auditLog;
    private final Clock clock;
    private final String action;

    /**
     * @param action the operation id of the endpoint this filter instance watches
     */
    AuditFilter(AuditLog auditLog, Clock clock, String action) {
        this.auditLog = auditLog;
        this.clock = clock;
        this.action = action;
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (SAFE.contains(request.getMethod())) {
            return;
        }
        try {
            Caller caller = Access.callerOrNull();
            String actorType = caller == null ? "anonymous" : caller.viaToken() ? "token" : "user";
            String actorId = caller == null ? null : caller.viaToken() ? caller.tokenId().toString() : caller.userId().toString();
            String actorLabel = caller == null ? (String) request.getProperty(AuditLog.ACTOR_ATTRIBUTE)
                    : caller.viaToken() ? caller.tokenName() + " (" + caller.email() + ")" : caller.email();
            // An endpoint that acts on another tenant (a platform admin's) names it; else the caller's.
            UUID named = (UUID) request.getProperty(AuditLog.TENANT_ATTRIBUTE);
            UUID tenantId = named != null ? named : caller != null ? caller.tenantId() : null;
            int status = response.getStatus();
            String outcome = status < 400 ? "success" : status == 401 || status == 403 ? "denied" : "failure";
            auditLog.record(new AuditEntry(UUID.randomUUID(), clock.instant(), actorType, actorId, truncate(actorLabel, 254), tenantId,
                    action, truncate(target(request, response), 255), CurrentRequest.clientAddress(), outcome, status,
                    truncate((String) request.getProperty(AuditLog.DETAIL_ATTRIBUTE), 500)));
        } catch (RuntimeException failure) {
            LOG.error("Could not write an audit entry for {} {}", request.getMethod(), request.getUriInfo().getPath(), failure);
        }
    }

    private static String target(ContainerRequestContext request, ContainerResponseContext response) {
        Object named = request.getProperty(AuditLog.TARGET_ATTRIBUTE);
        if (named != null) {
            return named.toString();
        }
        MultivaluedMap<String, String> path = request.getUriInfo().getPathParameters();
        for (String key : new String[] {"siteName", "tokenId", "tenantId", "userId", "operationId"}) {
            if (path.containsKey(key)) {
                return path.getFirst(key);
            }
        }
        URI location = response.getLocation();
        if (location != null) {
            String text = location.getPath();
            return text.substring(text.lastIndexOf('/') + 1);
        }
        return null;
    }

    private static String truncate(String value, int length) {
        return value == null || value.length() <= length ? value : value.substring(0, length);
    }
}
