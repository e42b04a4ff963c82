package dev.berth.api.certificates;

import dev.berth.api.caller.Caller;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.sites.Site;
import dev.berth.api.sites.SiteService;
import dev.berth.api.sites.SiteViews;
import dev.berth.hostprotocol.CertificateState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Certificate state of a tenant's site, asked from the site's node (the certificate it serves),
 * overlaid with the API's own attempts to obtain it ({@link CertificateStore#overlay}).
 * Tenant-scoped through {@link SiteService#get}: another tenant's site is a 404.
 */
public final class CertificateService {
    private final SiteService sites;
    private final HostInsights host;
    private final SiteViews views;

    public CertificateService(SiteService sites, HostInsights host, SiteViews views) {
        this.sites = sites;
        this.host = host;
        this.views = views;
    }

    /** What a site's certificate looks like now; {@code state} none (no HTTPS) or unknown (host unreachable) included. */
    public SiteCertificate certificate(Caller caller, String siteName) {
        Site site = sites.get(caller, siteName);
        try {
            return describe(site);
        } catch (HostException e) {
            return unknown(site, e);
        }
    }

    /**
     * The certificate of each of {@code sites}, by site id, for the admin site list (the caller is
     * authorized already; no tenant scope). The host is asked once per site; after it has failed once,
     * the remaining sites are {@code unknown} with that reason instead of waiting on it again.
     */
    public Map<UUID, SiteCertificate> certificates(List<Site> sites) {
        Map<UUID, SiteCertificate> found = new HashMap<>();
        HostException failure = null;
        for (Site site : sites) {
            if (failure == null) {
                try {
                    found.put(site.id(), describe(site));
                    continue;
                } catch (HostException e) {
                    failure = e;
                }
            }
            found.put(site.id(), unknown(site, failure));
        }
        return found;
    }

    private SiteCertificate describe(Site site) throws HostException {
        Optional<CertificateState> state = host.certificate(site.id());
        return new SiteCertificate(hostnames(site), state.map(CertificateState::state).orElse("none"), state);
    }

    private SiteCertificate unknown(Site site, HostException failure) {
        return new SiteCertificate(hostnames(site), "unknown", Optional.empty(), failure.getMessage());
    }

    private List<String> hostnames(Site site) {
        return List.of(views.hostname(site.name()));
    }

    /** A site's hostnames and the state of the certificate covering them. */
    public record SiteCertificate(List<String> hostnames, String state, Optional<CertificateState> certificate, String hostError) {
        SiteCertificate(List<String> hostnames, String state, Optional<CertificateState> certificate) {
            this(hostnames, state, certificate, null);
        }
    }
}
