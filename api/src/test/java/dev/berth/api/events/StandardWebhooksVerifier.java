package dev.berth.api.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A receiver's check of a Standard Webhooks delivery, written from the specification alone and
 * sharing no code with {@link WebhookSignature}: the secret after {@code whsec_} is base64, the
 * signed content is {@code id.timestamp.body}, the header holds space-separated {@code v1,BASE64}
 * signatures, the timestamp must be within five minutes, and signatures compare in constant time.
 */
public final class StandardWebhooksVerifier {
    private static final long TOLERANCE_SECONDS = 300;
    private final byte[] key;

    public StandardWebhooksVerifier(String secret) {
        String encoded = secret.startsWith("whsec_") ? secret.substring(6) : secret;
        this.key = Base64.getDecoder().decode(encoded);
    }

    /** True when one of the header's signatures matches and the timestamp is fresh at {@code nowSeconds}. */
    public boolean verify(String id, String timestamp, String signatureHeader, byte[] body, long nowSeconds) throws Exception {
        if (id == null || timestamp == null || signatureHeader == null) {
            return false;
        }
        long sentAt = Long.parseLong(timestamp);
        if (Math.abs(nowSeconds - sentAt) > TOLERANCE_SECONDS) {
            return false;
        }
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] signed = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[signed.length + body.length];
        System.arraycopy(signed, 0, content, 0, signed.length);
        System.arraycopy(body, 0, content, signed.length, body.length);
        byte[] expected = hmac.doFinal(content);
        for (String candidate : signatureHeader.split(" ")) {
            String[] parts = candidate.split(",", 2);
            if (parts.length == 2 && parts[0].equals("v1")
                    && MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
                return true;
            }
        }
        return false;
    }
}
