package dev.berth.api.platform;

import java.net.URI;

/**
 * The stable problem {@code type} URIs of the API (RFC 9457). Clients may switch on them; they never
 * change meaning. docs/api.md lists them.
 */
public enum Problems {
    VALIDATION(400, "validation", "The request is not valid"),
    JOIN_TOKEN_INVALID(400, "join-token-invalid", "The join token is unknown, used or expired"),
    RESET_TOKEN_INVALID(400, "reset-token-invalid", "The password reset link is unknown, used or expired"),
    VERIFICATION_TOKEN_INVALID(400, "verification-token-invalid", "The address confirmation link is unknown, used or expired"),
    INVITATION_INVALID(400, "invitation-invalid", "The invitation link is unknown, used, revoked or expired"),
    MALFORMED_JSON(400, "malformed-json", "The request body is not valid JSON"),
    UNAUTHENTICATED(401, "unauthenticated", "Authentication is required"),
    INVALID_CREDENTIALS(401, "invalid-credentials", "The e-mail address or password is wrong"),
    INVALID_TOKEN(401, "invalid-token", "The token is invalid, expired or revoked"),
    TOTP_REQUIRED(401, "totp-required", "A code from the authenticator app is required"),
    TOTP_INVALID(401, "totp-invalid", "The code is wrong, expired or already used"),
    FORBIDDEN(403, "forbidden", "You are not allowed to do this"),
    INSUFFICIENT_SCOPE(403, "insufficient-scope", "The token's scopes do not allow this"),
    SIGNUP_CLOSED(403, "signup-closed", "Open signup is switched off on this platform"),
    TENANT_SUSPENDED(403, "tenant-suspended", "The tenant is suspended"),
    WRONG_PASSWORD(403, "wrong-password", "The current password is wrong"),
    EMAIL_UNVERIFIED(403, "email-unverified", "Confirm your e-mail address first"),
    WRONG_CODE(403, "wrong-code", "The code or recovery code is wrong, expired or already used"),
    ACCOUNT_DISABLED(403, "account-disabled", "The account is disabled by the platform's operator"),
    TOTP_ENROLMENT_REQUIRED(403, "totp-enrolment-required", "Turn on two-factor sign-in first"),
    NOT_FOUND(404, "not-found", "No such resource"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "The method is not allowed on this resource"),
    NOT_ACCEPTABLE(406, "not-acceptable", "No acceptable representation"),
    CONFLICT(409, "conflict", "The request conflicts with the current state"),
    ACCOUNT_EXISTS(409, "account-exists", "An account with this e-mail address exists"),
    NAME_TAKEN(409, "name-taken", "The name is already taken"),
    DOMAIN_TAKEN(409, "domain-taken", "Another site holds this domain"),
    IDEMPOTENCY_KEY_REUSED(409, "idempotency-key-reused", "The Idempotency-Key was used with a different request"),
    TENANT_OWNER(409, "tenant-owner", "The account is the only owner of a tenant with other members or sites"),
    NODE_NOT_EMPTY(409, "node-not-empty", "Sites still live on this node"),
    GONE(410, "gone", "The resource is gone for good"),
    PRECONDITION_FAILED(412, "precondition-failed", "The resource changed since you read it"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "The request body is too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "The request body must be application/json"),
    CONTENT_REFUSED(422, "content-refused", "The content breaks a rule and was not deployed"),
    NODE_UNREACHABLE(422, "node-unreachable", "The node did not answer over mutual TLS"),
    QUOTA_EXCEEDED(422, "quota-exceeded", "The tenant's quota does not allow this"),
    ADDRESSES_EXHAUSTED(503, "addresses-exhausted", "No free site address is left on this platform"),
    NO_NODE_AVAILABLE(503, "no-node-available", "No node of this platform can take a new site now"),
    RATE_LIMITED(429, "rate-limited", "Too many requests"),
    INTERNAL(500, "internal", "Internal server error"),
    UNAVAILABLE(503, "unavailable", "The service is temporarily unavailable");

    private static final String BASE = "https://berth.dev/problems/";

    private final int status;
    private final URI type;
    private final String title;

    Problems(int status, String slug, String title) {
        this.status = status;
        this.type = URI.create(BASE + slug);
        this.title = title;
    }

    public int status() {
        return status;
    }

    public URI type() {
        return type;
    }

    public String title() {
        return title;
    }

    /** The type URI of a problem named {@code slug} (also for types outside this enum, such as HostFault's). */
    public static URI typeOf(String slug) {
        return URI.create(BASE + slug);
    }

    /** An exception carrying this problem with a specific detail. */
    public ProblemException with(String detail) {
        return new ProblemException(this, detail);
    }
}
