package dev.berth.hostd.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
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
    void theValidatorWantsBothAddressesOfASiteOnTheSameBridgeAndNeverABridgesOwn() throws InvalidSpecException {
        SiteValidator validator = new SiteValidator(BridgePlan.of("berth0", Subnet4.parse("10.1.1.254/23"), V6, 24),
                SiteValidator.Ranges.defaults(2, 4096));
        validator.validate(SITE.toString(), spec("10.1.1.7", "fd00:b5e7:1::107"), List.of());
        assertThatThrownBy(() -> validator.validate(SITE.toString(), spec("10.1.1.7", "fd00:b5e7:1::7"), List.of()))
                .hasMessageContaining("ipv6 fd00:b5e7:1::7 must be a host address of fd00:b5e7:1:0:0:0:0:1fe/120");
        assertThatThrownBy(() -> validator.validate(SITE.toString(), spec("10.1.0.254", "fd00:b5e7:1::fe"), List.of()))
                .hasMessageContaining("ipv4 10.1.0.254 must be a host address of 10.1.0.254/24 other than the bridge's");
        assertThatThrownBy(() -> validator.validate(SITE.toString(), spec("10.1.1.0", "fd00:b5e7:1::100"), List.of()))
                .hasMessageContaining("ipv4 10.1.1.0");
    }

    @Test
    void refusesPlansTheHostCouldNotCarry() {
        assertThatThrownBy(() -> BridgePlan.of("berth0", V4, V6, 22)).hasMessageContaining("between the subnet's /23 and /30");
        assertThatThrownBy(() -> BridgePlan.of("berth0", Subnet4.parse("10.1.0.254/16"), V6, 24)).hasMessageContaining("at most 64");
        assertThatThrownBy(() -> BridgePlan.of("berth0", Subnet4.parse("10.1.1.0/23"), V6, 24)).hasMessageContaining("network or broadcast");
        assertThatThrownBy(() -> BridgePlan.of("abcdefghijklmno", V4, V6, 24)).hasMessageContaining("too long");
        assertThatThrownBy(() -> BridgePlan.of("berth0", V4, Subnet6.parse("fd00:b5e7::fe/56"), 24)).hasMessageContaining("/64");
    }

    private static final UUID SITE = UUID.randomUUID();

    private static SiteSpec spec(String ipv4, String ipv6) {
        return new SiteSpec(SITE, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), ipv4, ipv6,
                new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(1000, 256, 256), true, null, 1);
    }
}
