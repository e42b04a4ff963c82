package dev.berth.cli.pack;

import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A directory as a deploy by manifest sees it: every regular file by its path (with {@code /}) and
 * the SHA-256 of its bytes: the files {@link SiteDirectory} finds, as {@link Archive} would pack them.
 *
 * @param files   the files in walk order
 * @param skipped symbolic links, special files and {@code .git} directories left out
 */
public record Manifest(List<File> files, int skipped) {
    /** One file: its path in the site, its digest, where it is on this machine and its size. */
    public record File(String path, String sha256, Path source, long size) {
    }

    /**
     * Reads {@code directory} and hashes each file.
     *
     * @throws CliException {@link ExitCodes#USAGE} when the directory holds no file or cannot be read
     */
    public static Manifest of(Path directory) {
        List<File> files = new ArrayList<>();
        int skipped;
        try {
            skipped = SiteDirectory.walk(directory, (name, path, attributes) -> files.add(new File(name, sha256(path), path,
                    attributes.size())));
        } catch (IOException unreadable) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + directory + ": " + unreadable.getMessage());
        }
        if (files.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, directory + " holds no file to deploy");
        }
        return new Manifest(List.copyOf(files), skipped);
    }

    /** Bytes of all the files. */
    public long bytes() {
        return files.stream().mapToLong(File::size).sum();
    }

    /** One file of each digest: what to send when the API asks for that digest. */
    public Map<String, File> byDigest() {
        Map<String, File> byDigest = new LinkedHashMap<>();
        files.forEach(file -> byDigest.putIfAbsent(file.sha256(), file));
        return byDigest;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JVM has SHA-256", impossible);
        }
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
