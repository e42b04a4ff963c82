package dev.berth.hostd.reconcile;

import java.util.Locale;

/**
 * The parts a site is made of on the host, in the order a convergence reaches them. Their
 * {@link #wireName()}s are the keys of an observed site's {@code errors} and the {@code PART} of the
 * test failpoint's protocol; they never change.
 */
public enum Part {
    DNS, CONTENT, CGROUPS, NETWORK, RUNTIME, PROXY;

    /** {@code dns}, {@code content}, {@code cgroups}, {@code network}, {@code runtime} or {@code proxy}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
