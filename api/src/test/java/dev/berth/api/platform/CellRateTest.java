package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CellRateTest {
    private static final long MINUTE = 60_000_000;
    private final MutableClock clock = new MutableClock();

    /** Counts one request the way SharedBuckets' upsert does, on a bucket kept in {@code fullAt[0]}. */
    private static RateCounter.Verdict take(CellRate rate, long[] fullAt, long now) {
        if (rate.fits(fullAt[0], now)) {
            fullAt[0] = rate.afterCounting(fullAt[0], now);
            return rate.verdict(fullAt[0], now, true);
        }
        return rate.verdict(fullAt[0], now, false);
    }

    @Test
    void admitsTheCapacityAtOnceThenOneRequestPerInterval() {
        CellRate rate = new CellRate(MINUTE, 6);
        long[] fullAt = {0};
        long now = RateLimits.micros(clock);
        for (int i = 0; i < 6; i++) {
            assertThat(take(rate, fullAt, now)).isEqualTo(new RateCounter.Verdict(0, 5 - i, 10L * (i + 1)));
        }
        assertThat(take(rate, fullAt, now)).isEqualTo(new RateCounter.Verdict(10, 0, 60));
        clock.advance(Duration.ofSeconds(9));
        assertThat(take(rate, fullAt, RateLimits.micros(clock))).isEqualTo(new RateCounter.Verdict(1, 0, 51));
        clock.advance(Duration.ofSeconds(1));
        assertThat(take(rate, fullAt, RateLimits.micros(clock)).admitted()).isTrue();
        assertThat(take(rate, fullAt, RateLimits.micros(clock)).admitted()).isFalse();
    }

    @Test
    void aBucketFullAgainInThePastIsAFullBucket() {
        CellRate rate = new CellRate(MINUTE, 3);
        long now = RateLimits.micros(clock);
        assertThat(rate.fits(now - MINUTE * 10, now)).isTrue();
        assertThat(rate.verdict(now - MINUTE * 10, now, false)).isEqualTo(new RateCounter.Verdict(1, 3, 0));
        assertThat(rate.afterCounting(now - MINUTE * 10, now)).isEqualTo(now + MINUTE / 3);
    }

    @Test
    void admitsExactlyWhatTheInMemoryBucketAdmits() {
        Random random = new Random(42);
        long[] nanos = {0};
        RateLimiter<String> memory = new RateLimiter<>(Duration.ofMinutes(1), () -> nanos[0]);
        CellRate rate = new CellRate(MINUTE, 6);
        long[] fullAt = {0};
        long start = RateLimits.micros(clock);
        for (int i = 0; i < 2_000; i++) {
            // Odd microsecond steps, so that no request falls exactly on a refill boundary (where the
            // in-memory bucket's floating point and the integer instants may round apart).
            nanos[0] += (random.nextInt(8_000_000) * 2L + 1) * 1_000;
            RateCounter.Verdict shared = take(rate, fullAt, start + nanos[0] / 1_000);
            RateCounter.Verdict local = memory.take("k", 6);
            assertThat(shared).as("request %d", i).isEqualTo(local);
        }
    }
}
