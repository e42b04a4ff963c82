package dev.berth.api.auth;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.util.encoders.Base32;

/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA1, 6 digits,
 * 30-second steps, a 160-bit secret shown in base32 and as an {@code otpauth://} Key URI. The codes
 * themselves come from java-otp; this class adds what the library leaves to its callers: the
 * tolerance of one step either way for clock drift and the refusal of a code whose step is not
 * after the last one accepted (RFC 6238 section 5.2: a code is accepted once). Thread-safe.
 */
final class TotpCodes {
    static final Duration STEP = Duration.ofSeconds(30);
    static final int DIGITS = 6;
    static final String ALGORITHM = "SHA1";
    /** Steps accepted either side of the current one. */
    static final int WINDOW = 1;
    private static final int SECRET_BYTES = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TimeBasedOneTimePasswordGenerator generator;
    private final String macAlgorithm;

    /** Authenticator apps' parameters: HMAC-SHA1, 6 digits, 30 seconds. */
    TotpCodes() {
        this(TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1, DIGITS);
    }

    /** Other parameters of RFC 6238 (its test vectors use 8 digits and also SHA-256 and SHA-512). */
    TotpCodes(String macAlgorithm, int digits) {
        this.generator = new TimeBasedOneTimePasswordGenerator(STEP, digits, macAlgorithm);
        this.macAlgorithm = macAlgorithm;
    }

    /** A new random secret of 160 bits (RFC 4226's recommended length). */
    static byte[] newSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /** The secret as authenticator apps take it typed: base32 (RFC 4648) without padding. */
    static String base32(byte[] secret) {
        return Base32.toBase32String(secret).replace("=", "");
    }

    /**
     * The Key URI an authenticator app reads from a QR code:
     * {@code otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30}.
     */
    static String keyUri(String issuer, String account, byte[] secret) {
        String label = encode(issuer) + ":" + encode(account);
        return "otpauth://totp/" + label + "?secret=" + base32(secret) + "&issuer=" + encode(issuer)
                + "&algorithm=" + ALGORITHM + "&digits=" + DIGITS + "&period=" + STEP.toSeconds();
    }

    /** The time step an instant falls in (seconds since the epoch divided by 30). */
    static long stepOf(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), STEP.toSeconds());
    }

    /** The code of a secret at a time step, zero-padded. */
    String codeAt(byte[] secret, long step) {
        try {
            return generator.generateOneTimePasswordString(new SecretKeySpec(secret, macAlgorithm), Instant.ofEpochSecond(step * STEP.toSeconds()),
                    Locale.ROOT);
        } catch (InvalidKeyException impossible) {
            throw new IllegalStateException("an HMAC accepts any key", impossible);
        }
    }

    /**
     * The step whose code {@code code} is, among the current step and one either side, and only if
     * it is later than {@code lastUsedStep} (null: no code accepted yet). Empty for a wrong code, a
     * code of another time, or one whose step was already used (a replay).
     */
    OptionalLong match(byte[] secret, String code, Instant now, Long lastUsedStep) {
        if (code == null || code.length() != DIGITS || !code.chars().allMatch(Character::isDigit)) {
            return OptionalLong.empty();
        }
        long current = stepOf(now);
        long found = Long.MIN_VALUE;
        byte[] presented = code.getBytes(StandardCharsets.US_ASCII);
        // Every candidate is computed and compared in constant time, so timing tells nothing of which matched.
        for (long step = current - WINDOW; step <= current + WINDOW; step++) {
            boolean equal = MessageDigest.isEqual(codeAt(secret, step).getBytes(StandardCharsets.US_ASCII), presented);
            if (equal && (lastUsedStep == null || step > lastUsedStep) && found == Long.MIN_VALUE) {
                found = step;
            }
        }
        return found == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(found);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
