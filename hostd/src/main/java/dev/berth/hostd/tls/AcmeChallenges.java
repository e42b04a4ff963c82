package dev.berth.hostd.tls;

import dev.berth.hostprotocol.AcmeChallenge;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * HTTP-01 answers of orders other nodes opened, written where this node's proxy serves them for
 * every hostname ({@code /.well-known/acme-challenge/TOKEN}, the directory {@link AcmeIssuer}
 * writes its own to): a custom domain is validated whichever node its DNS points at. Tokens are
 * the CA's random values, so answers of several orders never collide. Thread-safe (one file each).
 */
public final class AcmeChallenges {
    private static final String TOKEN = "[A-Za-z0-9_-]{16,256}";

    private final Path directory;

    public AcmeChallenges(Path directory) {
        this.directory = directory;
    }

    /**
     * Serves {@code challenge} until {@link #remove}; writing the same one again changes nothing.
     *
     * @throws IllegalArgumentException for a token or key authorization that is not base64url
     */
    public void put(AcmeChallenge challenge) throws IOException {
        String token = requireToken(challenge.token());
        String answer = challenge.keyAuthorization();
        if (answer == null || !answer.matches("[A-Za-z0-9_-]{16,256}\\.[A-Za-z0-9_-]{16,128}") || !answer.startsWith(token + ".")) {
            throw new IllegalArgumentException("keyAuthorization must be TOKEN.THUMBPRINT in base64url");
        }
        Files.createDirectories(directory);
        Path file = directory.resolve(token);
        Path temporary = directory.resolve("." + token + ".tmp");
        Files.writeString(temporary, answer, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Stops serving a token; one not served succeeds. */
    public void remove(String token) throws IOException {
        Files.deleteIfExists(directory.resolve(requireToken(token)));
    }

    private static String requireToken(String token) {
        if (token == null || !token.matches(TOKEN)) {
            throw new IllegalArgumentException("an ACME token must be 16 to 256 base64url characters");
        }
        return token;
    }
}
