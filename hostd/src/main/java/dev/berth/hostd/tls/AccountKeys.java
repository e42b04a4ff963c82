package dev.berth.hostd.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Set;
import org.shredzone.acme4j.util.KeyPairUtils;

/** Private keys on disk: created once, mode 0600 from the first byte (never a world-readable moment). */
public final class AccountKeys {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    static {
        // acme4j's KeyPairUtils and CSRBuilder name the BouncyCastle provider explicitly.
        if (java.security.Security.getProvider("BC") == null) {
            java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
        }
    }

    private AccountKeys() {
    }

    /** Makes sure the BouncyCastle provider acme4j needs is registered. */
    static void registerProvider() {
        // the static initializer did it
    }

    /** Reads the key pair at {@code file}, creating it (EC P-256) if it does not exist. */
    public static KeyPair loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            try {
                writeNew(file, KeyPairUtils.createECKeyPair("secp256r1"));
            } catch (FileAlreadyExistsException raced) {
                // another thread created it first: use that one
            }
        }
        Files.setPosixFilePermissions(file, OWNER_ONLY);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            return KeyPairUtils.readKeyPair(reader);
        }
    }

    /** Writes a new key file with mode 0600; fails if it exists. */
    public static void writeNew(Path file, KeyPair keyPair) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        StringWriter pem = new StringWriter();
        KeyPairUtils.writeKeyPair(keyPair, pem);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.writeString(file, pem.toString(), StandardCharsets.US_ASCII);
    }
}
