package dev.berth.api.platform;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;

/**
 * Tells clients where they stand against the rate limit their request counted against, with the
 * headers of the IETF draft "RateLimit header fields for HTTP": {@code RateLimit-Limit} (the
 * budget per window), {@code RateLimit-Remaining} and {@code RateLimit-Reset} (seconds until the
 * budget is whole again). When a request counts against several limits (a login: its address and
 * its account), the one with the fewest requests left is reported. Requests that counted against
 * none carry no such headers.
 */
public final class RateLimitHeaders implements ContainerResponseFilter {
    private static final String ATTRIBUTE = "berth.rateLimit";

    /** The standing of one limit after a request counted against it. */
    record Standing(long limit, long remaining, long resetSeconds) {
    }

    /** Notes a limit's standing on the current request, if it is tighter than one noted before. */
    static void record(long limit, long remaining, long resetSeconds) {
        jakarta.servlet.http.HttpServletRequest request;
        try {
            request = CurrentRequest.get();
        } catch (IllegalStateException outsideRequest) {
            return; // a background task (the deploy worker) counted: nobody to tell
        }
        if (request.getAttribute(ATTRIBUTE) instanceof Standing earlier && earlier.remaining() <= remaining) {
            return;
        }
        request.setAttribute(ATTRIBUTE, new Standing(limit, Math.max(0, remaining), Math.max(0, resetSeconds)));
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object noted;
        try {
            noted = CurrentRequest.get().getAttribute(ATTRIBUTE);
        } catch (IllegalStateException outsideRequest) {
            return;
        }
        if (noted instanceof Standing standing) {
            response.getHeaders().putSingle("RateLimit-Limit", Long.toString(standing.limit()));
            response.getHeaders().putSingle("RateLimit-Remaining", Long.toString(standing.remaining()));
            response.getHeaders().putSingle("RateLimit-Reset", Long.toString(standing.resetSeconds()));
        }
    }
}
