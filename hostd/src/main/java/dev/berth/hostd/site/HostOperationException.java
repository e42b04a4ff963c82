package dev.berth.hostd.site;

/** One part of the host (network, runtime, cgroups, proxy, content) failed to reach its target. */
public class HostOperationException extends Exception {
    public HostOperationException(String message) {
        super(message);
    }

    public HostOperationException(String message, Throwable cause) {
        super(message, cause);
    }
}
