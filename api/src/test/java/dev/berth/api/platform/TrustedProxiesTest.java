package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private final TrustedProxies nginxOnThisHost = new TrustedProxies(List.of("127.0.0.1", "::1"));

    @Test
    void withoutTrustedProxiesTheHeaderIsNeverRead() {
        assertThat(TrustedProxies.none().clientAddress("127.0.0.1", List.of("203.0.113.9"))).isEqualTo("127.0.0.1");
        assertThat(TrustedProxies.none().clientAddress("198.51.100.4", List.of("10.0.0.1, 203.0.113.9"))).isEqualTo("198.51.100.4");
    }

    @Test
    void aClientThatIsNoTrustedProxyCannotChooseItsAddress() {
        assertThat(nginxOnThisHost.clientAddress("198.51.100.4", List.of("127.0.0.1"))).isEqualTo("198.51.100.4");
    }

    @Test
    void behindTheProxyTheAddressItAppendedIsTheClientAndWhatTheClientSentIsIgnored() {
        // nginx's $proxy_add_x_forwarded_for: the client's own header, then the address nginx saw.
        assertThat(nginxOnThisHost.clientAddress("127.0.0.1", List.of("1.2.3.4, 5.6.7.8, 203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(nginxOnThisHost.clientAddress("127.0.0.1", List.of("1.2.3.4", "203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(nginxOnThisHost.clientAddress("::1", List.of("2001:db8::7"))).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void aChainOfTrustedProxiesIsWalkedFromTheRight() {
        TrustedProxies twoTiers = new TrustedProxies(List.of("127.0.0.1", "10.0.0.0/8"));
        assertThat(twoTiers.clientAddress("127.0.0.1", List.of("9.9.9.9, 203.0.113.9, 10.1.2.3"))).isEqualTo("203.0.113.9");
        // Only trusted hops: the leftmost is as far as anyone vouches.
        assertThat(twoTiers.clientAddress("127.0.0.1", List.of("10.1.2.3"))).isEqualTo("10.1.2.3");
    }

    @Test
    void garbageOrNamesInTheHeaderStopTheWalkAtTheLastTrustedHop() {
        assertThat(nginxOnThisHost.clientAddress("127.0.0.1", List.of("evil.example"))).isEqualTo("127.0.0.1");
        assertThat(nginxOnThisHost.clientAddress("127.0.0.1", List.of("203.0.113.9, unknown"))).isEqualTo("127.0.0.1");
        assertThat(nginxOnThisHost.clientAddress("127.0.0.1", List.of("0x7f.1"))).isEqualTo("127.0.0.1");
        assertThat(nginxOnThisHost.clientAddress("127.0.0.1", List.of(""))).isEqualTo("127.0.0.1");
        assertThat(nginxOnThisHost.clientAddress("127.0.0.1", List.of())).isEqualTo("127.0.0.1");
    }

    @Test
    void entriesThatAreNoAddressOrBlockAreRefusedAtStartUp() {
        assertThatThrownBy(() -> new TrustedProxies(List.of("proxy.example"))).hasMessageContaining("trustedProxies");
        assertThatThrownBy(() -> new TrustedProxies(List.of("10.0.0.0/33"))).hasMessageContaining("prefix");
    }
}
