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

    /**
     * A user's role within their tenant. What each role may call is written once, in openapi.yaml
     * ({@code x-berth-roles} of each operation); being a platform admin is a separate flag.
     */
    public enum Role {
        /** Everything an admin may do, and handing the tenant to another member; one per tenant. */
        OWNER,
        /** Manages the team (but not the owner), the audit log and webhook endpoints, and everything a developer may do. */
        ADMIN,
        /** Creates, deploys, starts, stops and deletes sites and their domains. */
        DEVELOPER,
        /** Reads. */
        VIEWER;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * The role of a wire name. {@code member}, the one role besides owner before teams, reads as
         * developer (what members became), so that access tokens issued before the change stay readable.
         */
        public static Role fromWire(String value) {
            String upper = value.toUpperCase(java.util.Locale.ROOT);
            return "MEMBER".equals(upper) ? DEVELOPER : valueOf(upper);
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
