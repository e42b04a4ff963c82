package dev.berth.hostd.join;

import dev.berth.hostd.HostdConfiguration;
import dev.berth.hostd.dns.DnsFactory;
import dev.berth.hostd.server.MutualTlsConnectorFactory;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.ConnectorFactory;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a node tells the API when it joins ({@code POST /api/v1/nodes/join}), read from the hostd
 * configuration the node runs with, so that the registry and the node cannot disagree: the public
 * addresses are {@code dns.publicAddresses} (where the node publishes its sites' records, the
 * first IPv4 and the first IPv6), and the URL must reach the node's mutual-TLS connector (the only
 * way the API dials a node other than its configured host).
 *
 * @param apiJoinUrl    the API's join endpoint
 * @param name          the node's name, a DNS label
 * @param url           the node's mutual-TLS listener, {@code https://HOST:PORT}
 * @param publicIpv4    the proxy's public IPv4, or null
 * @param publicIpv6    the proxy's public IPv6, or null
 * @param capacitySites how many sites the node takes
 */
public record NodeJoin(URI apiJoinUrl, String name, URI url, String publicIpv4, String publicIpv6, int capacitySites) {

    public NodeJoin {
        if (name == null || !name.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("the node name must be a DNS label of 1 to 63 lowercase letters, digits and hyphens,"
                    + " got " + name);
        }
        if (capacitySites < 0) {
            throw new IllegalArgumentException("capacity in sites must be 0 or more");
        }
    }

    /**
     * The join of the node {@code configuration} describes.
     *
     * @param api the API's base URL ({@code https://api.example.net}, optionally ending in {@code /api/v1})
     * @throws IllegalArgumentException if the configuration has no mutual-TLS connector on the URL's
     *                                  port, or a URL or address is malformed
     */
    public static NodeJoin of(HostdConfiguration configuration, String api, String name, String url, int capacitySites) {
        URI node = URI.create(url);
        if (!"https".equals(node.getScheme()) || node.getHost() == null || node.getPort() < 1) {
            throw new IllegalArgumentException("--url must be https://HOST:PORT (the node's mutual-TLS connector), got " + url);
        }
        int tlsPort = mutualTlsPort(configuration);
        if (tlsPort != node.getPort()) {
            throw new IllegalArgumentException("--url names port " + node.getPort() + " but the mutual-TLS connector of the"
                    + " configuration listens on " + tlsPort);
        }
        String publicIpv4 = null;
        String publicIpv6 = null;
        for (InetAddress address : DnsFactory.publicAddresses(configuration.dns)) {
            if (address instanceof Inet4Address && publicIpv4 == null) {
                publicIpv4 = address.getHostAddress();
            } else if (address instanceof Inet6Address && publicIpv6 == null) {
                publicIpv6 = address.getHostAddress();
            }
        }
        return new NodeJoin(joinEndpoint(api), name, node, publicIpv4, publicIpv6, capacitySites);
    }

    static URI joinEndpoint(String api) {
        URI base = URI.create(api.endsWith("/") ? api.substring(0, api.length() - 1) : api);
        if (!"https".equals(base.getScheme()) && !"http".equals(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("--api must be the API's URL, e.g. https://api.example.net, got " + api);
        }
        String path = base.getPath() == null ? "" : base.getPath();
        return base.resolve((path.endsWith("/api/v1") ? path : path + "/api/v1") + "/nodes/join");
    }

    private static int mutualTlsPort(HostdConfiguration configuration) {
        List<ConnectorFactory> connectors = List.of();
        if (configuration.getServerFactory() instanceof SimpleServerFactory simple) {
            connectors = List.of(simple.getConnector());
        } else if (configuration.getServerFactory() instanceof DefaultServerFactory server) {
            connectors = server.getApplicationConnectors();
        }
        for (ConnectorFactory connector : connectors) {
            if (connector instanceof MutualTlsConnectorFactory tls) {
                return tls.getPort();
            }
        }
        throw new IllegalArgumentException("the configuration has no mutual-tls connector: the API dials a joined node over"
                + " mutual TLS (docs/operations.md, \"Adding a node\")");
    }

    /** The request body, as the contract's {@code NodeJoinRequest} (the token is added by the caller). */
    public Map<String, Object> body(String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("name", name);
        body.put("url", url.toString());
        if (publicIpv4 != null) {
            body.put("publicIpv4", publicIpv4);
        }
        if (publicIpv6 != null) {
            body.put("publicIpv6", publicIpv6);
        }
        body.put("capacitySites", capacitySites);
        return body;
    }
}
