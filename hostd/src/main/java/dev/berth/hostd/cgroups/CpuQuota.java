package dev.berth.hostd.cgroups;

/**
 * A CPU limit as CFS bandwidth: {@code quota} microseconds of CPU time per {@code period}. The
 * period is short (10 ms) so that a tenant spinning on every core is throttled after a few
 * milliseconds, not after tens: with 100 ms, a 1-CPU tenant with four busy loops holds both cores
 * of a 2-core host for 50 ms at a time and every other site's requests queue behind it. The kernel
 * wants a quota of at least 1 ms, so small limits get a longer period (10 millicores: 100 ms).
 * Used alike for the tenant's cgroup and for each site's (runc's config).
 */
public record CpuQuota(long quotaMicros, long periodMicros) {
    static final long PERIOD_MICROS = 10_000;
    private static final long MIN_QUOTA_MICROS = 1_000;

    public static CpuQuota of(int millicores) {
        if (millicores < 1) {
            throw new IllegalArgumentException("cpuMillicores must be positive");
        }
        long period = Math.max(PERIOD_MICROS, (MIN_QUOTA_MICROS * 1000 + millicores - 1) / millicores);
        return new CpuQuota(millicores * period / 1000, period);
    }
}
