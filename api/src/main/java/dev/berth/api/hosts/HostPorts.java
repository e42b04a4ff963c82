package dev.berth.api.hosts;

import java.util.Objects;

/** One host as the API uses it: the port that converges its sites, the read-only insights and its certificates. */
public record HostPorts(SiteHost sites, HostInsights insights, HostCertificates certificates) {
    public HostPorts {
        Objects.requireNonNull(sites, "sites");
        Objects.requireNonNull(insights, "insights");
        Objects.requireNonNull(certificates, "certificates");
    }

    /** Every port served by one object (hostd's client, a test's fake host). */
    public static <T extends SiteHost & HostInsights & HostCertificates> HostPorts of(T host) {
        return new HostPorts(host, host, host);
    }
}
