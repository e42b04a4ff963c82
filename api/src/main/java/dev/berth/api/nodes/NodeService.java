package dev.berth.api.nodes;

import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostPorts;
import dev.berth.api.platform.IpAddresses;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.reconcile.HostTarget;
import dev.berth.api.reconcile.NodeHealth;
import dev.berth.api.sites.ReportedAddressPool;
import dev.berth.api.sites.SitePlacement;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * The node registry: the API's configured host registers itself at start, further nodes join with a
 * one-time token; admins cordon, uncordon and remove them. It places new sites, routes each call
 * about a site to the site's node ({@link PlacedHost}), lists the nodes the reconciler converges
 * and records their heartbeat. Thread-safe.
 */
public final class NodeService implements SitePlacement, NodeHealth {
    private static final Pattern NAME = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Pattern TLS_URL = Pattern.compile("^https://[^/?#@]+/?$");
    /** A node that keeps answering has its heartbeat written at most this often. */
    private static final Duration HEARTBEAT_WRITE_EVERY = Duration.ofSeconds(5);
    public static final int MAX_CAPACITY_SITES = 1_000_000;

    private final Jdbi jdbi;
    private final NodeConnections connections;
    private final Clock clock;
    private final Duration addressPlanMaxAge;
    private final Map<UUID, ReportedAddressPool> pools = new ConcurrentHashMap<>();
    private final Map<UUID, Heartbeat> heartbeats = new ConcurrentHashMap<>();
    private volatile UUID configuredId;

    public NodeService(Jdbi jdbi, NodeConnections connections, Clock clock, Duration addressPlanMaxAge) {
        this.jdbi = jdbi;
        this.connections = connections;
        this.clock = clock;
        this.addressPlanMaxAge = addressPlanMaxAge;
    }

    /** The API's configured host, as {@code host.*} describes it. */
    public record Configured(String name, String url, String publicIpv4, String publicIpv6, int capacitySites) {
        public Configured {
            checkName(name);
            checkCapacity(capacitySites);
            checkAddress("publicIpv4", publicIpv4, Inet4Address.class);
            checkAddress("publicIpv6", publicIpv6, Inet6Address.class);
        }
    }

    /** What a joining node tells about itself. */
    public record JoinRequest(String name, String url, String publicIpv4, String publicIpv6, Integer capacitySites) {
    }

    /** A join token as shown once to the admin who made it. */
    public record JoinToken(String token, Instant expiresAt) {
    }

    /**
     * Registers (or updates) the configured host as a node, and places every site that lives on no
     * node yet there. Keeps the node's state: a cordoned node stays cordoned across restarts.
     */
    public Node registerConfigured(Configured configured, HostPorts ports) {
        Instant now = clock.instant();
        Node node = jdbi.inTransaction(handle -> {
            NodeDao dao = handle.attach(NodeDao.class);
            Optional<Node> existing = dao.findByName(configured.name());
            UUID id = existing.map(Node::id).orElseGet(UUID::randomUUID);
            if (existing.isEmpty()) {
                dao.insert(id, configured.name(), configured.url(), configured.publicIpv4(), configured.publicIpv6(),
                        configured.capacitySites(), now);
            } else {
                dao.update(id, configured.url(), configured.publicIpv4(), configured.publicIpv6(), configured.capacitySites());
            }
            dao.adoptUnplacedSites(id);
            return dao.findById(id).orElseThrow();
        });
        connections.preset(node.id(), node.url(), ports);
        configuredId = node.id();
        return node;
    }

    public List<Node> list() {
        return jdbi.withExtension(NodeDao.class, NodeDao::all);
    }

    public Node get(String name) {
        return jdbi.withExtension(NodeDao.class, dao -> dao.findByName(name))
                .orElseThrow(() -> Problems.NOT_FOUND.with("no node is named " + name));
    }

    /** A token a new node presents once, within {@code validity}, to join. Only its hash is kept. */
    public JoinToken createJoinToken(UUID adminId, Duration validity) {
        String token = Secrets.random("bjn_", 32);
        Instant now = clock.instant();
        Instant expiresAt = now.plus(validity);
        jdbi.useExtension(NodeDao.class, dao -> dao.insertJoinToken(UUID.randomUUID(), Secrets.sha256(token), adminId, now, expiresAt));
        return new JoinToken(token, expiresAt);
    }

    /**
     * Adds a node: the token must be unused and unexpired, the name free, and the node must answer
     * at its URL over mutual TLS (its certificate signed by the platform CA and naming the URL's
     * host) before it is registered, ready. The token is spent only by a join that succeeds; it is
     * checked before anything is dialled.
     *
     * @throws ProblemException 400 join-token-invalid or validation, 409 name-taken, 422 node-unreachable
     */
    public Node join(String token, JoinRequest request) {
        String hash = Secrets.sha256(Objects.requireNonNullElse(token, ""));
        checkName(request.name());
        if (request.url() == null || !TLS_URL.matcher(request.url()).matches() || URI.create(request.url()).getHost() == null) {
            throw ProblemException.invalidField("url", "must be https://HOST:PORT, the node's mutual-TLS listener");
        }
        int capacity = request.capacitySites() == null ? 1000 : request.capacitySites();
        checkCapacity(capacity);
        checkAddress("publicIpv4", request.publicIpv4(), Inet4Address.class);
        checkAddress("publicIpv6", request.publicIpv6(), Inet6Address.class);
        Instant now = clock.instant();
        if (jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT COUNT(*) FROM node_join_tokens WHERE token_hash = :hash AND used_at IS NULL AND expires_at > :now
                        """).bind("hash", hash).bind("now", now).mapTo(Integer.class).one()) == 0) {
            throw Problems.JOIN_TOKEN_INVALID.with("ask a platform admin for a new join token (POST /admin/nodes/join-tokens)");
        }
        if (jdbi.withExtension(NodeDao.class, dao -> dao.findByName(request.name())).isPresent()) {
            throw Problems.NAME_TAKEN.with("a node named " + request.name() + " is registered already");
        }
        UUID id = UUID.randomUUID();
        try {
            connections.of(id, request.url()).insights().report();
        } catch (HostException | IllegalArgumentException unreachable) {
            // IllegalArgumentException: this API has no client certificate or trust to dial any node with.
            connections.forget(id);
            throw Problems.NODE_UNREACHABLE.with("the node did not answer at " + request.url() + ": " + unreachable.getMessage());
        }
        try {
            jdbi.useTransaction(handle -> {
                NodeDao dao = handle.attach(NodeDao.class);
                if (dao.claimJoinToken(hash, clock.instant()) == 0) {
                    throw Problems.JOIN_TOKEN_INVALID.with("the join token was used or expired meanwhile");
                }
                dao.insert(id, request.name(), request.url(), request.publicIpv4(), request.publicIpv6(), capacity, now);
                dao.joinedWith(hash, id);
            });
        } catch (RuntimeException failure) {
            connections.forget(id);
            if (failure instanceof org.jdbi.v3.core.statement.UnableToExecuteStatementException sql
                    && dev.berth.api.platform.Sql.isUniqueViolation(sql)) {
                throw Problems.NAME_TAKEN.with("a node named " + request.name() + " is registered already");
            }
            throw failure;
        }
        return jdbi.withExtension(NodeDao.class, dao -> dao.findById(id)).orElseThrow();
    }

    /** Placement leaves the node alone; its sites keep serving. Cordoning a cordoned node changes nothing. */
    public Node cordon(String name) {
        return transition(name, Node.CORDONED, List.of(Node.READY, Node.CORDONED));
    }

    /**
     * Moves the node's sites to other ready nodes one at a time, each serving on its new node before
     * the old one lets it go ({@link NodeMover}); the node takes no new site meanwhile. Uncordon stops it.
     */
    public Node drain(String name) {
        return transition(name, Node.DRAINING, List.of(Node.READY, Node.CORDONED, Node.DRAINING));
    }

    /** Marks a silent node lost ({@link NodeMover}); it is ready again when it answers. */
    void markLost(UUID nodeId) {
        jdbi.useExtension(NodeDao.class, dao -> dao.setState(nodeId, Node.LOST));
    }

    /** Placement may choose the node again. */
    public Node uncordon(String name) {
        return transition(name, Node.READY, List.of(Node.READY, Node.CORDONED, Node.DRAINING));
    }

    /**
     * Takes a node out of the registry. Only an empty node can go; its client is closed.
     *
     * @throws ProblemException 404, 409 node-not-empty
     */
    public void remove(String name) {
        UUID id = jdbi.inTransaction(handle -> {
            NodeDao dao = handle.attach(NodeDao.class);
            UUID nodeId = dao.lockByName(name).orElseThrow(() -> Problems.NOT_FOUND.with("no node is named " + name));
            int sites = dao.siteCount(nodeId);
            if (sites > 0) {
                throw Problems.NODE_NOT_EMPTY.with(sites + " sites live on node " + name
                        + " (a drained node serves each moved site for host.drainGraceSeconds more); move or delete them first");
            }
            dao.delete(nodeId);
            return nodeId;
        });
        connections.forget(id);
        pools.remove(id);
        heartbeats.remove(id);
        if (id.equals(configuredId)) {
            configuredId = null;
        }
    }

    private Node transition(String name, String target, List<String> from) {
        return jdbi.inTransaction(handle -> {
            NodeDao dao = handle.attach(NodeDao.class);
            UUID id = dao.lockByName(name).orElseThrow(() -> Problems.NOT_FOUND.with("no node is named " + name));
            Node node = dao.findById(id).orElseThrow();
            if (!from.contains(node.state())) {
                throw Problems.CONFLICT.with("node " + name + " is " + node.state() + " and cannot become " + target);
            }
            dao.setState(id, target);
            return dao.findById(id).orElseThrow();
        });
    }

    /**
     * The ready node with room that holds the fewest of this tenant's sites, then the most free
     * room, then the first by name: a tenant's sites spread over the nodes, and the emptiest fill first.
     */
    @Override
    public Placement place(UUID tenantId) {
        return placeAwayFrom(tenantId, Set.of());
    }

    /** {@link #place} among the ready nodes other than {@code excluded} (where a moving site goes). */
    public Placement placeAwayFrom(UUID tenantId, Set<UUID> excluded) {
        NodeDao.Candidate chosen = jdbi.withExtension(NodeDao.class, dao -> dao.candidates(tenantId)).stream()
                .filter(candidate -> candidate.sites() < candidate.capacitySites() && !excluded.contains(candidate.id()))
                .min(Comparator.comparingInt(NodeDao.Candidate::tenantSites)
                        .thenComparing(Comparator.comparingInt((NodeDao.Candidate c) -> c.capacitySites() - c.sites()).reversed())
                        .thenComparing(NodeDao.Candidate::name))
                .orElseThrow(() -> Problems.NO_NODE_AVAILABLE.with(
                        "every ready node is full, cordoned, draining or lost; an admin can add a node or raise its capacity"));
        return new Placement(chosen.id(), pools.computeIfAbsent(chosen.id(),
                id -> new ReportedAddressPool(portsOf(jdbi.withExtension(NodeDao.class, dao -> dao.findById(id)).orElseThrow())
                        .insights(), clock, addressPlanMaxAge)));
    }

    /** The ports of the node a site lives on (the configured node for a site placed nowhere yet). */
    public HostPorts portsOf(UUID siteId) throws HostException {
        Optional<Node> node = jdbi.withExtension(NodeDao.class, dao -> dao.findBySite(siteId));
        if (node.isPresent()) {
            return portsOf(node.get());
        }
        return configuredPorts();
    }

    /**
     * The name of the node that serves each of {@code siteIds} (sites placed nowhere are left out):
     * the node it lives on, or during a drain's handover the old node until the new one serves it
     * (the old node then keeps serving it for the grace period). A client that follows this name
     * never reads from a node that does not serve the site yet, nor from one that stopped serving it
     * less than the grace period after the name changed.
     */
    public Map<UUID, String> nodeNames(List<UUID> siteIds) {
        if (siteIds.isEmpty()) {
            return Map.of();
        }
        Map<UUID, String> names = new java.util.HashMap<>();
        jdbi.useHandle(handle -> handle.createQuery("""
                        SELECT s.id, n.name FROM sites s
                        JOIN nodes n ON n.id = COALESCE(CASE WHEN s.handover_served_at IS NULL THEN s.previous_node_id END, s.node_id)
                        WHERE s.id IN (<ids>)
                        """).bindList("ids", siteIds)
                .map((row, ctx) -> Map.entry(row.getObject(1, UUID.class), row.getString(2)))
                .forEach(entry -> names.put(entry.getKey(), entry.getValue())));
        return names;
    }

    /** The configured host's ports. */
    public HostPorts configuredPorts() throws HostException {
        UUID id = configuredId;
        Optional<Node> node = id == null ? Optional.empty() : jdbi.withExtension(NodeDao.class, dao -> dao.findById(id));
        if (node.isEmpty()) {
            throw new HostException("the configured host is not a registered node", true);
        }
        return portsOf(node.get());
    }

    /** The ports of every registered node. */
    public List<HostPorts> allPorts() {
        return list().stream().map(this::portsOf).toList();
    }

    /** Every registered node, as the reconciler converges them. */
    public List<HostTarget> targets() {
        UUID fallback = configuredId;
        return list().stream()
                .map(node -> new HostTarget(node.id(), node.name(), portsOf(node).sites(), node.id().equals(fallback)))
                .toList();
    }

    /** The ports of one registered node. */
    public HostPorts ports(Node node) {
        return portsOf(node);
    }

    private HostPorts portsOf(Node node) {
        return connections.of(node.id(), node.url());
    }

    /**
     * A node answered the reconciler. A lost node that answers again holds nothing that lives
     * elsewhere after this pass (the reconciler removes what is not placed on it) and is ready again.
     */
    @Override
    public void answered(UUID nodeId, Instant at) {
        Heartbeat last = heartbeats.get(nodeId);
        if (last != null && last.error() == null && at.isBefore(last.writtenAt().plus(HEARTBEAT_WRITE_EVERY))) {
            return;
        }
        jdbi.useExtension(NodeDao.class, dao -> {
            dao.seen(nodeId, at);
            dao.findById(nodeId).filter(node -> node.state().equals(Node.LOST)).ifPresent(node -> {
                dao.setState(nodeId, Node.READY);
                org.slf4j.LoggerFactory.getLogger(NodeService.class).info("Node {} answers again and is ready", node.name());
            });
        });
        heartbeats.put(nodeId, new Heartbeat(at, null));
    }

    @Override
    public void unreachable(UUID nodeId, String error, Instant at) {
        String stored = error.length() > 1000 ? error.substring(0, 1000) : error;
        Heartbeat last = heartbeats.get(nodeId);
        if (last != null && stored.equals(last.error())) {
            return;
        }
        jdbi.useExtension(NodeDao.class, dao -> dao.unreachable(nodeId, stored));
        heartbeats.put(nodeId, new Heartbeat(at, stored));
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ProblemException.invalidField("name", "a node name must be a DNS label of 1 to 63 characters (a-z, 0-9, -)");
        }
    }

    private static void checkCapacity(int capacitySites) {
        if (capacitySites < 0 || capacitySites > MAX_CAPACITY_SITES) {
            throw ProblemException.invalidField("capacitySites", "must be between 0 and " + MAX_CAPACITY_SITES);
        }
    }

    private static void checkAddress(String field, String address, Class<? extends InetAddress> family) {
        if (address == null) {
            return;
        }
        Optional<InetAddress> parsed = IpAddresses.literal(address);
        if (parsed.isEmpty() || !family.isInstance(parsed.get())) {
            throw ProblemException.invalidField(field, "must be an " + (family == Inet4Address.class ? "IPv4" : "IPv6")
                    + " address literal");
        }
    }

    private record Heartbeat(Instant writtenAt, String error) {
    }
}
