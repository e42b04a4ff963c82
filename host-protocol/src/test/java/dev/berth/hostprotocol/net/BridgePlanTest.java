package dev.berth.hostprotocol.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BridgePlanTest {
    private static final Subnet4 V4 = Subnet4.parse("10.1.0.254/23");
    private static final Subnet6 V6 = Subnet6.parse("fd00:b5e7:1::1fe/64");

    @Test
    void withoutASlicePrefixOneBridgeCarriesExactlyTheConfiguredAddresses() {
        BridgePlan plan = BridgePlan.of("berth0", V4, V6, null);
        assertThat(plan.bridges()).containsExactly(new BridgePlan.Bridge(0, "berth0", V4, V6));
        assertThat(BridgePlan.of("berth0", V4, V6, 23).bridges()).hasSize(1);
    }

    @Test
    void slicesGetNumberedBridgesWithTheBridgeAddressAtTheSameOffsetAndMatchingIpv6Runs() throws Exception {
        BridgePlan plan = BridgePlan.of("berth0", Subnet4.parse("10.1.1.254/23"), V6, 24);
        assertThat(plan.names()).containsExactly("berth0", "berth0-1");
        BridgePlan.Bridge first = plan.bridges().get(0);
        BridgePlan.Bridge second = plan.bridges().get(1);
        assertThat(first.subnet4().cidr()).isEqualTo("10.1.0.254/24");
        assertThat(second.subnet4().cidr()).isEqualTo("10.1.1.254/24");
        // Interface id = IPv4 host number inside the /23: 0xfe and 0x1fe; a slice of 256 is a /120.
        assertThat(first.subnet6().cidr()).isEqualTo("fd00:b5e7:1:0:0:0:0:fe/120");
        assertThat(second.subnet6().cidr()).isEqualTo("fd00:b5e7:1:0:0:0:0:1fe/120");

        assertThat(plan.bridgeFor("10.1.0.7").name()).isEqualTo("berth0");
        assertThat(plan.bridgeFor("10.1.1.7").name()).isEqualTo("berth0-1");
        assertThat(plan.bridgeFor((Inet4Address) InetAddress.getByName("10.1.2.7"))).isEmpty();
        assertThat(second.subnet6().isHostAddress((Inet6Address) InetAddress.getByName("fd00:b5e7:1::107"))).isTrue();
        assertThat(second.subnet6().isHostAddress((Inet6Address) InetAddress.getByName("fd00:b5e7:1::7"))).isFalse();
    }

    @Test
    void refusesPlansTheHostCouldNotCarry() {
        assertThatThrownBy(() -> BridgePlan.of("berth0", V4, V6, 22)).hasMessageContaining("between the subnet's /23 and /30");
        assertThatThrownBy(() -> BridgePlan.of("berth0", Subnet4.parse("10.1.0.254/16"), V6, 24)).hasMessageContaining("at most 64");
        assertThatThrownBy(() -> BridgePlan.of("berth0", Subnet4.parse("10.1.1.0/23"), V6, 24)).hasMessageContaining("network or broadcast");
        assertThatThrownBy(() -> BridgePlan.of("abcdefghijklmno", V4, V6, 24)).hasMessageContaining("too long");
        assertThatThrownBy(() -> BridgePlan.of("berth0", V4, Subnet6.parse("fd00:b5e7::fe/56"), 24)).hasMessageContaining("/64");
    }

    @Test
    void aPlanOfOneBridgeHandsOutTheLowestFreePairSkippingTheBridge() {
        BridgePlan plan = BridgePlan.of("berth0", Subnet4.parse("10.1.1.254/24"), Subnet6.parse("fd42:b3f1:7a00:1::fe/64"), null);
        assertThat(plan.lowestFree(List.of())).contains(new BridgePlan.SiteAddresses("10.1.1.1", "fd42:b3f1:7a00:1::1"));
        assertThat(plan.lowestFree(List.of("10.1.1.1", "10.1.1.3")).orElseThrow().ipv4()).isEqualTo("10.1.1.2");
        List<String> all = new ArrayList<>();
        Set<String> ipv6 = new HashSet<>();
        for (int i = 0; i < 253; i++) {
            BridgePlan.SiteAddresses pair = plan.lowestFree(all).orElseThrow();
            assertThat(pair.ipv4()).isNotIn("10.1.1.0", "10.1.1.254", "10.1.1.255");
            assertThat(ipv6.add(pair.ipv6())).isTrue();
            all.add(pair.ipv4());
        }
        assertThat(plan.lowestFree(all)).isEmpty();
        assertThat(plan.siteCapacity()).isEqualTo(253);
    }

    @Test
    void largerSubnetsCarryOnIntoTheNextOctetWithTheHostNumberAsInterfaceId() {
        BridgePlan wide = BridgePlan.of("berth0", Subnet4.parse("10.1.3.254/22"), Subnet6.parse("fd00:1::fe/64"), null);
        List<String> used = new ArrayList<>();
        for (int i = 1; i <= 255; i++) {
            used.add("10.1.0." + i);
        }
        assertThat(wide.lowestFree(used)).contains(new BridgePlan.SiteAddresses("10.1.1.0", "fd00:1::100"));
        assertThat(wide.siteCapacity()).isEqualTo(1021);
    }

    @Test
    void eachSliceKeepsItsNetworkBroadcastAndBridgeAddress() throws Exception {
        // A /24 over four /26 bridges: the bridge .254 sits at offset 62 of its slice, so every
        // slice's .62 (and its .0 and .63) belongs to its bridge, and each slice holds 61 sites.
        BridgePlan sliced = BridgePlan.of("berth0", Subnet4.parse("10.1.1.254/24"), Subnet6.parse("fd00:1::fe/64"), 26);
        assertThat(sliced.siteCapacity()).isEqualTo(4 * 61);
        List<String> used = new ArrayList<>();
        for (int i = 1; i <= 61; i++) {
            used.add("10.1.1." + i);
        }
        assertThat(sliced.lowestFree(used)).contains(new BridgePlan.SiteAddresses("10.1.1.65", "fd00:1::41"));
        for (String taken : List.of("10.1.1.62", "10.1.1.63", "10.1.1.64", "10.1.1.126", "10.1.2.7")) {
            assertThat(sliced.isSiteAddress(v4(taken))).as(taken).isFalse();
        }
        assertThat(sliced.isSiteAddress(v4("10.1.1.125"))).isTrue();
        Set<String> all = new HashSet<>();
        for (int i = 0; i < sliced.siteCapacity(); i++) {
            all.add(sliced.lowestFree(all).orElseThrow().ipv4());
        }
        assertThat(sliced.lowestFree(all)).isEmpty();
    }

    @Test
    void theReportedPlanMakesTheSamePlanAndAPlanThatContradictsItsSettingsIsRefused() {
        BridgePlan plan = BridgePlan.of("berth0", Subnet4.parse("10.1.1.254/23"), V6, 24);
        NetworkPlan reported = plan.toNetworkPlan();
        assertThat(reported).isEqualTo(new NetworkPlan("berth0", "10.1.1.254/23", "fd00:b5e7:1:0:0:0:0:1fe/64", 24, List.of(
                new NetworkPlan.Bridge("berth0", "10.1.0.254/24", "fd00:b5e7:1:0:0:0:0:fe/120"),
                new NetworkPlan.Bridge("berth0-1", "10.1.1.254/24", "fd00:b5e7:1:0:0:0:0:1fe/120"))));
        assertThat(BridgePlan.of(reported).toNetworkPlan()).isEqualTo(reported);
        assertThat(BridgePlan.of(BridgePlan.of("berth0", V4, V6, null).toNetworkPlan()).bridges()).hasSize(1);
        NetworkPlan contradicting = new NetworkPlan("berth0", "10.1.1.254/23", "fd00:b5e7:1::1fe/64", 24, reported.bridges().subList(0, 1));
        assertThatThrownBy(() -> BridgePlan.of(contradicting)).hasMessageContaining("not those of its settings");
        assertThatThrownBy(() -> BridgePlan.of(new NetworkPlan("berth0", "localhost/24", "fd00::fe/64", null, List.of())))
                .hasMessageContaining("not an IPv4 address");
    }

    @Test
    void sitesOnlyGetPrivateIpv6AddressesOnASlash64() {
        assertThatThrownBy(() -> BridgePlan.of("berth0", V4, Subnet6.parse("2001:db8::fe/64"), null)).hasMessageContaining("unique local");
        assertThatThrownBy(() -> BridgePlan.of("berth0", V4, Subnet6.parse("fd00::fe/56"), null)).hasMessageContaining("/64");
    }

    @Test
    void writesIpv6Canonically() throws Exception {
        assertThat(Subnet6.text((Inet6Address) InetAddress.getByName("fd00:0:0:0:0:0:0:1"))).isEqualTo("fd00::1");
        assertThat(Subnet6.text((Inet6Address) InetAddress.getByName("::"))).isEqualTo("::");
        assertThat(Subnet6.text((Inet6Address) InetAddress.getByName("fd42:b3f1:7a00:1:0:0:0:fe"))).isEqualTo("fd42:b3f1:7a00:1::fe");
    }

    @Test
    void addressesAreStrictLiteralsNeverNamesToLookUp() {
        assertThat(Subnet4.parseAddress("10.1.1.7").getHostAddress()).isEqualTo("10.1.1.7");
        for (String bad : List.of("10.1.1", "010.1.1.7", "10.1.1.256", "0x0a.1.1.7", "localhost")) {
            assertThatThrownBy(() -> Subnet4.parseAddress(bad)).as(bad).hasMessageContaining("not an IPv4 address");
        }
        assertThatThrownBy(() -> Subnet6.parse("localhost/64")).hasMessageContaining("ADDRESS/PREFIX");
    }

    private static Inet4Address v4(String text) {
        return Subnet4.parseAddress(text);
    }
}
