package dev.berth.api.deploys;

import dev.berth.api.platform.Leadership;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * The queue of Git deploys, in the deploys table (so it survives restarts and is shared by API
 * replicas). Who runs next is decided here:
 *
 * <ul>
 *   <li><b>One at a time per site.</b> A site with a Git deploy running is skipped; the claim locks
 *       the site's row and checks again, so two workers (threads or replicas) never run two deploys
 *       of one site at once. A running deploy older than {@code staleAfter} (its worker died) no
 *       longer holds the site.</li>
 *   <li><b>Fair across tenants.</b> Among tenants with queued work, the one whose last deploy
 *       started longest ago (or never) goes first, then its oldest queued deploy: a tenant with 50
 *       queued deploys and one with a single deploy take turns, so the second waits for at most one
 *       of the first's.</li>
 *   <li><b>Bounded per tenant.</b> {@link #hasRoom} tells whether a tenant may queue another.</li>
 * </ul>
 *
 * Thread-safe.
 */
public final class DeployQueue {
    /** How many times a claim looks for another candidate when a concurrent claim took its first. */
    private static final int CLAIM_ATTEMPTS = 5;

    private final Jdbi jdbi;
    private final Clock clock;
    private final Duration staleAfter;
    private final Leadership replicas;
    private final int maxQueuedPerTenant;

    /**
     * @param staleAfter          how long a running deploy may hold its site (longer than a fetch's deadline)
     * @param maxQueuedPerTenant  queued deploys a tenant may have at once
     */
    public DeployQueue(Jdbi jdbi, Clock clock, Duration staleAfter, int maxQueuedPerTenant) {
        this(jdbi, clock, staleAfter, maxQueuedPerTenant, Leadership.alone());
    }

    /** @param replicas which replica this is, and which ones live: a deploy is recovered only from a replica that ended */
    public DeployQueue(Jdbi jdbi, Clock clock, Duration staleAfter, int maxQueuedPerTenant, Leadership replicas) {
        this.replicas = replicas;
        this.jdbi = jdbi;
        this.clock = clock;
        this.staleAfter = staleAfter;
        this.maxQueuedPerTenant = maxQueuedPerTenant;
    }

    /** The most deploys a tenant may have queued. */
    public int maxQueuedPerTenant() {
        return maxQueuedPerTenant;
    }

    /** Whether the tenant may queue one more deploy now. */
    public boolean hasRoom(UUID tenantId) {
        return jdbi.withExtension(DeployDao.class, dao -> dao.countQueued(tenantId)) < maxQueuedPerTenant;
    }

    /**
     * Marks the next deploy to run as running (unpacking) and returns it; empty when nothing can
     * run now (the queue is empty, or every site with queued work has a deploy running).
     */
    public Optional<Deploy> claim() {
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            Instant now = clock.instant();
            Instant staleBefore = now.minus(staleAfter);
            Optional<Deploy> candidate = jdbi.withExtension(DeployDao.class, dao -> dao.nextClaimable(staleBefore));
            if (candidate.isEmpty()) {
                return Optional.empty();
            }
            Deploy deploy = candidate.get();
            boolean claimed = jdbi.inTransaction(handle -> {
                DeployDao dao = handle.attach(DeployDao.class);
                // The site's row serialises claims of its deploys: whoever locks second sees the first's claim.
                if (dao.lockSite(deploy.siteId()).isEmpty() || dao.countRunning(deploy.siteId(), staleBefore) > 0) {
                    return false;
                }
                return dao.markStarted(deploy.id(), now, replicas.replicaKey()) == 1;
            });
            if (claimed) {
                return jdbi.withExtension(DeployDao.class, dao -> dao.findById(deploy.id()));
            }
        }
        return Optional.empty();
    }

    /** Stores a new deploy that this replica runs at once (an upload it receives), claimed in the same transaction. */
    public void insertClaimed(Deploy deploy) {
        jdbi.useTransaction(handle -> {
            DeployDao dao = handle.attach(DeployDao.class);
            dao.insert(deploy);
            dao.claimedBy(deploy.id(), replicas.replicaKey());
        });
    }

    /** Records that this replica runs the deploy (an upload it receives): no other replica recovers it while this one lives. */
    public void claimedHere(UUID deployId) {
        jdbi.useExtension(DeployDao.class, dao -> dao.claimedBy(deployId, replicas.replicaKey()));
    }

    /**
     * Takes back the deploys whose replica ended before they reached the host: Git deploys are
     * queued again, uploads failed (their body went with the replica). Returns how many.
     */
    public int recoverInterrupted() {
        java.util.Set<Integer> alive = replicas.aliveReplicas();
        return jdbi.withExtension(DeployDao.class, dao -> dao.recoverInterrupted(clock.instant(), alive));
    }
}
