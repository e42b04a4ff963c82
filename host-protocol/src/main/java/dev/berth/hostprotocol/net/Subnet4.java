package dev.berth.hostprotocol.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 subnet together with the bridge's own address in it, parsed from {@code 10.1.1.254/24}.
 */
public record Subnet4(Inet4Address bridgeAddress, int prefixLength) {

    public Subnet4 {
        if (prefixLength < 8 || prefixLength > 30) {
            throw new IllegalArgumentException("the IPv4 subnet prefix must be between /8 and /30");
        }
    }

    public static Subnet4 parse(String cidr) {
        String[] parts = cidr.split("/", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("bridge IPv4 must be ADDRESS/PREFIX, got " + cidr);
        }
        if (!parts[1].matches("[0-9]{1,2}")) {
            throw new IllegalArgumentException("bridge IPv4 must be ADDRESS/PREFIX, got " + cidr);
        }
        return new Subnet4(parseAddress(parts[0]), Integer.parseInt(parts[1]));
    }

    /**
     * A strict dotted quad (no shortened, octal or hex forms; never a name to look up).
     *
     * @throws IllegalArgumentException if {@code text} is not one
     */
    public static Inet4Address parseAddress(String text) {
        if (text == null || !text.matches("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}")) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        byte[] bytes = new byte[4];
        String[] parts = text.split("\\.");
        for (int i = 0; i < 4; i++) {
            int value = Integer.parseInt(parts[i]);
            if (value > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            bytes[i] = (byte) value;
        }
        return toInet4(toInt(bytes));
    }

    /** The subnet's network address as a number. */
    int network() {
        return toInt(bridgeAddress) & mask();
    }

    static int toInt(Inet4Address address) {
        return toInt(address.getAddress());
    }

    private static int toInt(byte[] b) {
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    static Inet4Address toInet4(int value) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {
                    (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are an IPv4 address", e);
        }
    }

    private int mask() {
        return (int) (0xffffffffL << (32 - prefixLength));
    }

    /** True if the address is in the subnet and is neither its network, broadcast nor bridge address. */
    public boolean isHostAddress(Inet4Address address) {
        int value = toInt(address);
        int network = toInt(bridgeAddress) & mask();
        if ((value & mask()) != network) {
            return false;
        }
        int host = value & ~mask();
        return host != 0 && host != ~mask() && value != toInt(bridgeAddress);
    }

    /** Offset of the address inside the subnet (1 for the first host address). */
    public int offsetOf(Inet4Address address) {
        return toInt(address) & ~mask();
    }

    public String cidr() {
        return bridgeAddress.getHostAddress() + "/" + prefixLength;
    }

    @Override
    public String toString() {
        return cidr();
    }
}
