package dev.berth.api.sites;

import dev.berth.api.generated.model.PlatformFacts;
import dev.berth.api.generated.model.SiteNameAvailability;
import dev.berth.api.generated.resources.PlatformApi;
import jakarta.ws.rs.core.Response;

/** What a client needs before creating a site: where sites live, and whether a name is free. */
public final class PlatformResource implements PlatformApi {
    private final SiteService sites;
    private final SiteViews views;
    private final PlatformFacts facts;

    /**
     * @param domain     the platform domain: sites are served at NAME.domain
     * @param urlScheme  http or https
     * @param openSignup whether anyone may sign up
     * @param reserved   names no site may take
     */
    public PlatformResource(SiteService sites, SiteViews views, String domain, String urlScheme, boolean openSignup,
                            ReservedNames reserved) {
        this.sites = sites;
        this.views = views;
        this.facts = new PlatformFacts(domain, PlatformFacts.SiteUrlSchemeEnum.fromValue(urlScheme), openSignup,
                java.util.List.copyOf(reserved.names()));
    }

    @Override
    public Response getPlatform() {
        return Response.ok(facts).build();
    }

    @Override
    public Response checkSiteName(String siteName) {
        SiteName name = sites.checkAvailable(siteName);
        String hostname = views.hostname(name.value());
        return Response.ok(new SiteNameAvailability(name.value(), hostname, views.url(name.value()))).build();
    }
}
