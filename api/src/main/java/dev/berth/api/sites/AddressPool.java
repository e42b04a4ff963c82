package dev.berth.api.sites;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The private addresses sites get on the host bridge: IPv4 from a subnet (network, broadcast and
 * the bridge's own address excluded) and IPv6 from a ULA /64, where a site's IPv6 interface id is
 * its IPv4 host number, so both addresses always travel together. A host with more sites than one
 * bridge holds splits the subnet into slices of {@code bridgePrefixLength}, one bridge each (see
 * hostd's BridgePlan): then each slice's network, broadcast and bridge address (the gateway's offset
 * inside its slice) are excluded. Immutable and thread-safe.
 */
public final class AddressPool {
    private final int network;
    private final int prefixLength;
    private final int gateway;
    private final int sliceSize;
    private final byte[] ipv6Prefix;

    /**
     * @param ipv4Subnet  CIDR, e.g. 10.1.1.0/24 (prefix /8 to /30)
     * @param ipv4Gateway the bridge's address inside it, e.g. 10.1.1.254
     * @param ipv6Prefix  a ULA /64 in fc00::/7, e.g. fd42:b3f1:7a00:1::/64
     */
    public AddressPool(String ipv4Subnet, String ipv4Gateway, String ipv6Prefix) {
        this(ipv4Subnet, ipv4Gateway, ipv6Prefix, null);
    }

    /**
     * @param bridgePrefixLength the prefix length of each bridge's slice of the subnet (null: one bridge)
     */
    public AddressPool(String ipv4Subnet, String ipv4Gateway, String ipv6Prefix, Integer bridgePrefixLength) {
        String[] cidr = ipv4Subnet.split("/", 2);
        if (cidr.length != 2) {
            throw new IllegalArgumentException("ipv4 subnet must be in CIDR form such as 10.1.1.0/24");
        }
        this.prefixLength = Integer.parseInt(cidr[1]);
        if (prefixLength < 8 || prefixLength > 30) {
            throw new IllegalArgumentException("ipv4 subnet prefix must be between /8 and /30");
        }
        int mask = -1 << (32 - prefixLength);
        this.network = toInt(parse4(cidr[0])) & mask;
        this.gateway = toInt(parse4(ipv4Gateway));
        if ((gateway & mask) != network) {
            throw new IllegalArgumentException("the bridge address " + ipv4Gateway + " is outside " + ipv4Subnet);
        }
        String[] v6 = ipv6Prefix.split("/", 2);
        if (v6.length != 2 || !"64".equals(v6[1])) {
            throw new IllegalArgumentException("ipv6 prefix must be a /64 such as fd42:b3f1:7a00:1::/64");
        }
        byte[] prefix = parse6(v6[0]);
        if ((prefix[0] & 0xfe) != 0xfc) {
            throw new IllegalArgumentException("ipv6 prefix must be a unique local address (fc00::/7)");
        }
        this.ipv6Prefix = prefix;
        int slicePrefix = bridgePrefixLength == null ? prefixLength : bridgePrefixLength;
        if (slicePrefix < prefixLength || slicePrefix > 30) {
            throw new IllegalArgumentException("bridgePrefixLength must be between the subnet's /" + prefixLength + " and /30");
        }
        this.sliceSize = 1 << (32 - slicePrefix);
        int gatewayInSlice = (gateway - network) & (sliceSize - 1);
        if (gatewayInSlice == 0 || gatewayInSlice == sliceSize - 1) {
            throw new IllegalArgumentException("the bridge address " + ipv4Gateway + " is the network or broadcast address of its /"
                    + slicePrefix + " slice");
        }
    }

    /** How many sites the pool can address. */
    public int capacity() {
        return ((1 << (32 - prefixLength)) / sliceSize) * (sliceSize - 3);
    }

    /** The lowest free address pair, or empty when the pool is exhausted. */
    public Optional<Pair> allocate(Collection<String> usedIpv4) {
        Set<Integer> used = new HashSet<>();
        for (String address : usedIpv4) {
            used.add(toInt(parse4(address)));
        }
        int size = 1 << (32 - prefixLength);
        for (int host = 1; host < size - 1; host++) {
            int candidate = network + host;
            if (isSiteHost(host) && !used.contains(candidate)) {
                return Optional.of(new Pair(format4(candidate), ipv6For(host)));
            }
        }
        return Optional.empty();
    }

    /** Whether an IPv4 address is a site address of this pool (not network, broadcast or bridge). */
    public boolean contains(String ipv4) {
        int address = toInt(parse4(ipv4));
        int mask = -1 << (32 - prefixLength);
        return (address & mask) == network && isSiteHost(address & ~mask);
    }

    /** Whether a host number is neither a slice's network, broadcast nor bridge address. */
    private boolean isSiteHost(int host) {
        int inSlice = host & (sliceSize - 1);
        return inSlice != 0 && inSlice != sliceSize - 1 && inSlice != ((gateway - network) & (sliceSize - 1));
    }

    private String ipv6For(int host) {
        byte[] address = ipv6Prefix.clone();
        for (int i = 0; i < 8; i++) {
            address[15 - i] = (byte) (i < 4 ? host >>> (8 * i) : 0);
        }
        return format6(address);
    }

    /** RFC 5952 text form: lower case, leading zeros dropped, the longest run of zero groups as "::". */
    static String format6(byte[] address) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xff) << 8 | address[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int length = 0;
            while (i + length < 8 && groups[i + length] == 0) {
                length++;
            }
            if (length > bestLength) {
                bestStart = i;
                bestLength = length;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    private static byte[] parse4(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("0|[1-9][0-9]{0,2}")) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            int value = Integer.parseInt(parts[i]);
            if (value > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    private static byte[] parse6(String text) {
        if (!text.contains(":") || !text.matches("[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException("not an IPv6 address: " + text);
        }
        try {
            InetAddress address = InetAddress.getByName(text);
            if (!(address instanceof Inet6Address)) {
                throw new IllegalArgumentException("not an IPv6 address: " + text);
            }
            return address.getAddress();
        } catch (UnknownHostException invalid) {
            throw new IllegalArgumentException("not an IPv6 address: " + text, invalid);
        }
    }

    private static int toInt(byte[] b) {
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
    }

    private static String format4(int value) {
        return (value >>> 24 & 0xff) + "." + (value >>> 16 & 0xff) + "." + (value >>> 8 & 0xff) + "." + (value & 0xff);
    }

    /** An IPv4 and IPv6 address given to one site. */
    public record Pair(String ipv4, String ipv6) {
    }
}
