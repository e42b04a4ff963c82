package dev.berth.api.platform;

import dev.berth.hostprotocol.net.Subnet6;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IP address literals and CIDR blocks, parsed strictly and without ever asking DNS: a dotted quad
 * for IPv4 (no decimal, octal, hex or shortened forms), hex groups and colons for IPv6 (optionally
 * in brackets, without a zone). Thread-safe.
 */
public final class IpAddresses {
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9a-f:.]{2,45}$");

    private IpAddresses() {
    }

    /** The address {@code text} spells, or empty when it is not a strict literal (a name is never looked up). */
    public static Optional<InetAddress> literal(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String candidate = text.strip().toLowerCase(Locale.ROOT);
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        boolean v4 = DOTTED_QUAD.matcher(candidate).matches();
        boolean v6 = !v4 && candidate.contains(":") && IPV6.matcher(candidate).matches();
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            // A literal that matched one of the patterns: getByName parses it and asks no resolver.
            return Optional.of(InetAddress.getByName(candidate));
        } catch (UnknownHostException | IllegalArgumentException invalid) {
            return Optional.empty();
        }
    }

    /** A block of addresses: {@code ADDRESS/PREFIX}, or one address (a /32 or /128). */
    public record Cidr(byte[] network, int prefixLength) {
        /**
         * @throws IllegalArgumentException when {@code text} is not a literal with an optional prefix in range
         */
        public static Cidr parse(String text) {
            String[] parts = text.strip().split("/", 2);
            InetAddress address = literal(parts[0])
                    .orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block"));
            byte[] network = address.getAddress();
            int prefix;
            try {
                prefix = parts.length == 1 ? network.length * 8 : Integer.parseInt(parts[1]);
            } catch (NumberFormatException invalid) {
                throw new IllegalArgumentException("'" + text + "' has no valid prefix length", invalid);
            }
            if (prefix < 0 || prefix > network.length * 8) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length out of range");
            }
            return new Cidr(network, prefix);
        }

        /** The block as text: host bits cleared, IPv6 in RFC 5952 form, e.g. {@code 2001:db8:1:2::/64}. */
        public String canonical() {
            byte[] masked = new byte[network.length];
            for (int bit = 0; bit < prefixLength; bit++) {
                masked[bit / 8] |= (byte) (network[bit / 8] & (0x80 >>> (bit % 8)));
            }
            try {
                InetAddress address = InetAddress.getByAddress(masked);
                return (address instanceof Inet6Address v6 ? Subnet6.text(v6) : address.getHostAddress()) + "/" + prefixLength;
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException("4 or 16 bytes are always an address", impossible);
            }
        }

        public boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefixLength; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((candidate[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
