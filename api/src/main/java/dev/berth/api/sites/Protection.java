package dev.berth.api.sites;

import java.time.Instant;
import java.util.List;

/**
 * How a site is protected, as stored: the proxy asks for HTTP basic credentials (when
 * {@code credentials} is set) and/or refuses client addresses outside {@code allowedAddresses}, on
 * the paths under {@code pathPrefix} (every path when null).
 *
 * @param username         the user name the proxy asks for, or null when no password is asked
 * @param credentials      the PBKDF2 verifier of {@code username:password} the proxy checks (see
 *                         {@code protection/ProxyCredentials}); never shown to anybody
 * @param pathPrefix       the protected path and everything below it, or null for the whole site
 * @param allowedAddresses canonical CIDR blocks; empty when any address may ask
 * @param updatedAt        when the protection was last set
 */
public record Protection(String username, String credentials, String pathPrefix, List<String> allowedAddresses, Instant updatedAt) {
    public Protection {
        allowedAddresses = allowedAddresses == null ? List.of() : List.copyOf(allowedAddresses);
    }

    /** Whether the proxy asks for a username and password. */
    public boolean passwordProtected() {
        return credentials != null;
    }

    /** The allow-list as its column holds it: the blocks comma-separated, or null when empty. */
    public String allowedColumn() {
        return allowedAddresses.isEmpty() ? null : String.join(",", allowedAddresses);
    }

    /** The allow-list of its column's text. */
    static List<String> allowedOf(String column) {
        return column == null || column.isEmpty() ? List.of() : List.of(column.split(","));
    }
}
