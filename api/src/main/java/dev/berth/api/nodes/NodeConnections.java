package dev.berth.api.nodes;

import dev.berth.api.hosts.HostPorts;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client per node, made on first use from the node's registered URL and kept until the node's
 * URL changes or the node is removed. The configured node's ports are handed in ready-made (the
 * socket client, or a test's fake host). Thread-safe; {@link #close()} closes every client made here.
 */
public final class NodeConnections implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeConnections.class);

    private final Function<String, HostPorts> connect;
    private final Map<UUID, Connection> connections = new ConcurrentHashMap<>();

    /** @param connect makes the ports of a node at a URL ({@code https://HOST:PORT}); nothing is dialled yet */
    public NodeConnections(Function<String, HostPorts> connect) {
        this.connect = Objects.requireNonNull(connect, "connect");
    }

    /** Uses {@code ports} for the node {@code nodeId} at {@code url} (the API's configured host). */
    public void preset(UUID nodeId, String url, HostPorts ports) {
        connections.put(nodeId, new Connection(url, ports, false));
    }

    /** The ports of a node, made for {@code url} if none were, or if the node has moved to another URL. */
    public HostPorts of(UUID nodeId, String url) {
        Connection current = connections.compute(nodeId, (id, existing) -> {
            if (existing != null && existing.url().equals(url)) {
                return existing;
            }
            if (existing != null) {
                closeQuietly(existing);
            }
            return new Connection(url, connect.apply(url), true);
        });
        return current.ports();
    }

    /** Forgets a removed node, closing its client. */
    public void forget(UUID nodeId) {
        Connection gone = connections.remove(nodeId);
        if (gone != null) {
            closeQuietly(gone);
        }
    }

    @Override
    public void close() {
        connections.values().forEach(NodeConnections::closeQuietly);
        connections.clear();
    }

    private static void closeQuietly(Connection connection) {
        if (connection.owned() && connection.ports().sites() instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception failure) {
                LOG.warn("Closing the client of {} failed", connection.url(), failure);
            }
        }
    }

    private record Connection(String url, HostPorts ports, boolean owned) {
    }
}
