package dev.berth.api.platform;

import java.net.InetAddress;
import java.util.Optional;

/**
 * What a per-address rate limit counts a client under. An IPv4 client is its address; an IPv6
 * client is its network of {@code platform.ipv6RateLimitPrefix} bits (a /64 by default), because
 * one IPv6 client holds at least a /64 and could otherwise take a fresh budget with each source
 * address it picks from it. An IPv4-mapped IPv6 address is the IPv4 address it maps. Text that is
 * no address literal (none at all, a name) is one shared key, {@code ""}. Nothing is ever looked up
 * in DNS. Only the limits' keys change: the address recorded for sessions and the audit log stays
 * the client's full address. Thread-safe.
 */
public final class ClientNetworks {
    /** The prefix length an IPv6 client is counted by unless configured otherwise. */
    public static final int DEFAULT_IPV6_PREFIX = 64;
    /** The key of every client whose address is unknown or no literal. */
    static final String UNKNOWN = "";

    private final int ipv6PrefixLength;

    /**
     * @param ipv6PrefixLength the bits of an IPv6 address that name one client, 32 to 128
     * @throws IllegalArgumentException when the prefix length is out of that range
     */
    public ClientNetworks(int ipv6PrefixLength) {
        if (ipv6PrefixLength < 32 || ipv6PrefixLength > 128) {
            throw new IllegalArgumentException("platform.ipv6RateLimitPrefix must be between 32 and 128, not " + ipv6PrefixLength);
        }
        this.ipv6PrefixLength = ipv6PrefixLength;
    }

    /**
     * The key {@code clientAddress} is counted under: {@code 192.0.2.7} for itself,
     * {@code 2001:db8:1:2::/64} for any address of that network (with a zone id or without, in
     * any spelling), {@code ""} for null and anything that is no literal.
     */
    public String key(String clientAddress) {
        if (clientAddress == null) {
            return UNKNOWN;
        }
        String literal = clientAddress.strip();
        int zone = literal.indexOf('%');
        if (zone >= 0 && literal.contains(":")) {
            // A link-local peer's interface (fe80::1%eth0) is no part of its address.
            literal = literal.substring(0, zone) + (literal.endsWith("]") ? "]" : "");
        }
        Optional<InetAddress> address = IpAddresses.literal(literal);
        if (address.isEmpty()) {
            return UNKNOWN;
        }
        byte[] bytes = address.get().getAddress();
        if (bytes.length == 4) {
            return address.get().getHostAddress();
        }
        return new IpAddresses.Cidr(bytes, ipv6PrefixLength).canonical();
    }

    /** {@code perAddress} counting each client address under its {@link #key}. */
    public RateCounter<String> byNetwork(RateCounter<String> perAddress) {
        return new Keyed(perAddress, this);
    }

    private record Keyed(RateCounter<String> counter, ClientNetworks networks) implements RateCounter<String> {
        @Override
        public Verdict take(String clientAddress, int capacity) {
            return counter.take(networks.key(clientAddress), capacity);
        }

        @Override
        public boolean spent(String clientAddress, int capacity) {
            return counter.spent(networks.key(clientAddress), capacity);
        }

        @Override
        public void reset(String clientAddress) {
            counter.reset(networks.key(clientAddress));
        }
    }
}
