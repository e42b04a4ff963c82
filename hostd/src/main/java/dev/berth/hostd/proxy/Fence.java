package dev.berth.hostd.proxy;

import dev.berth.observability.DaemonThreads;
import dev.berth.hostd.site.HostOperationException;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's lease on its sites. With several nodes the API declares a node silent for
 * {@code host.nodeLostAfterSeconds} lost and serves its sites from other nodes; a node cut off
 * from the API (but not from its visitors) must have stopped serving by then. So each call of the
 * API renews a lease of {@code lease}, and hostd hands its expiry to the proxy (once a second,
 * when it moved): nginx itself answers every site with the 503 page once the lease has run out,
 * also when hostd is gone. The lease starts expired, so a node that starts serves nothing until
 * the API has reached it. Off (a lease of zero, no lease in the proxy) on a single node.
 */
public final class Fence implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(Fence.class);

    private final Proxy proxy;
    private final Duration lease;
    private final Clock clock;
    private volatile Instant lastContact;
    private Instant sent;
    private boolean expiredBefore;
    private ScheduledExecutorService timer;

    public Fence(Proxy proxy, Duration lease, Clock clock) {
        this.proxy = proxy;
        this.lease = lease;
        this.clock = clock;
        this.lastContact = clock.instant().minus(lease);
    }

    public boolean enabled() {
        return !lease.isZero();
    }

    /** The API reached this node (any call of its /v1 interface). */
    public void contact() {
        lastContact = clock.instant();
    }

    /** When the lease runs out (whole seconds, as the proxy holds it). */
    Instant expiry() {
        return lastContact.plus(lease).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** Whether the lease has run out: the proxy serves no site. */
    public boolean expired() {
        return enabled() && !clock.instant().isBefore(expiry());
    }

    /** One renewal: the proxy gets the lease's expiry when it moved (or after a failure). */
    synchronized void renew() {
        Instant expiry = expiry();
        try {
            if (!expiry.equals(sent)) {
                proxy.lease(expiry);
                sent = expiry;
            }
        } catch (HostOperationException e) {
            sent = null;
            LOG.warn("cannot hand the lease to the proxy: {}", e.getMessage());
        }
        boolean expired = expired();
        if (expired && !expiredBefore) {
            LOG.warn("No API replica reached this node for {} s: its sites answer 503 until one does"
                    + " (they may be served by another node now)", lease.toSeconds());
        } else if (!expired && expiredBefore) {
            LOG.info("The API reached this node: its sites are served again");
        }
        expiredBefore = expired;
    }

    @Override
    public void start() {
        if (!enabled()) {
            try {
                proxy.lease(null); // a node that had one (its nginx kept its table through a reload) has none now
            } catch (HostOperationException e) {
                LOG.warn("cannot remove the proxy's lease: {}", e.getMessage());
            }
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("berth-lease"));
        timer.scheduleWithFixedDelay(this::renew, 0, 1, TimeUnit.SECONDS);
    }

    @Override
    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
