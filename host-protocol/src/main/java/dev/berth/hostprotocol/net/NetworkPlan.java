package dev.berth.hostprotocol.net;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The sites' address plan of one host as hostd reports it in its {@code HostReport}: the settings
 * the plan is made from and, for people reading it, the bridges they give. {@link BridgePlan#of(NetworkPlan)}
 * turns it back into the plan; {@link BridgePlan#toNetworkPlan()} makes it.
 *
 * @param bridge             the name of bridge 0 (the others are {@code BRIDGE-k})
 * @param ipv4               bridge 0's IPv4 address with the sites' prefix, e.g. {@code 10.1.1.254/24}
 * @param ipv6               the bridge's IPv6 address on the sites' /64, e.g. {@code fd42:b3f1:7a00:1::fe/64}
 * @param bridgePrefixLength the prefix length of each bridge's slice, or null for one bridge
 * @param bridges            every bridge with the addresses it carries, bridge 0 first
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record NetworkPlan(String bridge, String ipv4, String ipv6, Integer bridgePrefixLength, List<Bridge> bridges) {
    public NetworkPlan {
        bridges = bridges == null ? List.of() : List.copyOf(bridges);
    }

    /** One bridge: its interface name and its own addresses with the prefix of its slice. */
    public record Bridge(String name, String ipv4, String ipv6) {
    }
}
