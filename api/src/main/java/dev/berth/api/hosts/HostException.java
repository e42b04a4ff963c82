package dev.berth.api.hosts;

/** A host could not be reached, or refused or failed a request. */
public class HostException extends Exception {
    private final boolean retryable;

    public HostException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public HostException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    /** False when repeating the same request cannot succeed (the host refused the spec as invalid). */
    public boolean retryable() {
        return retryable;
    }
}
