package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;
    private final RateLimiter<String> limiter = new RateLimiter<>(Duration.ofMinutes(1), ticker);

    @Test
    void allowsTheCapacityThenAsksToWait() {
        for (int i = 0; i < 60; i++) {
            assertThat(limiter.tryAcquire("t", 60)).isZero();
        }
        assertThat(limiter.tryAcquire("t", 60)).isEqualTo(1);
        assertThat(limiter.tryAcquire("other", 60)).isZero();
    }

    @Test
    void refillsOverTheWindow() {
        for (int i = 0; i < 6; i++) {
            limiter.tryAcquire("t", 6);
        }
        assertThat(limiter.tryAcquire("t", 6)).isEqualTo(10);
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(limiter.tryAcquire("t", 6)).isZero();
        assertThat(limiter.tryAcquire("t", 6)).isPositive();
    }

    @Test
    void resetForgetsAKey() {
        limiter.tryAcquire("t", 1);
        assertThat(limiter.tryAcquire("t", 1)).isPositive();
        limiter.reset("t");
        assertThat(limiter.tryAcquire("t", 1)).isZero();
    }

    @Test
    void aDrainedBucketFallsBelowEmptyAtMostByItsCapacityAndRefillsFromThere() {
        assertThat(limiter.drainIfKnown("t", 3)).isFalse();
        limiter.drain("t", 6, 8);
        // 6 - 8 = -2 tokens: one token is 3 intervals of 10 s away.
        assertThat(limiter.take("t", 6)).isEqualTo(new RateCounter.Verdict(30, 0, 80));
        assertThat(limiter.drainIfKnown("t", 100)).isTrue();
        assertThat(limiter.available("t", 6)).isEqualTo(-6.0);
        nanos.addAndGet(Duration.ofSeconds(70).toNanos());
        assertThat(limiter.take("t", 6).admitted()).isTrue();
        assertThat(limiter.spent("t", 6)).isTrue();
    }
}
