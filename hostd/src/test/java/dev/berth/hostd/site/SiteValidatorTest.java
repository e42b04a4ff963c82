package dev.berth.hostd.site;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SiteValidatorTest {
    private final SiteValidator validator = new SiteValidator(Subnet4.parse("10.1.1.254/24"),
            Subnet6.parse("fd00:b5e7:1::fe/64"), SiteValidator.Ranges.defaults(2, 4096));
    private final UUID siteId = UUID.randomUUID();

    private SiteSpec spec(String name, List<String> hostnames, String ipv4, String ipv6, ResourceLimits limits, String release) {
        return new SiteSpec(siteId, name, UUID.randomUUID(), hostnames, ipv4, ipv6, limits,
                new ResourceLimits(2000, 1024, 1024), true, release, 1);
    }

    private SiteSpec valid() {
        return spec("alpha", List.of("alpha.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new ResourceLimits(500, 64, 64), null);
    }

    private void assertRefused(SiteSpec spec, String message) {
        assertThatThrownBy(() -> validator.validate(siteId.toString(), spec, List.of()))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining(message);
    }

    @Test
    void aValidSpecPasses() {
        assertThatCode(() -> validator.validate(siteId.toString(), valid(), List.of())).doesNotThrowAnyException();
    }

    @Test
    void namesMustBeDnsLabels() {
        for (String name : List.of("", "-alpha", "alpha-", "Alpha", "al_pha", "a".repeat(64), "al pha", "../x")) {
            assertRefused(spec(name, List.of("alpha.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new ResourceLimits(500, 64, 64), null),
                    "name must be a DNS label");
        }
    }

    @Test
    void hostnamesCannotCarryNginxSyntax() {
        for (String hostname : List.of("a.localhost;", "a b", "a.localhost\n", "*.localhost", "A.localhost", "a..b", "")) {
            assertRefused(spec("alpha", List.of(hostname), "10.1.1.5", "fd00:b5e7:1::5", new ResourceLimits(500, 64, 64), null),
                    "hostname");
        }
    }

    @Test
    void addressesMustBeHostAddressesOfTheBridgeSubnets() {
        ResourceLimits limits = new ResourceLimits(500, 64, 64);
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.2.5", "fd00:b5e7:1::5", limits, null), "must be a host address of 10.1.1.254/24");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.254", "fd00:b5e7:1::5", limits, null), "other than the bridge's");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.0", "fd00:b5e7:1::5", limits, null), "must be a host address");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.255", "fd00:b5e7:1::5", limits, null), "must be a host address");
        assertRefused(spec("alpha", List.of("a.localhost"), "example.com", "fd00:b5e7:1::5", limits, null), "dotted-quad");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:2::5", limits, null), "must be a host address of fd00");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::fe", limits, null), "other than the bridge's");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "10.1.1.6", limits, null), "ipv6 must be an IPv6 address");
    }

    @Test
    void anAddressUsedByAnotherSiteIsRefused() {
        SiteSpec other = new SiteSpec(UUID.randomUUID(), "beta", UUID.randomUUID(), List.of("beta.localhost"), "10.1.1.5",
                "fd00:b5e7:1::0005", new ResourceLimits(500, 64, 64), new ResourceLimits(2000, 1024, 1024), true, null, 1);
        assertThatThrownBy(() -> validator.validate(siteId.toString(), valid(), List.of(other)))
                .hasMessageContaining("ipv4 10.1.1.5 is already used by another site")
                .hasMessageContaining("ipv6 fd00:b5e7:1::5 is already used by another site");
    }

    @Test
    void limitsOutOfRangeAreRefused() {
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new ResourceLimits(5, 64, 64), null), "cpuMillicores must be between 10 and 2000");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new ResourceLimits(500, 1, 64), null), "memoryMib must be between");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new ResourceLimits(500, 64, 1_000_000), null), "pids must be between");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", null, null), "siteLimits is required");
    }

    @Test
    void releaseNamesCannotEscapeTheSiteDirectory() {
        for (String release : List.of("..", "../x", "a/b", ".hidden", "", "-r", "x".repeat(65))) {
            assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new ResourceLimits(500, 64, 64), release), "release must be");
        }
    }

    @Test
    void theBodyMustNameThePathsSite() {
        assertThatThrownBy(() -> validator.validate(UUID.randomUUID().toString(), valid(), List.of()))
                .hasMessageContaining("siteId in the body must equal the id in the path");
    }

    @Test
    void theValidatorWantsBothAddressesOfASiteOnTheSameBridgeAndNeverABridgesOwn() throws InvalidSpecException {
        SiteValidator validator = new SiteValidator(BridgePlan.of("berth0", Subnet4.parse("10.1.1.254/23"), Subnet6.parse("fd00:b5e7:1::1fe/64"), 24),
                SiteValidator.Ranges.defaults(2, 4096));
        validator.validate(BRIDGED_SITE.toString(), bridgedSpec("10.1.1.7", "fd00:b5e7:1::107"), List.of());
        assertThatThrownBy(() -> validator.validate(BRIDGED_SITE.toString(), bridgedSpec("10.1.1.7", "fd00:b5e7:1::7"), List.of()))
                .hasMessageContaining("ipv6 fd00:b5e7:1::7 must be a host address of fd00:b5e7:1:0:0:0:0:1fe/120");
        assertThatThrownBy(() -> validator.validate(BRIDGED_SITE.toString(), bridgedSpec("10.1.0.254", "fd00:b5e7:1::fe"), List.of()))
                .hasMessageContaining("ipv4 10.1.0.254 must be a host address of 10.1.0.254/24 other than the bridge's");
        assertThatThrownBy(() -> validator.validate(BRIDGED_SITE.toString(), bridgedSpec("10.1.1.0", "fd00:b5e7:1::100"), List.of()))
                .hasMessageContaining("ipv4 10.1.1.0");
    }

    private static final UUID BRIDGED_SITE = UUID.randomUUID();

    private static SiteSpec bridgedSpec(String ipv4, String ipv6) {
        return new SiteSpec(BRIDGED_SITE, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), ipv4, ipv6,
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1);
    }
}
