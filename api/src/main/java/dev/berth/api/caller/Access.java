package dev.berth.api.caller;

import dev.berth.api.platform.CurrentRequest;

/**
 * The authenticated caller of the current request: put there once by the authentication filter
 * ({@link #attach}), read by every endpoint that requires authentication.
 */
public final class Access {
    /** The request attribute holding the {@link Caller}. */
    private static final String CALLER_ATTRIBUTE = "berth.caller";

    private Access() {
    }

    /** Makes {@code caller} the caller of the current request (the authentication filter, once per request). */
    public static void attach(Caller caller) {
        CurrentRequest.set(CALLER_ATTRIBUTE, caller);
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
