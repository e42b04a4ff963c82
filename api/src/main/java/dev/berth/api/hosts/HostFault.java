package dev.berth.api.hosts;

import dev.berth.api.platform.Problems;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * What went wrong on a host, as tenants are told it: a stable problem type and a short sentence.
 * hostd's own texts name host paths, commands, addresses and the ACME CA's words; they are kept for
 * operators (logs, the admin views) and never reach a tenant. Clients may switch on {@link #type()};
 * it never changes meaning (docs/api.md lists them).
 */
public enum HostFault {
    UNAVAILABLE("host-unavailable", "the host could not be reached; the platform keeps trying"),
    SPEC_REFUSED("site-spec-refused", "the host refused the site's configuration"),
    CONTENT("site-content-failed", "the site's content could not be put in place on the host"),
    LIMITS("site-limits-failed", "the site's resource limits could not be applied on the host"),
    NETWORK("site-network-failed", "the site's network could not be set up on the host"),
    SERVER("site-server-failed", "the site's server did not start or stopped; the host starts it again"),
    PROXY("site-proxy-failed", "the platform's proxy could not route to the site"),
    DNS("site-dns-failed", "the site's DNS records could not be published"),
    DISK("site-disk-full", "the site's content is over its disk ceiling on the host"),
    CERTIFICATE("certificate-failed", "the certificate could not be obtained; the host tries again"),
    OTHER("site-host-failed", "the host could not bring the site to its wanted state; the platform keeps trying");

    /** hostd's parts (the keys of a site's {@code errors}), most telling first. */
    private static final List<Part> PARTS = List.of(new Part("disk", DISK), new Part("content", CONTENT), new Part("cgroups", LIMITS),
            new Part("network", NETWORK), new Part("runtime", SERVER), new Part("proxy", PROXY), new Part("dns", DNS));

    private record Part(String name, HostFault fault) {
    }

    private final String slug;
    private final String reason;

    HostFault(String slug, String reason) {
        this.slug = slug;
        this.reason = reason;
    }

    /** The stable problem type URI. */
    public URI type() {
        return Problems.typeOf(slug);
    }

    /** The stored name of this fault. */
    public String slug() {
        return slug;
    }

    /** The sentence a tenant reads. */
    public String reason() {
        return reason;
    }

    /** The fault of a site whose failing parts hostd named; {@link #OTHER} when it named none Berth knows. */
    public static HostFault ofParts(Collection<String> failedParts) {
        for (Part part : PARTS) {
            if (failedParts.stream().anyMatch(name -> name.toLowerCase(Locale.ROOT).equals(part.name()))) {
                return part.fault();
            }
        }
        return OTHER;
    }

    /**
     * The parts named in hostd's joined {@code lastError} ({@code "part: text; part: text"}), for
     * observations that carry no separate parts.
     */
    public static HostFault ofLastError(String lastError) {
        List<String> parts = java.util.Arrays.stream(lastError.split("; "))
                .map(piece -> piece.contains(":") ? piece.substring(0, piece.indexOf(':')).strip() : "")
                .toList();
        return ofParts(parts);
    }

    /** The fault stored as {@code slug}, {@link #OTHER} for one this version does not know. */
    public static HostFault fromSlug(String slug) {
        for (HostFault fault : values()) {
            if (fault.slug.equals(slug)) {
                return fault;
            }
        }
        return OTHER;
    }
}
