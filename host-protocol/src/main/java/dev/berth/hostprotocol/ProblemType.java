package dev.berth.hostprotocol;

import java.net.URI;

/**
 * The problem types hostd answers (RFC 9457 {@code type}), each a stable URI under
 * {@value #BASE}. Framework answers (unknown path, wrong method or media type) are
 * {@code BASE + "http-" + status} ({@link #ofHttpStatus}).
 */
public enum ProblemType {
    /** 404: hostd holds no spec for the site. */
    NOT_FOUND("not-found"),
    /** 409: the spec's generation is not newer than the one hostd holds. */
    STALE_GENERATION("stale-generation"),
    /** 422: the spec or request broke rules (all listed in {@code problems}); nothing changed. */
    INVALID_SPEC("invalid-spec"),
    /** 422: the release would take the site over its disk ceiling. */
    DISK_CEILING("disk-ceiling"),
    /** 400: the body is not JSON of the request's shape (or has unknown fields). */
    MALFORMED_REQUEST("malformed-request"),
    /** 500: a host part failed while serving the request; the detail has a logged correlation id. */
    HOST_OPERATION_FAILED("host-operation-failed"),
    /** 500: anything unexpected; the detail has a logged correlation id. */
    INTERNAL("internal");

    /** The prefix of every hostd problem type. */
    public static final String BASE = "https://berth.dev/problems/hostd/";

    private final String slug;

    ProblemType(String slug) {
        this.slug = slug;
    }

    /** The last path segment of the type. */
    public String slug() {
        return slug;
    }

    /** The type URI. */
    public URI uri() {
        return URI.create(BASE + slug);
    }

    /** The type of a framework answer with this HTTP status. */
    public static URI ofHttpStatus(int status) {
        return URI.create(BASE + "http-" + status);
    }
}
