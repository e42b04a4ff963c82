package dev.berth.hostd.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void noDelayBeforeTheFirstFailureThenDoublingUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
        assertThat(backoff.delay(0)).isZero();
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(6)).isEqualTo(Duration.ofSeconds(32));
        assertThat(backoff.delay(7)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void doublingHasNoMaximumAndNeverOverflows() {
        Backoff backoff = Backoff.doubling(Duration.ofMillis(200));
        assertThat(backoff.delay(3)).isEqualTo(Duration.ofMillis(800));
        assertThat(backoff.delay(1000)).isEqualTo(Duration.ofMillis(200).multipliedBy(1L << 20));
    }
}
