package dev.berth.hostd.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CpuQuotaTest {

    @Test
    void aShortPeriodKeepsTheShareAndSmallLimitsKeepTheKernelsOneMillisecondMinimum() {
        assertThat(CpuQuota.of(1000)).isEqualTo(new CpuQuota(10_000, 10_000));
        assertThat(CpuQuota.of(250)).isEqualTo(new CpuQuota(2_500, 10_000));
        assertThat(CpuQuota.of(2000)).isEqualTo(new CpuQuota(20_000, 10_000));
        assertThat(CpuQuota.of(100)).isEqualTo(new CpuQuota(1_000, 10_000));
        assertThat(CpuQuota.of(50)).isEqualTo(new CpuQuota(1_000, 20_000));
        assertThat(CpuQuota.of(10)).isEqualTo(new CpuQuota(1_000, 100_000));
        assertThat(CpuQuota.of(30).quotaMicros()).isGreaterThanOrEqualTo(1_000);
        assertThatThrownBy(() -> CpuQuota.of(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
