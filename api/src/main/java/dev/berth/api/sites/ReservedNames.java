package dev.berth.api.sites;

import dev.berth.api.platform.ProblemException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Site names nobody may take, because the operator uses them under the platform domain (the
 * portal, the API, mail, name servers) or because they would mislead visitors. Configurable
 * ({@code platform.reservedSiteNames}); the portal's own host label is always among them.
 * Immutable.
 */
public final class ReservedNames {
    /** The default list. */
    public static final List<String> DEFAULTS = List.of(
            "www", "api", "app", "apps", "admin", "administrator", "portal", "console", "dashboard", "ns", "ns1", "ns2", "ns3", "ns4",
            "dns", "mail", "email", "smtp", "imap", "pop", "pop3", "mx", "webmail", "localhost", "local", "hostmaster", "postmaster",
            "webmaster", "abuse", "security", "berth", "platform", "system", "internal", "autoconfig", "autodiscover", "acme", "wpad",
            "isatap", "hooks", "login", "signup", "auth", "sso", "oauth", "account", "accounts", "billing", "status", "static",
            "assets", "cdn", "docs", "help", "support");

    private final Set<String> names;

    /**
     * @param configured     the configured names (lower-cased here)
     * @param platformDomain sites live at NAME.platformDomain
     * @param portalUrl      where the portal and API are reached (deploys.publicBaseUrl); its host's label under
     *                       the platform domain, if any, is reserved too
     */
    public ReservedNames(List<String> configured, String platformDomain, String portalUrl) {
        Set<String> all = new TreeSet<>();
        configured.forEach(name -> all.add(name.strip().toLowerCase(Locale.ROOT)));
        String portalHost = portalHost(portalUrl);
        if (portalHost != null && portalHost.endsWith("." + platformDomain)) {
            String label = portalHost.substring(0, portalHost.length() - platformDomain.length() - 1);
            all.add(label.substring(label.lastIndexOf('.') + 1));
        }
        this.names = Set.copyOf(all);
    }

    private static String portalHost(String url) {
        try {
            String host = URI.create(url).getHost();
            return host == null ? null : host.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException notAUrl) {
            return null;
        }
    }

    /** Every reserved name, sorted. */
    public Set<String> names() {
        return new TreeSet<>(names);
    }

    /**
     * A client-supplied name that could name a new site: a valid label, not reserved.
     *
     * @throws ProblemException 400 naming {@code field} and the broken rule
     */
    public SiteName parseNew(String field, String value) {
        SiteName name = SiteName.parseField(field, value);
        if (names.contains(name.value())) {
            throw ProblemException.invalidField(field, "site name '" + name.value() + "' is reserved");
        }
        return name;
    }
}
