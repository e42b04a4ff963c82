package dev.berth.api.nodes;

import dev.berth.api.platform.LoopService;
import dev.berth.api.sites.SiteDao;
import dev.berth.api.sites.SitePlacement;
import dev.berth.hostprotocol.net.BridgePlan;
import java.net.Inet4Address;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves sites between nodes: a node silent for longer than {@code lostAfter}, while another ready
 * node answers, becomes {@code lost} and each of its sites is placed on another ready node at once (its release comes from the
 * content store); a {@code draining} node hands its sites over {@code drainConcurrency} at a time,
 * each staying on the old node until the new one serves it, and then for {@code drainGrace} more
 * (clients that resolved the site's name before it moved still reach the old node: at least the TTL
 * of the site's DNS records). The next site moves as soon as the new node serves one of those under
 * way. One pass at a time; the reconciler does the work on the nodes.
 */
public final class NodeMover extends LoopService {
    private static final Logger LOG = LoggerFactory.getLogger(NodeMover.class);

    private final Jdbi jdbi;
    private final NodeService nodes;
    private final Clock clock;
    private final Duration lostAfter;
    private final Duration drainGrace;
    private final int drainConcurrency;
    private final Runnable nudgeReconciler;
    /**
     * Silence is counted from when this replica started watching at the earliest (its start, or
     * since it last gained the lead): an API that was down, or a replica that was not leading,
     * loses no node for the time it did not watch.
     */
    private volatile Instant watchingSince;
    private final Duration interval;
    /** When the loop last ran, in {@link System#nanoTime()}; 0 before the first run. */
    private long lastPassNanos;

    /**
     * @param lostAfter  how long a node may stay silent before it is lost
     * @param drainGrace how long a draining node keeps serving a moved site after its new node serves it
     * @param drainConcurrency how many sites a draining node hands over at once (at least 1)
     */
    public NodeMover(Jdbi jdbi, NodeService nodes, Clock clock, Duration lostAfter, Duration drainGrace, int drainConcurrency,
                     Duration interval, Runnable nudgeReconciler) {
        super("node-mover", interval);
        this.jdbi = jdbi;
        this.nodes = nodes;
        this.clock = clock;
        this.lostAfter = lostAfter;
        this.drainGrace = drainGrace;
        if (drainConcurrency < 1) {
            throw new IllegalArgumentException("drainConcurrency must be at least 1, got " + drainConcurrency);
        }
        this.drainConcurrency = drainConcurrency;
        this.nudgeReconciler = nudgeReconciler;
        this.interval = interval;
        this.watchingSince = clock.instant();
    }

    @Override
    protected void pass() {
        long nanos = System.nanoTime();
        if (lastPassNanos != 0 && nanos - lastPassNanos > interval.multipliedBy(3).toNanos()) {
            // The loop did not run for a while: this replica did not lead (or stalled), nobody here watched the nodes.
            watchingSince = clock.instant();
        }
        lastPassNanos = nanos;
        runOnce();
    }

    /**
     * One pass: note moved sites their new node serves, end handovers whose grace period is over,
     * find lost nodes, move their sites, start the next drain step. Visible for tests.
     */
    public synchronized void runOnce() {
        Instant now = clock.instant();
        jdbi.useExtension(NodeDao.class, dao -> dao.markHandoversServed(now));
        boolean moved = jdbi.withExtension(NodeDao.class, dao -> dao.endServedHandovers(now.minus(drainGrace))) > 0;
        List<Node> all = nodes.list();
        // Sites move only to nodes that answer; with none answering (one node, or the API cut off
        // from all of them) no node is declared lost: there is nowhere to move its sites to.
        Set<UUID> silent = new java.util.HashSet<>();
        for (Node node : all) {
            if (silentTooLong(node, now)) {
                silent.add(node.id());
            }
        }
        boolean anotherAnswers = all.stream().anyMatch(node -> node.state().equals(Node.READY) && !silent.contains(node.id()));
        for (Node listed : all) {
            Node node = listed;
            if (!node.state().equals(Node.LOST) && silent.contains(node.id()) && anotherAnswers) {
                LOG.warn("Node {} has not answered since {}: lost; its {} sites move to other nodes", node.name(),
                        node.lastSeenAt() == null ? "it joined" : node.lastSeenAt(), node.sites());
                nodes.markLost(node.id());
                node = nodes.get(node.name());
            }
            UUID nodeId = node.id();
            if (node.state().equals(Node.LOST)) {
                // A lost node is gone: what it was handing over is served by its new node alone, and
                // the node removes it, like everything placed elsewhere, if it ever answers again.
                moved |= jdbi.withExtension(NodeDao.class, dao -> dao.endHandoversFrom(nodeId)) > 0;
                for (NodeDao.Placed site : jdbi.withExtension(NodeDao.class, dao -> dao.sitesOn(nodeId))) {
                    moved |= move(site, node, null, silent, now);
                }
            } else if (node.state().equals(Node.DRAINING)) {
                int room = drainConcurrency - jdbi.withExtension(NodeDao.class, dao -> dao.unservedHandoversFrom(nodeId));
                if (room > 0) {
                    for (NodeDao.Placed site : jdbi.withExtension(NodeDao.class, dao -> dao.sitesOn(nodeId, room))) {
                        moved |= move(site, node, nodeId, silent, now);
                    }
                }
            }
        }
        if (moved) {
            nudgeReconciler.run();
        }
    }

    /**
     * Whether the node failed the reconciler's last attempt to reach it and has not answered for
     * {@code lostAfter}. A pass that is merely slow (many sites converging) records no failure, so
     * it never makes a healthy node look silent.
     */
    private boolean silentTooLong(Node node, Instant now) {
        if (node.lastError() == null) {
            return false;
        }
        Instant heard = node.lastSeenAt() == null ? node.createdAt() : node.lastSeenAt();
        if (heard.isBefore(watchingSince)) {
            heard = watchingSince;
        }
        return now.isAfter(heard.plus(lostAfter));
    }

    /**
     * Places one site of {@code from} on another ready node. Its addresses stay when the new node's
     * plan holds them (nodes with the same plan), else it gets free ones of the new node.
     *
     * @param handoverFrom the node that keeps serving the site until the new one does, or null (lost)
     * @param silent       nodes that have not answered for too long: never a target
     */
    private boolean move(NodeDao.Placed site, Node from, UUID handoverFrom, Set<UUID> silent, Instant now) {
        SitePlacement.Placement target;
        Set<UUID> excluded = new java.util.HashSet<>(silent);
        excluded.add(from.id());
        try {
            target = nodes.placeAwayFrom(site.tenantId(), excluded);
        } catch (RuntimeException noRoom) {
            LOG.warn("Site {} cannot leave node {}: {}", site.id(), from.name(), noRoom.getMessage());
            return false;
        }
        target.addresses().refreshIfStale();
        BridgePlan plan = target.addresses().plan();
        jdbi.useTransaction(handle -> {
            SiteDao sites = handle.attach(SiteDao.class);
            NodeDao dao = handle.attach(NodeDao.class);
            if (!holds(plan, site.ipv4())) {
                sites.lockAddressPool();
                BridgePlan.SiteAddresses fresh = target.addresses().allocate(sites.usedIpv4())
                        .orElseThrow(() -> new IllegalStateException("no free address on the new node"));
                dao.readdress(site.id(), fresh.ipv4(), fresh.ipv6());
            }
            dao.move(site.id(), target.nodeId(), handoverFrom, now);
        });
        LOG.info("Site {} moves from node {} to node {}", site.id(), from.name(), target.nodeId());
        return true;
    }

    private static boolean holds(BridgePlan plan, String ipv4) {
        return dev.berth.api.platform.IpAddresses.literal(ipv4)
                .filter(address -> address instanceof Inet4Address)
                .map(address -> plan.isSiteAddress((Inet4Address) address))
                .orElse(false);
    }
}
