package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientNetworksTest {
    private final ClientNetworks networks = new ClientNetworks(ClientNetworks.DEFAULT_IPV6_PREFIX);

    @Test
    void anIpv4ClientIsCountedByItsAddress() {
        assertThat(networks.key("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(networks.key(" 192.0.2.7 ")).isEqualTo("192.0.2.7");
        assertThat(networks.key("192.0.2.8")).isNotEqualTo(networks.key("192.0.2.7"));
    }

    @Test
    void everyAddressOfOneIpv6NetworkIsOneClient() {
        assertThat(networks.key("2001:db8:1:2::1")).isEqualTo("2001:db8:1:2::/64");
        assertThat(networks.key("2001:db8:1:2:ffff:ffff:ffff:fffe")).isEqualTo("2001:db8:1:2::/64");
        assertThat(networks.key("2001:db8:1:2:dead:beef:0:1")).isEqualTo("2001:db8:1:2::/64");
    }

    @Test
    void anotherIpv6NetworkIsAnotherClient() {
        assertThat(networks.key("2001:db8:1:3::1")).isEqualTo("2001:db8:1:3::/64");
        assertThat(networks.key("2001:db8:2:2::1")).isNotEqualTo(networks.key("2001:db8:1:2::1"));
    }

    @Test
    void everySpellingOfAnIpv6AddressIsTheSameKey() {
        String canonical = "2001:db8:1:2::/64";
        assertThat(networks.key("2001:DB8:1:2::ABCD")).isEqualTo(canonical);
        assertThat(networks.key("2001:0db8:0001:0002:0000:0000:0000:abcd")).isEqualTo(canonical);
        // As the servlet container and TrustedProxies report it: every group spelled out, no "::".
        assertThat(networks.key("2001:db8:1:2:0:0:0:abcd")).isEqualTo(canonical);
        assertThat(networks.key("[2001:db8:1:2::abcd]")).isEqualTo(canonical);
        assertThat(networks.key("0:0:0:0:0:0:0:1")).isEqualTo("::/64");
    }

    @Test
    void aZoneIdIsNoPartOfTheAddress() {
        assertThat(networks.key("fe80::1%eth0")).isEqualTo("fe80::/64");
        assertThat(networks.key("fe80:0:0:0:0:0:0:2%2")).isEqualTo("fe80::/64");
        assertThat(networks.key("[fe80::3%eth0]")).isEqualTo("fe80::/64");
    }

    @Test
    void anIpv4MappedAddressIsTheIpv4Client() {
        assertThat(networks.key("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(networks.key("::FFFF:c000:207")).isEqualTo("192.0.2.7");
        assertThat(networks.key("::ffff:192.0.2.8")).isNotEqualTo(networks.key("::ffff:192.0.2.7"));
    }

    @Test
    void whatIsNoAddressLiteralIsOneSharedKeyAndNeverLookedUp() {
        assertThat(networks.key(null)).isEmpty();
        assertThat(networks.key("")).isEmpty();
        assertThat(networks.key("localhost")).isEmpty();
        assertThat(networks.key("client.example")).isEmpty();
        assertThat(networks.key("0x7f.1")).isEmpty();
        assertThat(networks.key("1.2.3.256")).isEmpty();
        assertThat(networks.key("2001:db8::1::2")).isEmpty();
        assertThat(networks.key("%eth0")).isEmpty();
        assertThat(networks.key("unknown")).isEmpty();
    }

    @Test
    void thePrefixLengthIsConfigurable() {
        assertThat(new ClientNetworks(48).key("2001:db8:1:2::1")).isEqualTo("2001:db8:1::/48");
        assertThat(new ClientNetworks(56).key("2001:db8:1:2ff::1")).isEqualTo("2001:db8:1:200::/56");
        assertThat(new ClientNetworks(128).key("2001:db8:1:2::1")).isEqualTo("2001:db8:1:2::1/128");
        assertThat(new ClientNetworks(32).key("2001:db8:1:2::1")).isEqualTo("2001:db8::/32");
        assertThat(new ClientNetworks(48).key("192.0.2.7")).isEqualTo("192.0.2.7");
    }

    @Test
    void aPrefixLengthOutsideThirtyTwoToOneHundredTwentyEightIsRefused() {
        assertThatThrownBy(() -> new ClientNetworks(31)).hasMessageContaining("platform.ipv6RateLimitPrefix");
        assertThatThrownBy(() -> new ClientNetworks(129)).hasMessageContaining("between 32 and 128");
    }

    @Test
    void aCounterByNetworkGivesOneBudgetToAClientRotatingThroughItsNetwork() {
        RateCounter<String> counter = networks.byNetwork(new RateLimiter<>(Duration.ofMinutes(1), Ticker.disabledTicker()));
        assertThat(counter.take("2001:db8:1:2::1", 2).admitted()).isTrue();
        assertThat(counter.take("2001:db8:1:2::2", 2).admitted()).isTrue();
        assertThat(counter.spent("2001:db8:1:2::3", 2)).isTrue();
        assertThat(counter.take("2001:db8:1:2:0:0:0:4", 2).admitted()).isFalse();
        assertThat(counter.take("2001:db8:1:3::1", 2).admitted()).isTrue();
        counter.reset("2001:db8:1:2::99");
        assertThat(counter.spent("2001:db8:1:2::1", 2)).isFalse();
    }
}
