package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteProtection;
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
                "3|11111111-2222-3333-4444-555555555555|serving|r-20261129.2|10.1.1.5:80|[fd00::5]:80|alpha.localhost,www.alpha.example|||||");
        assertThat(RouteRecord.decode(record.encode())).isEqualTo(record);
    }

    @Test
    void aStoppedSiteWithoutReleaseOrIpv6() {
        RouteRecord record = RouteRecord.of(spec(null, "10.1.1.5", null, List.of("alpha.localhost")), false).validate(BRIDGE);
        assertThat(record.encode()).isEqualTo("3|11111111-2222-3333-4444-555555555555|stopped|_welcome|10.1.1.5:80||alpha.localhost|||||");
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
            assertThat(record.encode()).isEqualTo("3|11111111-2222-3333-4444-555555555555|" + (serving ? "serving" : "stopped")
                    + "|r1|10.1.1.5:80||alpha.localhost|suspended||||");
            assertThat(record.suspended()).isTrue();
            assertThat(RouteRecord.decode(record.encode())).isEqualTo(record);
            assertThat(RouteRecord.of(plain, serving).suspended()).isFalse();
        }
    }

    @Test
    void theSnapshotIsJsonWithTheRecordsAsStrings() {
        assertThat(RouteTable.snapshotText(List.of("2|a", "2|b"))).isEqualTo("{\"version\":3,\"records\":[\n\"2|a\",\n\"2|b\"\n]}\n");
    }

    private static final String CREDENTIALS = "pbkdf2-sha256:20000:000102030405060708090a0b0c0d0e0f:"
            + "e7c359d950468c8949a4047ece821a17bf8d01db2ee705b547d6e4ba69b8ee21";

    private static SiteSpec protectedSpec(SiteProtection protection) {
        SiteSpec plain = spec("r1", "10.1.1.5", null, List.of("alpha.localhost"));
        return new SiteSpec(plain.siteId(), plain.name(), plain.tenantId(), plain.hostnames(), plain.ipv4(), plain.ipv6(),
                plain.siteLimits(), plain.tenantLimits(), true, "r1", 5, false, protection);
    }

    @Test
    void aProtectedSiteCarriesItsVerifierPathPrefixAndAllowListInTheLastThreeFields() {
        RouteRecord record = RouteRecord.of(protectedSpec(new SiteProtection(CREDENTIALS, "/staging",
                List.of("192.0.2.0/24", "2001:db8::/32"))), true).validate(BRIDGE);
        assertThat(record.encode()).isEqualTo("3|11111111-2222-3333-4444-555555555555|serving|r1|10.1.1.5:80||alpha.localhost||"
                + CREDENTIALS + "|/staging|192.0.2.0/24,2001:db8::/32|");
        assertThat(record.isProtected()).isTrue();
        assertThat(RouteRecord.decode(record.encode())).isEqualTo(record);
        RouteRecord allowListOnly = RouteRecord.of(protectedSpec(new SiteProtection(null, null, List.of("127.0.0.1/32"))), true)
                .validate(BRIDGE);
        assertThat(allowListOnly.encode()).endsWith("|alpha.localhost||||127.0.0.1/32|");
        assertThat(RouteRecord.decode(allowListOnly.encode())).isEqualTo(allowListOnly);
    }

    @Test
    void theServingSwitchesAreFlagsAndTheReleasesCompiledRulesTheLastField() throws Exception {
        SiteSpec plain = spec("r1", "10.1.1.5", null, List.of("alpha.localhost"));
        SiteSpec switched = new SiteSpec(plain.siteId(), plain.name(), plain.tenantId(), plain.hostnames(), plain.ipv4(), plain.ipv6(),
                plain.siteLimits(), plain.tenantLimits(), true, "r1", 5, false, null, new dev.berth.hostprotocol.SiteServing(true, true));
        String rules = dev.berth.hostprotocol.rules.ServingRules.parse("/a/* /b/:splat 302\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "/*\n  X-Frame-Options: DENY\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).compile();

        RouteRecord record = RouteRecord.of(switched, true, new ReleaseRules.Served(rules, true)).validate(BRIDGE);

        assertThat(record.encode()).isEqualTo("3|11111111-2222-3333-4444-555555555555|serving|r1|10.1.1.5:80||alpha.localhost"
                + "|spa,clean_urls,not_found_page||||r~302~0~/a/*~/b/%3Asplat,h~/*~X-Frame-Options~DENY");
        assertThat(RouteRecord.decode(record.encode())).isEqualTo(record);
        assertThat(RouteRecord.decode("2|11111111-2222-3333-4444-555555555555|serving|r1|10.1.1.5:80||alpha.localhost||||").rules())
                .as("a version 2 record has no rules").isEmpty();
        assertThatThrownBy(() -> RouteRecord.of(plain, true, new ReleaseRules.Served("r~301~0~/a~/b;}", false)).validate(BRIDGE))
                .hasMessageContaining("rules must be compiled serving rules");
    }

    @Test
    void aVersion1RecordOfAnOlderSnapshotReadsAsAnOpenSite() {
        RouteRecord old = RouteRecord.decode("1|11111111-2222-3333-4444-555555555555|serving|r1|10.1.1.5:80||alpha.localhost|");
        assertThat(old.isProtected()).isFalse();
        assertThat(old.encode()).startsWith("3|").endsWith("|alpha.localhost|||||");
        assertThatThrownBy(() -> RouteRecord.decode("1|11111111-2222-3333-4444-555555555555|serving|r1|10.1.1.5:80||a.localhost||||"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hostileProtectionValuesAreRefusedBeforeTheyReachTheTable() {
        List<SiteProtection> hostile = new java.util.ArrayList<>();
        for (String credentials : List.of("pbkdf2-sha256:20000:00:00", CREDENTIALS + "|x", CREDENTIALS.replace("20000", "999"),
                CREDENTIALS.replace("20000", "1000000"), CREDENTIALS.replace("pbkdf2-sha256", "md5"), CREDENTIALS.toUpperCase(),
                CREDENTIALS + "\n", "ada:correct horse", "")) {
            hostile.add(new SiteProtection(credentials, null, List.of()));
        }
        for (String prefix : List.of("staging", "/a|b", "/a\"b", "/a b", "/a\nb", "/a/../b", "/./a", "//a", "/a/", "/%2e%2e",
                "/" + "a".repeat(200), "/a;b", "/a,b", "/.*", "/[%a]", "")) {
            hostile.add(new SiteProtection(CREDENTIALS, prefix, List.of()));
        }
        for (String block : List.of("192.0.2.1/24", "192.0.2.0/33", "192.0.2.0", "localhost/32", "2001:DB8::/32", "2001:db8::1/32",
                "::1/129", "1.2.3.4/24,5.6.7.0/24", "1.2.3.0/24|x", "010.0.0.0/8", "fe80::1%eth0/128", "")) {
            hostile.add(new SiteProtection(null, null, List.of(block)));
        }
        hostile.add(new SiteProtection(null, null, java.util.Collections.nCopies(51, "10.0.0.0/8")));
        hostile.add(new SiteProtection(null, "/staging", List.of()));
        for (SiteProtection protection : hostile) {
            assertThatThrownBy(() -> RouteRecord.of(protectedSpec(protection), true).validate(BRIDGE)).as(protection.toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("protection");
            assertThat(dev.berth.hostd.site.ProtectionRules.problems(protection)).as(protection.toString()).isNotEmpty();
        }
    }
}
