package dev.berth.api.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signing (version 1.0.0): a secret is {@code whsec_} followed by the base64 of
 * 32 random bytes; a delivery's {@code webhook-signature} is {@code v1,} followed by the base64 of
 * HMAC-SHA256, keyed with the decoded bytes, over {@code webhook-id.webhook-timestamp.body}.
 * Stateless and thread-safe.
 */
public final class WebhookSignature {
    /** The prefix of every endpoint secret. */
    public static final String SECRET_PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSignature() {
    }

    /** A new endpoint secret: {@code whsec_} and 32 random bytes in base64. */
    public static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /**
     * The {@code webhook-signature} header value for one delivery attempt.
     *
     * @param secret           the endpoint's secret, {@code whsec_...}
     * @param messageId        the {@code webhook-id}
     * @param timestampSeconds the {@code webhook-timestamp} (seconds since the epoch)
     * @param body             the exact bytes sent
     * @throws IllegalArgumentException if the secret is not {@code whsec_} and base64
     */
    public static String sign(String secret, String messageId, long timestampSeconds, byte[] body) {
        if (!secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("a webhook secret starts with " + SECRET_PREFIX);
        }
        byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", impossible);
        }
    }
}
