package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class RouteRecordTest {
    private static final UUID SITE = UUID.fromString("11111111-2222-3333-4444-555555555555");
    /** The bridge of these tests: 10.1.1.0/24 and fd00::/64. */
    private static final Predicate<InetAddress> BRIDGE = address -> address.getHostAddress().startsWith("10.1.1.")
            || address.getHostAddress().startsWith("fd00:0:0:0:");

    private static SiteSpec spec(String release, String ipv4, String ipv6, List<String> hostnames) {
        return new SiteSpec(SITE, "alpha", UUID.randomUUID(), hostnames, ipv4, ipv6, new ResourceLimits(500, 64, 64),
                new ResourceLimits(1000, 256, 256), true, release, 3);
    }

    @Test
    void aRecordIsVersionSiteStateReleaseAddressesHostnamesAndFlags() {
        RouteRecord record = RouteRecord.of(spec("r-20261129.2", "10.1.1.5", "FD00::5", List.of("alpha.localhost", "www.alpha.example")), true)
                .validate(BRIDGE);
        assertThat(record.encode()).isEqualTo(
                "1|11111111-2222-3333-4444-555555555555|serving|r-20261129.2|10.1.1.5:80|[fd00::5]:80|alpha.localhost,www.alpha.example|");
        assertThat(RouteRecord.decode(record.encode())).isEqualTo(record);
    }

    @Test
    void aStoppedSiteWithoutReleaseOrIpv6() {
        RouteRecord record = RouteRecord.of(spec(null, "10.1.1.5", null, List.of("alpha.localhost")), false).validate(BRIDGE);
        assertThat(record.encode()).isEqualTo("1|11111111-2222-3333-4444-555555555555|stopped|_welcome|10.1.1.5:80||alpha.localhost|");
        assertThat(RouteRecord.decode(record.encode())).isEqualTo(record);
    }

    @Test
    void addressesOffTheBridgeAreRefused() {
        for (String ipv4 : List.of("127.0.0.1", "169.254.169.254", "10.1.2.5", "0.0.0.0")) {
            assertThatThrownBy(() -> RouteRecord.of(spec(null, ipv4, null, List.of("a.localhost")), true).validate(BRIDGE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ipv4");
        }
        assertThatThrownBy(() -> RouteRecord.of(spec(null, "10.1.1.5", "::1", List.of("a.localhost")), true).validate(BRIDGE))
                .hasMessageContaining("ipv6");
    }

    @Test
    void hostileValuesAreRefusedWithoutAnyLookup() {
        // Names that would be DNS lookups if parsed as hosts, out-of-range octets, and separators of the record.
        for (String ipv4 : List.of("localhost", "10.1.1.256", "10.1.1.05", "10.1.1.5:81", "10.1.1.5|x", "10.1.1.5 ", "")) {
            assertThatThrownBy(() -> RouteRecord.of(spec(null, ipv4, null, List.of("a.localhost")), true).validate(BRIDGE))
                    .as(ipv4).isInstanceOf(IllegalArgumentException.class);
        }
        for (String ipv6 : List.of("cafe", "fd00::5]:80|x", "fd00::5%eth0")) {
            assertThatThrownBy(() -> RouteRecord.of(spec(null, "10.1.1.5", ipv6, List.of("a.localhost")), true).validate(BRIDGE))
                    .as(ipv6).isInstanceOf(IllegalArgumentException.class);
        }
        for (String release : List.of("../other", "r|serving", "r\n", "-r", ".r", "r/x", "r\"}")) {
            assertThatThrownBy(() -> RouteRecord.of(spec(release, "10.1.1.5", null, List.of("a.localhost")), true).validate(BRIDGE))
                    .as(release).hasMessageContaining("release");
        }
        for (String hostname : List.of("a.localhost,b.localhost", "A.localhost", "a.localhost|x", "a b", "a.localhost;", "")) {
            assertThatThrownBy(() -> RouteRecord.of(spec(null, "10.1.1.5", null, List.of(hostname)), true).validate(BRIDGE))
                    .as(hostname).hasMessageContaining("hostnames");
        }
        assertThatThrownBy(() -> new RouteRecord(SITE, RouteRecord.State.SERVING, "r1", "10.1.1.5", null, List.of("a.localhost"),
                "protected|x").validate(BRIDGE)).hasMessageContaining("flags");
        assertThatThrownBy(() -> RouteRecord.of(spec(null, "10.1.1.5", null, List.of()), true).validate(BRIDGE))
                .hasMessageContaining("hostnames");
    }

    @Test
    void aSuspendedTenantsSiteIsFlaggedSuspendedWhetherServingOrStopped() {
        for (boolean serving : new boolean[] {true, false}) {
            SiteSpec plain = spec("r1", "10.1.1.5", null, List.of("alpha.localhost"));
            SiteSpec suspended = new SiteSpec(plain.siteId(), plain.name(), plain.tenantId(), plain.hostnames(), plain.ipv4(),
                    plain.ipv6(), plain.siteLimits(), plain.tenantLimits(), plain.running(), plain.release(), 4, true);
            RouteRecord record = RouteRecord.of(suspended, serving).validate(BRIDGE);
            assertThat(record.encode()).isEqualTo("1|11111111-2222-3333-4444-555555555555|" + (serving ? "serving" : "stopped")
                    + "|r1|10.1.1.5:80||alpha.localhost|suspended");
            assertThat(record.suspended()).isTrue();
            assertThat(RouteRecord.decode(record.encode())).isEqualTo(record);
            assertThat(RouteRecord.of(plain, serving).suspended()).isFalse();
        }
    }

    @Test
    void theSnapshotIsJsonWithTheRecordsAsStrings() {
        assertThat(RouteTable.snapshotText(List.of("1|a", "1|b"))).isEqualTo("{\"version\":1,\"records\":[\n\"1|a\",\n\"1|b\"\n]}\n");
    }
}
