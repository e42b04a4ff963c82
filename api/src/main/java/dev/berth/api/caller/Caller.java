package dev.berth.api.caller;

import java.security.Principal;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The authenticated caller of one request: a user with a login session, or a personal access token
 * acting for its user.
 *
 * @param userId         the user (for a token, its owner)
 * @param email          the user's e-mail address
 * @param tenantId       the tenant every query of this request is scoped to
 * @param role           the user's role in the tenant
 * @param platformAdmin  whether the user administers the whole platform
 * @param tokenId        the personal access token used, or null for a login session
 * @param tokenName      the token's name, or null
 * @param scopes         what a token may do; both scopes for a login session
 * @param siteName       the only site a token may touch, or null
 * @param sessionId      the refresh-token family of a login session, or null for a token
 */
public record Caller(
        UUID userId,
        String email,
        UUID tenantId,
        Role role,
        boolean platformAdmin,
        UUID tokenId,
        String tokenName,
        Set<Scope> scopes,
        String siteName,
        UUID sessionId) implements Principal {

    /** Role names used with {@code @RolesAllowed}. */
    public static final String USER = "user";
    public static final String OWNER = "owner";
    public static final String ADMIN = "admin";

    public Caller {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(role, "role");
        scopes = Set.copyOf(scopes);
    }

    @Override
    public String getName() {
        return email;
    }

    public boolean viaToken() {
        return tokenId != null;
    }

    /** Whether this caller holds the named {@code @RolesAllowed} role. */
    public boolean hasRole(String roleName) {
        return switch (roleName) {
            case USER -> true;
            case OWNER -> role == Role.OWNER || platformAdmin;
            case ADMIN -> platformAdmin;
            default -> false;
        };
    }

    /** A user's role within their tenant. */
    public enum Role {
        OWNER, MEMBER;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Role fromWire(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** What a personal access token may do: read (safe methods) or write (everything). */
    public enum Scope {
        READ, WRITE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Scope fromWire(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
