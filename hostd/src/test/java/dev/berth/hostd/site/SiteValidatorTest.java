package dev.berth.hostd.site;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SiteValidatorTest {
    private final SiteValidator validator = new SiteValidator(Subnet4.parse("10.1.1.254/24"),
            Subnet6.parse("fd00:b5e7:1::fe/64"), SiteValidator.Ranges.defaults(2, 4096));
    private final UUID siteId = UUID.randomUUID();

    private SiteSpec spec(String name, List<String> hostnames, String ipv4, String ipv6, SiteSpec.Limits limits, String release) {
        return new SiteSpec(siteId, name, UUID.randomUUID(), hostnames, ipv4, ipv6, limits,
                new SiteSpec.Limits(2000, 1024, 1024), true, release, 1);
    }

    private SiteSpec valid() {
        return spec("alpha", List.of("alpha.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new SiteSpec.Limits(500, 64, 64), null);
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
            assertRefused(spec(name, List.of("alpha.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new SiteSpec.Limits(500, 64, 64), null),
                    "name must be a DNS label");
        }
    }

    @Test
    void hostnamesCannotCarryNginxSyntax() {
        for (String hostname : List.of("a.localhost;", "a b", "a.localhost\n", "*.localhost", "A.localhost", "a..b", "")) {
            assertRefused(spec("alpha", List.of(hostname), "10.1.1.5", "fd00:b5e7:1::5", new SiteSpec.Limits(500, 64, 64), null),
                    "hostname");
        }
    }

    @Test
    void addressesMustBeHostAddressesOfTheBridgeSubnets() {
        SiteSpec.Limits limits = new SiteSpec.Limits(500, 64, 64);
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
                "fd00:b5e7:1::0005", new SiteSpec.Limits(500, 64, 64), new SiteSpec.Limits(2000, 1024, 1024), true, null, 1);
        assertThatThrownBy(() -> validator.validate(siteId.toString(), valid(), List.of(other)))
                .hasMessageContaining("ipv4 10.1.1.5 is already used by another site")
                .hasMessageContaining("ipv6 fd00:b5e7:1::5 is already used by another site");
    }

    @Test
    void limitsOutOfRangeAreRefused() {
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new SiteSpec.Limits(5, 64, 64), null), "cpuMillicores must be between 10 and 2000");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new SiteSpec.Limits(500, 1, 64), null), "memoryMib must be between");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new SiteSpec.Limits(500, 64, 1_000_000), null), "pids must be between");
        assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", null, null), "siteLimits is required");
    }

    @Test
    void releaseNamesCannotEscapeTheSiteDirectory() {
        for (String release : List.of("..", "../x", "a/b", ".hidden", "", "-r", "x".repeat(65))) {
            assertRefused(spec("alpha", List.of("a.localhost"), "10.1.1.5", "fd00:b5e7:1::5", new SiteSpec.Limits(500, 64, 64), release), "release must be");
        }
    }

    @Test
    void theBodyMustNameThePathsSite() {
        assertThatThrownBy(() -> validator.validate(UUID.randomUUID().toString(), valid(), List.of()))
                .hasMessageContaining("siteId in the body must equal the id in the path");
    }
}
