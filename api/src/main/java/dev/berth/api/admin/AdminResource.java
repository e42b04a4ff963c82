package dev.berth.api.admin;

import dev.berth.api.generated.model.CreateTenantRequest;
import dev.berth.api.generated.model.CreatedTenant;
import dev.berth.api.team.InvitationService;
import dev.berth.api.team.InvitationsResource;

import dev.berth.api.audit.AuditLog;
import dev.berth.api.audit.AuditResource;
import dev.berth.api.certificates.CertificateService;
import dev.berth.api.certificates.CertificatesResource;
import dev.berth.api.generated.model.AuditList;
import dev.berth.api.generated.model.Quota;
import dev.berth.api.generated.model.SiteList;
import dev.berth.api.generated.model.SuspendTenantRequest;
import dev.berth.api.generated.model.TenantList;
import dev.berth.api.generated.resources.AdminApi;
import dev.berth.api.operations.Operation;
import dev.berth.api.operations.OperationViews;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import dev.berth.api.sites.SiteViews;
import dev.berth.api.tenants.TenantDao;
import dev.berth.api.tenants.TenantService;
import dev.berth.api.tenants.TenantSuspensions;
import dev.berth.api.tenants.TenantViews;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;

/**
 * Platform administration: every tenant and site (with its certificate's state), quotas, operator
 * controls (suspend a tenant; stop, start and delete any site) and the platform-wide audit log.
 * Calls that act on another tenant name it for their audit entry; the actor is the admin.
 */
public final class AdminResource implements AdminApi {
    private final TenantService tenants;
    private final TenantSuspensions suspensions;
    private final SiteService sites;
    private final SiteViews views;
    private final CertificateService certificates;
    private final AuditLog auditLog;
    private final InvitationService invitations;
    private final java.util.function.Function<java.util.List<UUID>, Map<UUID, String>> nodeNames;

    /** @param nodeNames the name of the node that serves each of the given sites (NodeService#nodeNames) */
    public AdminResource(TenantService tenants, TenantSuspensions suspensions, SiteService sites, SiteViews views,
                         CertificateService certificates, AuditLog auditLog, InvitationService invitations,
                         java.util.function.Function<java.util.List<UUID>, Map<UUID, String>> nodeNames) {
        this.nodeNames = nodeNames;
        this.tenants = tenants;
        this.suspensions = suspensions;
        this.sites = sites;
        this.views = views;
        this.certificates = certificates;
        this.auditLog = auditLog;
        this.invitations = invitations;
    }

    @Override
    public Response adminCreateTenant(CreateTenantRequest request) {
        InvitationService.NewTenant created = invitations.createTenant(request.getTenantName(), request.getOwnerEmail());
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, created.tenantId());
        CreatedTenant body = new CreatedTenant(TenantViews.toDto(tenants.overview(created.tenantId())),
                InvitationsResource.toDto(created.ownerInvitation()));
        return Response.created(java.net.URI.create("admin/tenants/" + created.tenantId())).entity(body).build();
    }

    @Override
    public Response adminSuspendTenant(UUID tenantId, SuspendTenantRequest request) {
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, tenantId);
        // The tenant forgets the reason when it is unsuspended; the audit log keeps it.
        CurrentRequest.set(AuditLog.DETAIL_ATTRIBUTE, request.getReason());
        suspensions.suspend(tenantId, request.getReason());
        return Response.ok(TenantViews.toDto(tenants.overview(tenantId))).build();
    }

    @Override
    public Response adminUnsuspendTenant(UUID tenantId) {
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, tenantId);
        suspensions.unsuspend(tenantId);
        return Response.ok(TenantViews.toDto(tenants.overview(tenantId))).build();
    }

    @Override
    public Response adminStopSite(String siteName) {
        Site site = siteNamedForAudit(siteName);
        return accepted(sites.stop(site.tenantId(), site.name()));
    }

    @Override
    public Response adminStartSite(String siteName) {
        Site site = siteNamedForAudit(siteName);
        return accepted(sites.start(site.tenantId(), site.name()));
    }

    @Override
    public Response adminDeleteSite(String siteName) {
        Site site = siteNamedForAudit(siteName);
        return accepted(sites.delete(site.tenantId(), site.name()));
    }

    @Override
    public Response adminListAudit(String tenantId, String actorId, String action, String since, String until, String cursor,
                                   Integer limit) {
        AuditLog.Filter filter;
        try {
            filter = new AuditLog.Filter(uuid("tenantId", tenantId), actorId == null ? null : uuid("actorId", actorId).toString(),
                    action(action), time("since", since), time("until", until));
        } catch (IllegalArgumentException invalid) {
            throw ProblemException.invalidField("until", invalid.getMessage());
        }
        AuditLog.Page page = auditLog.search(filter, cursor, limit == null ? 50 : limit);
        AuditList list = new AuditList(page.items().stream().map(AuditResource::toDto).toList());
        list.setNextCursor(page.nextCursor());
        return Response.ok(list).build();
    }

    /** The site, wherever it is; its tenant goes into the call's audit entry. */
    private Site siteNamedForAudit(String siteName) {
        Site site = sites.getInAnyTenant(siteName);
        CurrentRequest.set(AuditLog.TENANT_ATTRIBUTE, site.tenantId());
        return site;
    }

    private static Response accepted(Operation operation) {
        return Response.accepted(OperationViews.toDto(operation)).location(URI.create("/api/v1/operations/" + operation.id())).build();
    }

    private static UUID uuid(String field, String value) {
        if (value == null) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException invalid) {
            throw ProblemException.invalidField(field, field + " must be a UUID");
        }
    }

    private static String action(String value) {
        if (value != null && !value.matches("[A-Za-z]{1,64}")) {
            throw ProblemException.invalidField("action", "action must be an operationId: 1 to 64 letters, e.g. adminSuspendTenant");
        }
        return value;
    }

    private static Instant time(String field, String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException invalid) {
            throw ProblemException.invalidField(field, field + " must be an RFC 3339 time such as 2026-12-05T10:00:00Z");
        }
    }

    @Override
    public Response adminListTenants(String cursor, Integer limit) {
        TenantService.Page page = tenants.list(cursor, limit == null ? 50 : limit);
        TenantList list = new TenantList(page.items().stream().map(TenantViews::toDto).toList());
        list.setNextCursor(page.nextCursor());
        return Response.ok(list).build();
    }

    @Override
    public Response adminGetQuota(UUID tenantId) {
        TenantDao.QuotaRow row = tenants.quota(tenantId);
        return Response.ok(TenantViews.toDto(row.quota())).tag(etag(row)).build();
    }

    @Override
    public Response adminPutQuota(UUID tenantId, Quota quota, String ifMatch) {
        dev.berth.api.tenants.Quota value;
        try {
            value = TenantViews.fromDto(quota);
        } catch (IllegalArgumentException invalid) {
            throw ProblemException.invalidField(invalid.getMessage().split(" ", 2)[0], invalid.getMessage());
        }
        TenantDao.QuotaRow row = tenants.replaceQuota(tenantId, value, ifMatch == null ? null : parseEtag(ifMatch));
        return Response.ok(TenantViews.toDto(row.quota())).tag(etag(row)).build();
    }

    @Override
    public Response adminListSites(String cursor, Integer limit) {
        SiteService.Page page = sites.listAll(cursor, limit == null ? 50 : limit);
        SiteList list = views.toAdminDto(page);
        Map<UUID, CertificateService.SiteCertificate> found = certificates.certificates(page.items());
        Map<UUID, String> nodes = nodeNames.apply(page.items().stream().map(dev.berth.api.sites.Site::id).toList());
        for (int index = 0; index < page.items().size(); index++) {
            list.getItems().get(index).setCertificate(CertificatesResource.summary(found.get(page.items().get(index).id())));
            list.getItems().get(index).setNode(nodes.get(page.items().get(index).id()));
        }
        return Response.ok(list).build();
    }

    private static EntityTag etag(TenantDao.QuotaRow row) {
        return new EntityTag("q" + row.version());
    }

    private static long parseEtag(String ifMatch) {
        String value = ifMatch.trim();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        value = value.replace("\"", "");
        if (!value.matches("q[0-9]{1,18}")) {
            throw Problems.PRECONDITION_FAILED.with("If-Match must be an ETag returned by GET of this quota");
        }
        return Long.parseLong(value.substring(1));
    }
}
