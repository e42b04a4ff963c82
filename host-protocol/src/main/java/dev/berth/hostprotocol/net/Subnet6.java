package dev.berth.hostprotocol.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv6 subnet with the bridge's own address, parsed from {@code fd00:b5e7:1::fe/64}: a /48 to /64
 * as configured, or a longer prefix for one bridge's slice of a /64 (see {@link BridgePlan}).
 */
public record Subnet6(Inet6Address bridgeAddress, int prefixLength) {

    public Subnet6 {
        if (prefixLength < 48 || prefixLength > 126) {
            throw new IllegalArgumentException("the IPv6 subnet prefix must be between /48 and /126");
        }
    }

    public static Subnet6 parse(String cidr) {
        String[] parts = cidr.split("/", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("bridge IPv6 must be ADDRESS/PREFIX, got " + cidr);
        }
        if (!parts[0].matches("[0-9a-fA-F:]{2,39}") || !parts[1].matches("[0-9]{1,3}")) {
            // Checked first, so that getByName below never asks a resolver.
            throw new IllegalArgumentException("bridge IPv6 must be ADDRESS/PREFIX, got " + cidr);
        }
        try {
            InetAddress address = InetAddress.getByName(parts[0]);
            if (!(address instanceof Inet6Address v6)) {
                throw new IllegalArgumentException("not an IPv6 address: " + parts[0]);
            }
            return new Subnet6(v6, Integer.parseInt(parts[1]));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: " + parts[0], e);
        }
    }

    /** True if the address is in the subnet and is neither the all-zero host nor the bridge's address. */
    public boolean isHostAddress(Inet6Address address) {
        byte[] value = address.getAddress();
        byte[] bridge = bridgeAddress.getAddress();
        for (int bit = 0; bit < prefixLength; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((value[bit / 8] & mask) != (bridge[bit / 8] & mask)) {
                return false;
            }
        }
        boolean hostZero = true;
        for (int bit = prefixLength; bit < 128; bit++) {
            if ((value[bit / 8] & (0x80 >> (bit % 8))) != 0) {
                hostZero = false;
                break;
            }
        }
        return !hostZero && !Arrays.equals(value, bridge);
    }

    /** RFC 5952 text of an address: lower case, leading zeros dropped, the longest run of zero groups as "::". */
    public static String text(Inet6Address address) {
        byte[] bytes = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
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

    public String cidr() {
        return bridgeAddress.getHostAddress().replaceAll("%.*$", "") + "/" + prefixLength;
    }

    @Override
    public String toString() {
        return cidr();
    }
}
