package dev.berth.api.hostile;

import dev.berth.api.support.ApiClient;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * One hostile request and what the API must answer: a status, a problem type (for refusals), and
 * no side effect beyond the writes the case names in {@link #allowed}. The request is prepared
 * just before the state is captured, so a case may set up what it needs (a used refresh token,
 * a revoked token) without that setup counting as a side effect.
 *
 * @param area the table the case comes from (site names, JSON bodies, tokens, ...)
 * @param name what is hostile about the request, as a sentence
 * @param prepare builds the request; runs before the "before" snapshot
 * @param status the expected status
 * @param problem the expected problem type's slug ({@code validation}), or null for a non-problem answer
 * @param allowed the writes a refusal itself may make (the audit entry of a refused call is always allowed)
 * @param check further assertions, run after the state comparison (so they may only read: GET requests, fakes)
 */
record HostileCase(String area, String name, Prepare prepare, int status, String problem, Set<Allowed> allowed, Check check) {
    static final Check NOTHING_MORE = answer -> { };
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    HostileCase {
        if (problem == null && status >= 400) {
            throw new IllegalArgumentException(name + ": a refusal names its problem type");
        }
        if (problem == null && check == NOTHING_MORE) {
            throw new IllegalArgumentException(name + ": a case that is not a problem must check its answer");
        }
        allowed = allowed.isEmpty() ? EnumSet.noneOf(Allowed.class) : EnumSet.copyOf(allowed);
    }

    static HostileCase refused(String area, String name, Request request, int status, String problem) {
        return new HostileCase(area, name, () -> request, status, problem, Set.of(), NOTHING_MORE);
    }

    HostileCase allowing(Allowed... writes) {
        return new HostileCase(area, name, prepare, status, problem, Set.of(writes), check);
    }

    HostileCase checking(Check more) {
        return new HostileCase(area, name, prepare, status, problem, allowed, more);
    }

    HostileCase preparedBy(Prepare preparation) {
        return new HostileCase(area, name, preparation, status, problem, allowed, check);
    }

    /** {@code value} as a JSON string literal, control characters and all. */
    static String quote(String value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** A check that the validation problem names {@code field} among its errors. */
    static Check field(String field) {
        return answer -> org.assertj.core.api.Assertions.assertThat(answer.json().path("errors").findValuesAsText("field"))
                .as(answer.toString()).contains(field);
    }

    /** Writes a refusal may legitimately make; anything else is a side effect. */
    enum Allowed {
        /**
         * A refused upload is kept in the site's deploy history as {@code failed}, with the rule that refused it, and
         * announced as a {@code deploy.failed} event.
         */
        FAILED_DEPLOY,
        /** Replaying a used refresh token revokes its whole login session (the defence, not a side effect). */
        SESSION_REVOKED,
        /** An unproven custom domain is recorded as pending: not served, no spec changes, no claim on the name. */
        PENDING_DOMAIN
    }

    @FunctionalInterface
    interface Prepare {
        Request request() throws Exception;
    }

    @FunctionalInterface
    interface Check {
        void verify(ApiClient.Answer answer) throws Exception;
    }

    /** A raw request: every byte of the body and every header is the test's. */
    record Request(String method, String path, String token, byte[] body, String contentType, Map<String, String> headers) {
        static Request json(String method, String path, String token, String body) {
            return new Request(method, path, token, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                    body == null ? null : "application/json", Map.of());
        }

        static Request bytes(String method, String path, String token, byte[] body, String contentType) {
            return new Request(method, path, token, body, contentType, Map.of());
        }

        Request withHeaders(Map<String, String> more) {
            return new Request(method, path, token, body, contentType, more);
        }

        Request withContentType(String type) {
            return new Request(method, path, token, body, type, headers);
        }
    }
}
