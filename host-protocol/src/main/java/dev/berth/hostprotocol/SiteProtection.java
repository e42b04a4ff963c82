package dev.berth.hostprotocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Who may reach a protected site: the proxy asks for HTTP basic credentials and/or refuses client
 * addresses outside an allow-list, for the paths under {@code pathPrefix} (every path when null),
 * before the request reaches the site's container. At least one of {@code credentials} and
 * {@code allowedAddresses} is set. The values are checked by hostd (its route record), not here.
 *
 * @param credentials      the verifier of {@code username:password} (the RFC 7617 user-pass exactly as a
 *                         client sends it), {@code pbkdf2-sha256:ITERATIONS:SALT_HEX:KEY_HEX}
 *                         (PBKDF2-HMAC-SHA256, 16-byte salt, 32-byte key); null when no password is asked
 * @param pathPrefix       the protected paths: this path and everything below it ({@code /staging}
 *                         covers {@code /staging} and {@code /staging/...}, not {@code /stagingx});
 *                         null for the whole site
 * @param allowedAddresses CIDR blocks in canonical form ({@code 192.0.2.0/24}, {@code 2001:db8::/32});
 *                         empty when any address may ask
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SiteProtection(String credentials, String pathPrefix, List<String> allowedAddresses) {
    /** The scheme every {@code credentials} value starts with. */
    public static final String SCHEME = "pbkdf2-sha256";

    public SiteProtection {
        allowedAddresses = allowedAddresses == null ? List.of() : List.copyOf(allowedAddresses);
    }
}
