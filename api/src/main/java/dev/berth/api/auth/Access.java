package dev.berth.api.auth;

import dev.berth.api.platform.CurrentRequest;

/** Reads the authenticated caller that {@link BearerAuthFilter} put on the current request. */
public final class Access {
    /** The request attribute holding the {@link Caller}. */
    static final String CALLER_ATTRIBUTE = "berth.caller";

    private Access() {
    }

    /** The caller of the current request; only called from endpoints that require authentication. */
    public static Caller caller() {
        if (CurrentRequest.get().getAttribute(CALLER_ATTRIBUTE) instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("an authenticated endpoint was reached without a caller");
    }

    /** The caller of the current request, or null when it is not authenticated. */
    public static Caller callerOrNull() {
        return CurrentRequest.get().getAttribute(CALLER_ATTRIBUTE) instanceof Caller caller ? caller : null;
    }
}
