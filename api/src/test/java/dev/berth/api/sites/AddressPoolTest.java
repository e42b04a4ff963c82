package dev.berth.api.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressPoolTest {
    private final AddressPool pool = new AddressPool("10.1.1.0/24", "10.1.1.254", "fd42:b3f1:7a00:1::/64");

    @Test
    void allocatesTheLowestFreeAddressPairSkippingTheBridge() {
        assertThat(pool.allocate(List.of()).orElseThrow()).isEqualTo(new AddressPool.Pair("10.1.1.1", "fd42:b3f1:7a00:1::1"));
        assertThat(pool.allocate(List.of("10.1.1.1", "10.1.1.3")).orElseThrow().ipv4()).isEqualTo("10.1.1.2");
        List<String> all = new ArrayList<>();
        for (int i = 1; i <= 253; i++) {
            all.add("10.1.1." + i);
        }
        assertThat(pool.allocate(all)).isEmpty();
        assertThat(pool.capacity()).isEqualTo(253);
    }

    @Test
    void neverHandsOutTheSameAddressTwice() {
        List<String> used = new ArrayList<>();
        Set<String> v6 = new HashSet<>();
        for (int i = 0; i < 253; i++) {
            AddressPool.Pair pair = pool.allocate(used).orElseThrow();
            assertThat(used).doesNotContain(pair.ipv4());
            assertThat(v6.add(pair.ipv6())).isTrue();
            assertThat(pair.ipv4()).isNotIn("10.1.1.0", "10.1.1.254", "10.1.1.255");
            used.add(pair.ipv4());
        }
    }

    @Test
    void largerSubnetsWork() {
        AddressPool wide = new AddressPool("10.1.0.0/22", "10.1.3.254", "fd00:1::/64");
        List<String> used = new ArrayList<>();
        for (int i = 1; i <= 255; i++) {
            used.add("10.1.0." + i);
        }
        assertThat(wide.allocate(used).orElseThrow()).isEqualTo(new AddressPool.Pair("10.1.1.0", "fd00:1::100"));
        assertThat(wide.capacity()).isEqualTo(1021);
    }

    @Test
    void skipsEachBridgesOwnNetworkBroadcastAndBridgeAddressWhenTheSubnetSpansBridges() {
        // A /24 over four /26 bridges: the gateway .254 sits at offset 62 of its slice, so every
        // slice's .62 (and its .0 and .63) belongs to its bridge, and each slice holds 61 sites.
        AddressPool sliced = new AddressPool("10.1.1.0/24", "10.1.1.254", "fd00:1::/64", 26);
        assertThat(sliced.capacity()).isEqualTo(4 * 61);
        List<String> used = new ArrayList<>();
        for (int i = 1; i <= 61; i++) {
            used.add("10.1.1." + i);
        }
        assertThat(sliced.allocate(used).orElseThrow()).isEqualTo(new AddressPool.Pair("10.1.1.65", "fd00:1::41"));
        assertThat(sliced.contains("10.1.1.62")).isFalse();
        assertThat(sliced.contains("10.1.1.63")).isFalse();
        assertThat(sliced.contains("10.1.1.64")).isFalse();
        assertThat(sliced.contains("10.1.1.126")).isFalse();
        assertThat(sliced.contains("10.1.1.125")).isTrue();
        Set<String> all = new HashSet<>();
        for (int i = 0; i < sliced.capacity(); i++) {
            all.add(sliced.allocate(all).orElseThrow().ipv4());
        }
        assertThat(sliced.allocate(all)).isEmpty();
        // One slice only: the same pool as without bridgePrefixLength.
        assertThat(new AddressPool("10.1.1.0/24", "10.1.1.254", "fd00:1::/64", 24).capacity()).isEqualTo(253);
        assertThatThrownBy(() -> new AddressPool("10.1.1.0/24", "10.1.1.254", "fd00:1::/64", 23)).hasMessageContaining("between");
        assertThatThrownBy(() -> new AddressPool("10.1.1.0/24", "10.1.1.192", "fd00:1::/64", 26)).hasMessageContaining("network or broadcast");
    }

    @Test
    void knowsItsOwnSiteAddresses() {
        assertThat(pool.contains("10.1.1.7")).isTrue();
        assertThat(pool.contains("10.1.1.254")).isFalse();
        assertThat(pool.contains("10.1.1.255")).isFalse();
        assertThat(pool.contains("10.1.2.7")).isFalse();
    }

    @Test
    void refusesConfigurationThatCouldLeakOutsideTheBridge() {
        assertThatThrownBy(() -> new AddressPool("10.1.1.0/24", "10.1.2.1", "fd00::/64")).hasMessageContaining("outside");
        assertThatThrownBy(() -> new AddressPool("10.1.1.0/24", "10.1.1.254", "2001:db8::/64")).hasMessageContaining("unique local");
        assertThatThrownBy(() -> new AddressPool("10.1.1.0/24", "10.1.1.254", "fd00::/48")).hasMessageContaining("/64");
        assertThatThrownBy(() -> new AddressPool("10.1.1.0", "10.1.1.254", "fd00::/64")).hasMessageContaining("CIDR");
        assertThatThrownBy(() -> new AddressPool("10.1.1.0/31", "10.1.1.1", "fd00::/64")).hasMessageContaining("/30");
    }

    @Test
    void formatsIpv6Canonically() {
        byte[] address = new byte[16];
        address[0] = (byte) 0xfd;
        address[15] = 1;
        assertThat(AddressPool.format6(address)).isEqualTo("fd00::1");
        assertThat(AddressPool.format6(new byte[16])).isEqualTo("::");
    }
}
