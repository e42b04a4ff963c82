package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * The parts a site is made of on a host, in the order a convergence reaches them. Their
 * {@link #wireName()}s are the keys of a {@link SiteObservation}'s {@code errors} (and the
 * {@code PART} of hostd's test failpoint); they never change.
 */
public enum SitePart {
    @JsonProperty("dns") DNS,
    @JsonProperty("content") CONTENT,
    @JsonProperty("cgroups") CGROUPS,
    @JsonProperty("network") NETWORK,
    @JsonProperty("runtime") RUNTIME,
    @JsonProperty("proxy") PROXY;

    /** {@code dns}, {@code content}, {@code cgroups}, {@code network}, {@code runtime} or {@code proxy}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
