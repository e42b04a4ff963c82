package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.hostd.reconcile.Fakes;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FenceTest {
    @Test
    void eachContactOfTheApiRenewsTheLeaseTheProxyHoldsAndANodeStartsWithItExpired() {
        Fakes.FakeProxy proxy = new Fakes.FakeProxy();
        MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
        Instant start = clock.instant();
        Fence fence = new Fence(proxy, Duration.ofSeconds(20), clock);

        fence.renew();
        assertThat(fence.expired()).as("a node that just started has not heard from the API").isTrue();
        assertThat(proxy.leases).containsExactly(Optional.of(start));

        clock.set(start.plusMillis(1500));
        fence.contact();
        fence.renew();
        fence.renew();
        assertThat(fence.expired()).isFalse();
        assertThat(proxy.leases).as("sent when it moves, in whole seconds").containsExactly(Optional.of(start),
                Optional.of(start.plusSeconds(21)));

        clock.set(start.plusSeconds(20));
        fence.renew();
        assertThat(fence.expired()).isFalse();
        clock.set(start.plusSeconds(21));
        fence.renew();
        assertThat(fence.expired()).as("20 s without the API").isTrue();
        assertThat(proxy.leases).hasSize(2);

        clock.set(start.plusSeconds(40));
        fence.contact();
        fence.renew();
        assertThat(fence.expired()).isFalse();
        assertThat(proxy.leases).last().isEqualTo(Optional.of(start.plusSeconds(60)));
    }

    @Test
    void withoutALeaseTheProxyHoldsNoneAndNothingExpires() throws Exception {
        Fakes.FakeProxy proxy = new Fakes.FakeProxy();
        MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
        Fence fence = new Fence(proxy, Duration.ZERO, clock);
        fence.start();
        fence.stop();
        clock.advance(Duration.ofDays(1));
        assertThat(fence.enabled()).isFalse();
        assertThat(fence.expired()).isFalse();
        assertThat(proxy.leases).containsExactly(Optional.empty());
    }
}
