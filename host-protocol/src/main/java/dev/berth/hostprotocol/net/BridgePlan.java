package dev.berth.hostprotocol.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How the sites' subnets are laid over the host's bridges. A Linux bridge holds at most 1,024
 * ports, so a host with more sites than that splits its IPv4 subnet into equal slices, one bridge a
 * slice. A site's IPv6 interface id is its IPv4 host number (the API allocates them together), so
 * each slice of the IPv4 subnet has a matching run of IPv6 addresses, routed on the same bridge.
 *
 * <p>With one bridge (no {@code bridgePrefixLength}, or one equal to the subnet's) the bridge
 * carries exactly the configured addresses, as before multiple bridges existed. With more, bridge
 * {@code k} is named {@code BRIDGE-k} (bridge 0 keeps the configured name) and carries:
 * <ul>
 * <li>IPv4: the slice's address at the same offset inside its slice as the configured bridge
 * address has inside its own, with the slice's prefix length;</li>
 * <li>IPv6: the configured /64 with the interface id equal to that IPv4 host number, on a prefix
 * as long as the slice's (a /22 slice of 1,024 addresses is a /118).</li>
 * </ul>
 * <p>The site addresses are the host numbers of the IPv4 subnet minus each slice's network,
 * broadcast and bridge address; a site's IPv6 address is the /64 with the same host number as its
 * interface id ({@link #siteAddresses}). hostd checks specs against the plan, and the API hands out
 * addresses from the plan hostd reports ({@link NetworkPlan}), so both sides use this one piece of
 * arithmetic.
 *
 * <p>Immutable and thread-safe; pure (no host effects).
 */
public final class BridgePlan {
    /** Bridges a plan may hold: each one costs a few commands on every periodic repair. */
    public static final int MAX_BRIDGES = 64;

    /** hostd's bridge name unless configured otherwise. */
    public static final String DEFAULT_BRIDGE = "berth0";
    /** hostd's bridge IPv4 address and the sites' prefix unless configured otherwise. */
    public static final String DEFAULT_IPV4 = "10.1.1.254/24";
    /** hostd's bridge IPv6 address on the sites' /64 unless configured otherwise. */
    public static final String DEFAULT_IPV6 = "fd42:b3f1:7a00:1::fe/64";

    /** One bridge and the slice of the site addresses it carries. */
    public record Bridge(int index, String name, Subnet4 subnet4, Subnet6 subnet6) {
    }

    private final Subnet4 whole4;
    private final Subnet6 whole6;
    private final int sliceBits;
    private final List<Bridge> bridges;

    private BridgePlan(Subnet4 whole4, Subnet6 whole6, int sliceBits, List<Bridge> bridges) {
        this.whole4 = whole4;
        this.whole6 = whole6;
        this.sliceBits = sliceBits;
        this.bridges = List.copyOf(bridges);
    }

    /** A site's IPv4 address and the IPv6 address with its host number as interface id. */
    public record SiteAddresses(String ipv4, String ipv6) {
    }

    /** The plan of a hostd with the default network settings. */
    public static BridgePlan defaultPlan() {
        return single(DEFAULT_BRIDGE, Subnet4.parse(DEFAULT_IPV4), Subnet6.parse(DEFAULT_IPV6));
    }

    /** One bridge carrying the whole subnets, exactly as configured. */
    public static BridgePlan single(String name, Subnet4 subnet4, Subnet6 subnet6) {
        requireName(name, 0);
        requireSiteIpv6(subnet6);
        return new BridgePlan(subnet4, subnet6, 32 - subnet4.prefixLength(), List.of(new Bridge(0, name, subnet4, subnet6)));
    }

    /**
     * The plan for the configured bridge name and addresses, split into bridges of
     * {@code bridgePrefixLength} (null: one bridge).
     *
     * @throws IllegalArgumentException with a message naming the setting that is wrong
     */
    public static BridgePlan of(String name, Subnet4 subnet4, Subnet6 subnet6, Integer bridgePrefixLength) {
        if (bridgePrefixLength == null || bridgePrefixLength == subnet4.prefixLength()) {
            return single(name, subnet4, subnet6);
        }
        requireSiteIpv6(subnet6);
        int prefix = bridgePrefixLength;
        if (prefix < subnet4.prefixLength() || prefix > 30) {
            throw new IllegalArgumentException("network.bridgePrefixLength must be between the subnet's /" + subnet4.prefixLength()
                    + " and /30, got /" + prefix);
        }
        int count = 1 << (prefix - subnet4.prefixLength());
        if (count > MAX_BRIDGES) {
            throw new IllegalArgumentException("network.bridgePrefixLength /" + prefix + " splits " + subnet4.cidr() + " into " + count
                    + " bridges; at most " + MAX_BRIDGES + " are allowed (a bridge holds up to 1,024 sites)");
        }
        requireName(name, count - 1);
        int sliceBits = 32 - prefix;
        int sliceSize = 1 << sliceBits;
        int bridgeOffset = subnet4.offsetOf(subnet4.bridgeAddress()) & (sliceSize - 1);
        if (bridgeOffset == 0 || bridgeOffset == sliceSize - 1) {
            throw new IllegalArgumentException("the bridge address " + subnet4.bridgeAddress().getHostAddress()
                    + " would be the network or broadcast address of its /" + prefix + " slice; choose one such as the slice's last host");
        }
        int network = subnet4.network();
        List<Bridge> bridges = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int host = k * sliceSize + bridgeOffset;
            Subnet4 slice4 = new Subnet4(Subnet4.toInet4(network + host), prefix);
            Subnet6 slice6 = new Subnet6(withInterfaceId(subnet6.bridgeAddress(), host), 128 - sliceBits);
            bridges.add(new Bridge(k, k == 0 ? name : name + "-" + k, slice4, slice6));
        }
        return new BridgePlan(subnet4, subnet6, sliceBits, bridges);
    }

    /** Interface ids are IPv4 host numbers, so the sites' IPv6 subnet is a /64; private, so a ULA. */
    private static void requireSiteIpv6(Subnet6 subnet6) {
        if (subnet6.prefixLength() != 64) {
            throw new IllegalArgumentException("network.bridgeIpv6 must be on a /64, got /" + subnet6.prefixLength());
        }
        if ((subnet6.bridgeAddress().getAddress()[0] & 0xfe) != 0xfc) {
            throw new IllegalArgumentException("network.bridgeIpv6 must be a unique local address (fc00::/7), got " + subnet6.cidr());
        }
    }

    private static void requireName(String name, int highestIndex) {
        if (name == null || !name.matches("[a-z][a-z0-9]{1,14}")) {
            throw new IllegalArgumentException("bridge name must be 2 to 15 characters a-z 0-9, starting with a letter");
        }
        if (highestIndex > 0 && (name + "-" + highestIndex).length() > 15) {
            throw new IllegalArgumentException("bridge name " + name + " is too long for " + (highestIndex + 1)
                    + " bridges: " + name + "-" + highestIndex + " exceeds the 15 characters of an interface name");
        }
    }

    public List<Bridge> bridges() {
        return bridges;
    }

    /** The subnet all sites' IPv4 addresses come from (the API's pool). */
    public Subnet4 subnet4() {
        return whole4;
    }

    /** The /64 (or larger) all sites' IPv6 addresses come from. */
    public Subnet6 subnet6() {
        return whole6;
    }

    /** The bridge whose slice holds {@code ipv4}, if the address is in the sites' subnet at all. */
    public Optional<Bridge> bridgeFor(Inet4Address ipv4) {
        int mask = (int) (0xffffffffL << (32 - whole4.prefixLength()));
        if ((Subnet4.toInt(ipv4) & mask) != (Subnet4.toInt(whole4.bridgeAddress()) & mask)) {
            return Optional.empty();
        }
        return Optional.of(bridges.get(whole4.offsetOf(ipv4) >>> sliceBits));
    }

    /** {@link #bridgeFor(Inet4Address)} for the text of a validated spec's address. */
    public Bridge bridgeFor(String ipv4) {
        try {
            InetAddress address = InetAddress.getByName(ipv4);
            if (address instanceof Inet4Address v4) {
                return bridgeFor(v4).orElseThrow(() -> new IllegalArgumentException(ipv4 + " is outside " + whole4.cidr()));
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 address: " + ipv4, e);
        }
        throw new IllegalArgumentException("not an IPv4 address: " + ipv4);
    }

    /** Names of every bridge, bridge 0 first. */
    public List<String> names() {
        return bridges.stream().map(Bridge::name).toList();
    }

    /** The prefix length of one bridge's slice of the IPv4 subnet. */
    public int bridgePrefixLength() {
        return 32 - sliceBits;
    }

    /** How many sites the plan can address. */
    public int siteCapacity() {
        int slices = 1 << (32 - whole4.prefixLength() - sliceBits);
        return slices * ((1 << sliceBits) - 3);
    }

    /** Whether {@code ipv4} is a site address: in the subnet, not a slice's network, broadcast or bridge address. */
    public boolean isSiteAddress(Inet4Address ipv4) {
        return bridgeFor(ipv4).isPresent() && isSiteHost(whole4.offsetOf(ipv4));
    }

    /**
     * The lowest site addresses whose IPv4 is not in {@code usedIpv4} (dotted quads), or empty when
     * every one is taken.
     *
     * @throws IllegalArgumentException if a used address is not a dotted quad
     */
    public Optional<SiteAddresses> lowestFree(Collection<String> usedIpv4) {
        Set<Integer> used = new HashSet<>();
        for (String address : usedIpv4) {
            used.add(Subnet4.toInt(Subnet4.parseAddress(address)));
        }
        int network = whole4.network();
        int size = 1 << (32 - whole4.prefixLength());
        for (int host = 1; host < size - 1; host++) {
            if (isSiteHost(host) && !used.contains(network + host)) {
                return Optional.of(siteAddresses(host));
            }
        }
        return Optional.empty();
    }

    private SiteAddresses siteAddresses(int host) {
        int network = whole4.network();
        return new SiteAddresses(Subnet4.toInet4(network + host).getHostAddress(), Subnet6.text(withInterfaceId(whole6.bridgeAddress(), host)));
    }

    private boolean isSiteHost(int host) {
        int sliceSize = 1 << sliceBits;
        int inSlice = host & (sliceSize - 1);
        int bridgeInSlice = whole4.offsetOf(whole4.bridgeAddress()) & (sliceSize - 1);
        return inSlice != 0 && inSlice != sliceSize - 1 && inSlice != bridgeInSlice;
    }

    /** This plan as hostd reports it. */
    public NetworkPlan toNetworkPlan() {
        return new NetworkPlan(bridges.get(0).name(), whole4.cidr(), whole6.cidr(),
                bridges.size() == 1 ? null : bridgePrefixLength(),
                bridges.stream().map(bridge -> new NetworkPlan.Bridge(bridge.name(), bridge.subnet4().cidr(), bridge.subnet6().cidr())).toList());
    }

    /**
     * The plan a host reported.
     *
     * @throws IllegalArgumentException if the plan is not one a hostd could run, or its bridge list
     *                                  is not the one its settings give
     */
    public static BridgePlan of(NetworkPlan reported) {
        BridgePlan plan = of(reported.bridge(), Subnet4.parse(reported.ipv4()), Subnet6.parse(reported.ipv6()), reported.bridgePrefixLength());
        if (!plan.toNetworkPlan().equals(reported)) {
            throw new IllegalArgumentException("the reported bridges " + reported.bridges() + " are not those of its settings: "
                    + plan.toNetworkPlan().bridges());
        }
        return plan;
    }

    private static Inet6Address withInterfaceId(Inet6Address base, int interfaceId) {
        byte[] bytes = base.getAddress();
        for (int i = 8; i < 16; i++) {
            bytes[i] = 0;
        }
        bytes[12] = (byte) (interfaceId >>> 24);
        bytes[13] = (byte) (interfaceId >>> 16);
        bytes[14] = (byte) (interfaceId >>> 8);
        bytes[15] = (byte) interfaceId;
        try {
            return (Inet6Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }
}
