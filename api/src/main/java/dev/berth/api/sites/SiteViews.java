package dev.berth.api.sites;

import dev.berth.api.generated.model.DesiredState;
import dev.berth.api.generated.model.ObservedState;
import dev.berth.api.generated.model.SiteList;
import dev.berth.api.hosts.HostFault;
import dev.berth.api.platform.Times;
import java.util.List;

/** Converts stored sites and operations to their API representations. */
public final class SiteViews {
    private final String domain;
    private final String urlScheme;

    /**
     * @param domain     the platform domain: a site is served at NAME.domain
     * @param urlScheme  http or https, for the site's URL
     */
    public SiteViews(String domain, String urlScheme) {
        this.domain = domain;
        this.urlScheme = urlScheme;
    }

    public String hostname(String siteName) {
        return siteName + "." + domain;
    }

    /** Where visitors reach a site of this name. */
    public String url(String siteName) {
        return urlScheme + "://" + hostname(siteName) + "/";
    }

    public dev.berth.api.generated.model.Site toDto(Site site) {
        dev.berth.api.generated.model.Site dto = new dev.berth.api.generated.model.Site(site.name(), hostname(site.name()),
                site.tenantId(), DesiredState.fromValue(site.desiredState()), ObservedState.fromValue(site.observedState()),
                Times.utc(site.createdAt()), Times.utc(site.updatedAt()));
        dto.setUrl(url(site.name()));
        dto.setTenantName(site.tenantName());
        dto.setIpv4(site.ipv4());
        dto.setIpv6(site.ipv6());
        if (site.lastError() != null) {
            // The host's own words name paths, commands and addresses: a tenant reads the stable fault instead.
            HostFault fault = HostFault.fromSlug(site.lastErrorType());
            dto.setLastError(fault.reason());
            dto.setLastErrorType(fault.type());
        }
        if (site.protection() != null) {
            dto.setProtection(toDto(site.protection()));
        }
        dto.setServing(new dev.berth.api.generated.model.SiteServing(site.spa(), site.cleanUrls()));
        return dto;
    }

    /** A site's protection as anybody may see it: never the password's verifier. */
    public static dev.berth.api.generated.model.SiteProtection toDto(Protection protection) {
        dev.berth.api.generated.model.SiteProtection dto = new dev.berth.api.generated.model.SiteProtection(
                protection.passwordProtected(), protection.allowedAddresses(), Times.utc(protection.updatedAt()));
        dto.setUsername(protection.username());
        dto.setPathPrefix(protection.pathPrefix());
        return dto;
    }

    /** The site as a platform admin sees it: with the host's own words about its last error. */
    public dev.berth.api.generated.model.Site toAdminDto(Site site) {
        return toDto(site).hostDetail(site.lastError());
    }

    public SiteList toDto(SiteService.Page page) {
        return list(page, this::toDto);
    }

    /** A tenant's page of sites, the branch previews among them saying whose and which branch. */
    public SiteList toDto(SiteService.Page page, java.util.Map<java.util.UUID, PreviewDao.Link> previews) {
        return list(page, site -> withPreview(toDto(site), previews.get(site.id())));
    }

    /** Marks a site's representation as a preview of {@code link}'s site and branch; unchanged without one. */
    public static dev.berth.api.generated.model.Site withPreview(dev.berth.api.generated.model.Site dto, PreviewDao.Link link) {
        return link == null ? dto : dto.previewOf(new dev.berth.api.generated.model.SitePreviewOf(link.parentName(), link.branch()));
    }

    /** A page of sites as platform admins see them. */
    public SiteList toAdminDto(SiteService.Page page) {
        return list(page, this::toAdminDto);
    }

    private static SiteList list(SiteService.Page page, java.util.function.Function<Site, dev.berth.api.generated.model.Site> view) {
        List<dev.berth.api.generated.model.Site> items = page.items().stream().map(view).toList();
        SiteList list = new SiteList(items);
        list.setNextCursor(page.nextCursor());
        return list;
    }
}
