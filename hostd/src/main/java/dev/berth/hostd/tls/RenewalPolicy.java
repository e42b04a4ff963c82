package dev.berth.hostd.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a certificate is renewed. Pure. Without renewal information from the CA: when a third of its
 * lifetime is left, computed from its own notBefore/notAfter (a 90-day certificate renews at day
 * 60, a 6-day one after 4 days; no fixed number of days anywhere). With an ARI window: at its start,
 * but never later than the third-of-lifetime point (a CA asking for later would risk expiry on a
 * failing host).
 */
public final class RenewalPolicy {
    private RenewalPolicy() {
    }

    public static Instant renewAt(Instant notBefore, Instant notAfter, Optional<Issuer.RenewalWindow> window) {
        Duration lifetime = Duration.between(notBefore, notAfter);
        if (lifetime.isNegative() || lifetime.isZero()) {
            return notBefore;
        }
        Instant twoThirds = notAfter.minus(lifetime.dividedBy(3));
        if (window.isEmpty()) {
            return twoThirds;
        }
        Instant start = window.get().start();
        return start.isBefore(twoThirds) ? start : twoThirds;
    }
}
