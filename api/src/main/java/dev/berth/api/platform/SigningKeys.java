package dev.berth.api.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The API's own secret keys (the access-token signing keys, the TOTP encryption key): from
 * configuration, or generated once and kept in the data directory (mode 0600).
 */
public final class SigningKeys {
    private static final String FILE = "jwt-signing-key";

    private SigningKeys() {
    }

    /** {@code configured}: key id -> base64 secret ({@code auth.signingKeys}); empty: the data directory's generated key. */
    public static Map<String, byte[]> load(Map<String, String> configured, String dataDirectory) throws IOException {
        return load(configured, dataDirectory, FILE);
    }

    /**
     * {@code configured}: key id -> base64 secret; empty: the 32-byte key generated once in the data
     * directory's file {@code fileName}.
     */
    public static Map<String, byte[]> load(Map<String, String> configured, String dataDirectory, String fileName) throws IOException {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        if (!configured.isEmpty()) {
            configured.forEach((kid, secret) -> keys.put(kid, Base64.getDecoder().decode(secret.trim())));
            return keys;
        }
        Path directory = Path.of(dataDirectory);
        Files.createDirectories(directory);
        Path file = directory.resolve(fileName);
        if (!Files.exists(file)) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            String kid = "k" + System.currentTimeMillis();
            Path temporary = Files.createTempFile(directory, fileName, ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, kid + " " + Base64.getEncoder().encodeToString(secret) + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        }
        String[] line = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ", 2);
        keys.put(line[0], Base64.getDecoder().decode(line[1]));
        return keys;
    }
}
