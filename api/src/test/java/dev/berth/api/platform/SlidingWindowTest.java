package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SlidingWindowTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SlidingWindow window = new SlidingWindow(60_000_000);

    private long now() {
        return RateLimits.micros(clock);
    }

    @Test
    void windowsAreAlignedOnTheEpochSoThatEveryReplicaCountsTheSameOnes() {
        assertThat(window.windowEnd(now())).isEqualTo(now() + 60_000_000);
        clock.advance(Duration.ofSeconds(59));
        assertThat(window.windowEnd(now())).isEqualTo(RateLimits.micros(java.time.Clock.fixed(
                Instant.parse("2026-01-01T00:01:00Z"), java.time.ZoneOffset.UTC)));
    }

    @Test
    void anEmptyWindowAdmitsTheCapacity() {
        assertThat(window.fits(0, 4, now(), 5)).isTrue();
        assertThat(window.fits(0, 5, now(), 5)).isFalse();
        assertThat(window.verdict(0, 5, now(), 5, true)).isEqualTo(new RateCounter.Verdict(0, 0, 120));
    }

    @Test
    void theCurrentWindowAloneFullWaitsIntoTheNextUntilItsWeightHasShrunk() {
        clock.advance(Duration.ofSeconds(30));
        // 10 of 10 counted now: in the next window they weigh 10 * (1 - g) <= 9 from g = 0.1, 6 s in.
        assertThat(window.verdict(0, 10, now(), 10, false)).isEqualTo(new RateCounter.Verdict(36, 0, 90));
    }

    @Test
    void thePreviousWindowWeighsByTheShareOfItTheSlidingWindowStillCovers() {
        clock.advance(Duration.ofSeconds(15));
        // 8 requests in the previous window weigh 6 at a quarter into this one: 6 + 3 = 9 of 10.
        assertThat(window.fits(8, 3, now(), 10)).isTrue();
        assertThat(window.fits(8, 4, now(), 10)).isFalse();
        // Refused at 6 + 4: one more fits once 8 * (1 - f) <= 5, from f = 3/8, 22.5 s into the window.
        assertThat(window.verdict(8, 4, now(), 10, false)).isEqualTo(new RateCounter.Verdict(8, 0, 105));
        clock.advance(Duration.ofMillis(7_500));
        assertThat(window.fits(8, 4, now(), 10)).isTrue();
    }

    @Test
    void aBurstAcrossAWindowBoundaryGetsNoSecondBudget() {
        clock.advance(Duration.ofSeconds(59));
        assertThat(window.fits(0, 9, now(), 10)).isTrue();
        clock.advance(Duration.ofSeconds(2));
        // A second into the next window, the 10 of the last one still weigh 9.83.
        assertThat(window.fits(10, 0, now(), 10)).isFalse();
        assertThat(window.verdict(10, 0, now(), 10, false)).isEqualTo(new RateCounter.Verdict(5, 0, 59));
    }
}
