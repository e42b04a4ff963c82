package dev.berth.api.deploys.git;

/** A Git fetch did not produce content; {@link #reason()} says why, the message says it to a tenant. */
public final class GitFetchException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason { URL_REFUSED, INVALID_BRANCH, BRANCH_NOT_FOUND, PATH_NOT_FOUND, TOO_LARGE, TIMEOUT, UNREACHABLE, NOT_AUTHORIZED, HOST_KEY_CHANGED }

    private final Reason reason;

    public GitFetchException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public GitFetchException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
