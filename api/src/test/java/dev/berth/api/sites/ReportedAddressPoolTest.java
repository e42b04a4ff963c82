package dev.berth.api.sites;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.support.FakeSiteHost;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.NetworkPlan;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportedAddressPoolTest {
    private static final NetworkPlan SLICED = BridgePlan.of("berth0", Subnet4.parse("10.1.7.254/21"),
            Subnet6.parse("fd42:b3f1:7a00:1::7fe/64"), 22).toNetworkPlan();

    private final FakeSiteHost host = new FakeSiteHost();
    private Instant now = Instant.parse("2026-12-05T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final ReportedAddressPool pool = new ReportedAddressPool(host, clock, Duration.ofSeconds(30));

    @Test
    void untilTheHostAnswersTheDefaultPlanOfHostdIsUsed() {
        host.setUnreachable(true);
        pool.refreshIfStale();
        assertThat(pool.reported()).isFalse();
        assertThat(pool.plan().toNetworkPlan()).isEqualTo(BridgePlan.defaultPlan().toNetworkPlan());
        assertThat(pool.allocate(List.of())).contains(new BridgePlan.SiteAddresses("10.1.1.1", "fd42:b3f1:7a00:1::1"));
        assertThat(pool.capacity()).isEqualTo(253);
    }

    @Test
    void theReportedPlanIsUsedSoABridgesOwnAddressIsNeverHandedOut() {
        host.reportNetworkPlan(SLICED);
        pool.refreshIfStale();
        assertThat(pool.reported()).isTrue();
        assertThat(pool.capacity()).isEqualTo(2 * 1021);
        assertThat(pool.allocate(List.of())).contains(new BridgePlan.SiteAddresses("10.1.0.1", "fd42:b3f1:7a00:1::1"));
        // 10.1.3.254 is bridge 0's own address at the /22 slice's offset; the next free is in bridge 1.
        List<String> firstSlice = new java.util.ArrayList<>();
        for (int host = 1; host <= 1021; host++) {
            firstSlice.add(pool.allocate(firstSlice).orElseThrow().ipv4());
        }
        assertThat(firstSlice).doesNotContain("10.1.3.254", "10.1.3.255", "10.1.0.0");
        assertThat(pool.allocate(firstSlice).orElseThrow().ipv4()).isEqualTo("10.1.4.1");
    }

    @Test
    void aPlanIsAskedForAgainOnlyOnceItIsStaleAndAHostThatStopsAnsweringKeepsItsLastPlan() {
        host.reportNetworkPlan(SLICED);
        pool.refreshIfStale();
        host.reportNetworkPlan(BridgePlan.defaultPlan().toNetworkPlan());
        now = now.plusSeconds(29);
        pool.refreshIfStale();
        assertThat(pool.plan().toNetworkPlan()).isEqualTo(SLICED);
        now = now.plusSeconds(1);
        host.setUnreachable(true);
        pool.refreshIfStale();
        assertThat(pool.plan().toNetworkPlan()).isEqualTo(SLICED);
        host.setUnreachable(false);
        pool.refreshIfStale();
        assertThat(pool.plan().toNetworkPlan()).isEqualTo(BridgePlan.defaultPlan().toNetworkPlan());
    }

    @Test
    void aPlanNoHostdCouldRunIsIgnored() {
        host.reportNetworkPlan(SLICED);
        pool.refresh();
        host.reportNetworkPlan(new NetworkPlan("berth0", "10.1.1.254/24", "2001:db8::fe/64", null, List.of()));
        pool.refresh();
        assertThat(pool.plan().toNetworkPlan()).isEqualTo(SLICED);
    }
}
