package dev.berth.api.hosts;

/**
 * What a site build asks its host for: the command, the output folder and the limits the tenant's
 * quota allows (see {@link SiteHost#build}).
 */
public record BuildRun(String command, String outputDirectory, int cpuMillicores, int memoryMib, int pids, int timeoutSeconds,
                       int diskMib) {

    /** How a build ended: {@code buildId} names its output on the host when it succeeded. */
    public record Outcome(boolean succeeded, String buildId, String error) {
    }
}
