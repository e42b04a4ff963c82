package dev.berth.api.platform;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets the API must read back (not just compare), encrypted at rest with AES-256-GCM under one
 * of the API's keys. The stored text is {@code keyId:base64url(nonce || ciphertext || tag)}, so a
 * key can be rotated: new secrets are sealed under the active key, older ones open under the key
 * they name as long as it is configured. The {@code context} (say, the owner's id) is authenticated
 * with the secret: a sealed value copied to another owner does not open. Thread-safe.
 */
public final class SecretBox {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
    private final String activeKeyId;

    /**
     * @param keys        key id -> 32-byte key (ids: letters, digits, '-' and '_')
     * @param activeKeyId the key new secrets are sealed under
     * @throws IllegalArgumentException for a key that is not 32 bytes, a bad id, or an unknown active id
     */
    public SecretBox(Map<String, byte[]> keys, String activeKeyId) {
        keys.forEach((id, key) -> {
            if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("a key id must be 1 to 64 letters, digits, '-' or '_': " + id);
            }
            if (key.length != 32) {
                throw new IllegalArgumentException("the key '" + id + "' must be 32 bytes (AES-256), it has " + key.length);
            }
            this.keys.put(id, new SecretKeySpec(key, "AES"));
        });
        if (!this.keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("the active key '" + activeKeyId + "' is not among the keys " + keys.keySet());
        }
        this.activeKeyId = activeKeyId;
    }

    /** The stored form of {@code secret}, bound to {@code context}. */
    public String seal(byte[] secret, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret);
            byte[] stored = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return activeKeyId + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(stored);
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", impossible);
        }
    }

    /**
     * The secret a {@link #seal} produced for the same {@code context}.
     *
     * @throws IllegalStateException when its key is no longer configured, or the text was altered or
     *                               sealed for another context
     */
    public byte[] open(String stored, String context) {
        int colon = stored.indexOf(':');
        SecretKeySpec key = colon < 0 ? null : keys.get(stored.substring(0, colon));
        if (key == null) {
            throw new IllegalStateException("a stored secret names a key that is not configured; restore that key");
        }
        try {
            byte[] raw = Base64.getUrlDecoder().decode(stored.substring(colon + 1));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES);
        } catch (GeneralSecurityException | IllegalArgumentException failure) {
            throw new IllegalStateException("a stored secret does not open under its key: altered, or sealed for another owner", failure);
        }
    }
}
