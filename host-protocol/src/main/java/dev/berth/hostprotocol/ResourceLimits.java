package dev.berth.hostprotocol;

/**
 * CPU (millicores), memory (MiB) and process-count limits of one cgroup. Not checked here: hostd's
 * validator answers every broken rule of a spec at once, the API checks quotas before it builds one.
 */
public record ResourceLimits(int cpuMillicores, int memoryMib, int pids) {
    /** The memory limit in bytes. */
    public long memoryBytes() {
        return memoryMib * 1024L * 1024L;
    }
}
