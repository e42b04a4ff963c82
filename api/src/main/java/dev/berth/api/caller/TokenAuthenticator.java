package dev.berth.api.caller;

import java.util.Optional;

/**
 * Turns a bearer token of one kind (its prefix, e.g. a personal access token's) into the caller it
 * stands for. The authentication filter asks it about every token that {@link #recognizes} and
 * verifies every other token as a login session's access token. Implementations must be
 * thread-safe.
 */
public interface TokenAuthenticator {

    /** Whether {@code token} is of this authenticator's kind (decided by its form, nothing looked up). */
    boolean recognizes(String token);

    /** The caller a presented token stands for, or empty if it is unknown, revoked or expired. */
    Optional<Caller> authenticate(String token);
}
