package dev.berth.api.hosts;

import java.util.Objects;

/** One host as the API uses it: the port that converges its sites and the read-only insights. */
public record HostPorts(SiteHost sites, HostInsights insights) {
    public HostPorts {
        Objects.requireNonNull(sites, "sites");
        Objects.requireNonNull(insights, "insights");
    }

    /** Both ports served by one object (hostd's client, a test's fake host). */
    public static <T extends SiteHost & HostInsights> HostPorts of(T host) {
        return new HostPorts(host, host);
    }
}
