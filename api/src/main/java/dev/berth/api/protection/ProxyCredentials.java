package dev.berth.api.protection;

import dev.berth.hostprotocol.SiteProtection;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The verifier of a protected site's password, in the one form both the API stores and the proxy
 * checks at request time: {@code pbkdf2-sha256:ITERATIONS:SALT_HEX:KEY_HEX}, PBKDF2-HMAC-SHA256 of
 * the RFC 7617 user-pass {@code username:password} (UTF-8) with a random 16-byte salt and a 32-byte
 * key. nginx computes the same function through OpenSSL's {@code PKCS5_PBKDF2_HMAC} on the decoded
 * {@code Authorization} header, so the proxy never needs the password itself. Why PBKDF2 and why
 * this iteration count: docs/architecture.md, "Protected sites". Thread-safe.
 */
public final class ProxyCredentials {
    /**
     * Iterations of a new verifier: about 4 ms of one core, spent by an nginx worker once per
     * credential and worker (verified credentials are cached), and by a guesser's every try.
     */
    public static final int ITERATIONS = 20_000;
    private static final int SALT_BYTES = 16;
    private static final int KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ProxyCredentials() {
    }

    /** A new verifier of {@code username} with {@code password}, under a fresh salt. */
    public static String of(String username, String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return of(username, password, salt, ITERATIONS);
    }

    static String of(String username, String password, byte[] salt, int iterations) {
        byte[] key = pbkdf2((username + ":" + password).getBytes(StandardCharsets.UTF_8), salt, iterations);
        HexFormat hex = HexFormat.of();
        return SiteProtection.SCHEME + ":" + iterations + ":" + hex.formatHex(salt) + ":" + hex.formatHex(key);
    }

    /**
     * PBKDF2-HMAC-SHA256 (RFC 8018) of raw bytes (never empty: a user-pass holds its colon), one
     * block. Written out over {@link Mac} because the JDK's {@code PBKDF2WithHmacSHA256} takes the password as {@code char[]}, and the proxy hashes
     * the header's bytes: computing on bytes here is what keeps both sides equal for any text.
     */
    static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(password, "HmacSHA256"));
            mac.update(salt);
            byte[] block = mac.doFinal(new byte[] {0, 0, 0, 1});
            byte[] result = block.clone();
            for (int round = 1; round < iterations; round++) {
                block = mac.doFinal(block);
                for (int i = 0; i < KEY_BYTES; i++) {
                    result[i] ^= block[i];
                }
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
