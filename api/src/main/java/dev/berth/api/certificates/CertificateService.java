package dev.berth.api.certificates;

import dev.berth.api.auth.Caller;
import dev.berth.api.hosts.CertificateState;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.SiteHost;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import dev.berth.api.sites.SiteViews;
import java.util.List;
import java.util.Optional;

/**
 * Certificate state of a tenant's site, asked from the site's host (hostd owns certificates; the
 * API stores none). Tenant-scoped through {@link SiteService#get}: another tenant's site is a 404.
 */
public final class CertificateService {
    private final SiteService sites;
    private final SiteHost host;
    private final SiteViews views;

    public CertificateService(SiteService sites, SiteHost host, SiteViews views) {
        this.sites = sites;
        this.host = host;
        this.views = views;
    }

    /** What a site's certificate looks like now; {@code state} none (no HTTPS) or unknown (host unreachable) included. */
    public SiteCertificate certificate(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        List<String> hostnames = List.of(views.hostname(site.name()));
        try {
            Optional<CertificateState> state = host.certificate(site.id());
            return new SiteCertificate(hostnames, state.map(CertificateState::state).orElse("none"), state);
        } catch (HostException e) {
            return new SiteCertificate(hostnames, "unknown", Optional.empty(), e.getMessage());
        }
    }

    /** A site's hostnames and the state of the certificate covering them. */
    public record SiteCertificate(List<String> hostnames, String state, Optional<CertificateState> certificate, String hostError) {
        SiteCertificate(List<String> hostnames, String state, Optional<CertificateState> certificate) {
            this(hostnames, state, certificate, null);
        }
    }
}
