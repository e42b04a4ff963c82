package dev.berth.api.platform;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

/**
 * Decides which address a request comes from. The connection's peer is the client unless the peer
 * is one of the configured proxies; then {@code X-Forwarded-For} is read from the right, skipping
 * further trusted proxies, and the first address no proxy of ours vouches for is the client. What
 * sits left of it was written by the client and is ignored, so a client behind a proxy that
 * appends (nginx's {@code $proxy_add_x_forwarded_for}) cannot choose its own address, and a client
 * talking to the API directly cannot either: its header is not read at all. Thread-safe.
 */
public final class TrustedProxies {
    /** Entries read from the header at most; a longer chain is cut at its trusted end. */
    private static final int MAX_HOPS = 20;

    private final List<IpAddresses.Cidr> proxies;

    /**
     * @param proxies CIDR blocks or single addresses of the reverse proxies in front of the API; empty: none
     * @throws IllegalArgumentException naming an entry that is not an address or block
     */
    public TrustedProxies(List<String> proxies) {
        List<IpAddresses.Cidr> parsed = new ArrayList<>();
        for (String entry : proxies) {
            try {
                parsed.add(IpAddresses.Cidr.parse(entry));
            } catch (IllegalArgumentException invalid) {
                throw new IllegalArgumentException("platform.trustedProxies: " + invalid.getMessage(), invalid);
            }
        }
        this.proxies = List.copyOf(parsed);
    }

    /** No proxy is trusted: the connection's peer is always the client. */
    public static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    /**
     * The client's address.
     *
     * @param peer            the connection's remote address (as the servlet container reports it)
     * @param forwardedValues every {@code X-Forwarded-For} header line, in order
     */
    public String clientAddress(String peer, List<String> forwardedValues) {
        Optional<InetAddress> peerAddress = IpAddresses.literal(peer);
        if (peerAddress.isEmpty() || !trusted(peerAddress.get()) || forwardedValues.isEmpty()) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String line : forwardedValues) {
            for (String hop : line.split(",", -1)) {
                hops.add(hop.strip());
            }
        }
        String client = peer;
        for (int index = hops.size() - 1, read = 0; index >= 0 && read < MAX_HOPS; index--, read++) {
            Optional<InetAddress> hop = IpAddresses.literal(hops.get(index));
            if (hop.isEmpty()) {
                // A trusted proxy wrote something that is no address: nothing left of it can be believed.
                return client;
            }
            client = hop.get().getHostAddress();
            if (!trusted(hop.get())) {
                return client;
            }
        }
        return client;
    }

    /** The client address of a servlet request. */
    public String clientAddress(jakarta.servlet.http.HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (proxies.isEmpty()) {
            return peer;
        }
        Enumeration<String> lines = request.getHeaders("X-Forwarded-For");
        return clientAddress(peer, lines == null ? List.of() : Collections.list(lines));
    }

    private boolean trusted(InetAddress address) {
        for (IpAddresses.Cidr proxy : proxies) {
            if (proxy.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
