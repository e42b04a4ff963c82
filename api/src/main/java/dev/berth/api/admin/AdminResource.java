package dev.berth.api.admin;

import dev.berth.api.caller.Caller;
import dev.berth.api.certificates.CertificateService;
import dev.berth.api.certificates.CertificatesResource;
import dev.berth.api.generated.model.Quota;
import dev.berth.api.generated.model.SiteList;
import dev.berth.api.generated.model.TenantList;
import dev.berth.api.generated.resources.AdminApi;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.sites.SiteService;
import dev.berth.api.sites.SiteViews;
import dev.berth.api.tenants.TenantDao;
import dev.berth.api.tenants.TenantService;
import dev.berth.api.tenants.TenantViews;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;

/** Platform administration: every tenant and site (with its certificate's state), and quotas. */
@RolesAllowed(Caller.ADMIN)
public final class AdminResource implements AdminApi {
    private final TenantService tenants;
    private final SiteService sites;
    private final SiteViews views;
    private final CertificateService certificates;

    public AdminResource(TenantService tenants, SiteService sites, SiteViews views, CertificateService certificates) {
        this.tenants = tenants;
        this.sites = sites;
        this.views = views;
        this.certificates = certificates;
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
        for (int index = 0; index < page.items().size(); index++) {
            list.getItems().get(index).setCertificate(CertificatesResource.summary(found.get(page.items().get(index).id())));
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
