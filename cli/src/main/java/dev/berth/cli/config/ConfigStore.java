package dev.berth.cli.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cli.CliException;
import dev.berth.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where {@code berth login} keeps the API's address and the personal access token:
 * {@code $XDG_CONFIG_HOME/berth/config.json} ({@code ~/.config/berth/config.json} when the variable
 * is unset or not absolute, as the XDG base directory specification says). The directory is made
 * 0700 and the file 0600 from its creation on (a temporary file with those permissions, renamed
 * over the old one), so the token is never readable by others, not even for a moment.
 */
public final class ConfigStore {
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;

    public ConfigStore(Path directory) {
        this.directory = directory;
    }

    /** The store the environment names (see the class comment). */
    public static ConfigStore forEnvironment(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return new ConfigStore(Path.of(xdg, "berth"));
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return new ConfigStore(Path.of(home, ".config", "berth"));
    }

    /** The file holding the credentials. */
    public Path file() {
        return directory.resolve("config.json");
    }

    /** The saved credentials, if {@code berth login} ran. */
    public Optional<Credentials> load() {
        try {
            Credentials credentials = JSON.readValue(Files.readAllBytes(file()), Credentials.class);
            return Optional.of(credentials);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException unreadable) {
            throw new CliException(ExitCodes.AUTH, "cannot read " + file() + ": " + unreadable.getMessage()
                    + "; run berth login again");
        }
    }

    /** Whether others than the owner may read the file (it then deserves a warning). */
    public boolean readableByOthers() {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file(), LinkOption.NOFOLLOW_LINKS);
            return mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException unknown) {
            return false;
        }
    }

    /** Saves the credentials, replacing the previous ones atomically; the file is 0600 throughout. */
    public void save(Credentials credentials) {
        try {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
            Files.setPosixFilePermissions(directory, DIRECTORY_MODE);
            Path temporary = Files.createTempFile(directory, ".config-", ".json", PosixFilePermissions.asFileAttribute(FILE_MODE));
            try {
                Files.write(temporary, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(credentials));
                try {
                    Files.move(temporary, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException notAtomic) {
                    Files.move(temporary, file(), StandardCopyOption.REPLACE_EXISTING);
                }
                Files.setPosixFilePermissions(file(), FILE_MODE);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException unwritable) {
            throw new CliException(ExitCodes.FAILED, "cannot save the credentials in " + file() + ": " + unwritable.getMessage());
        }
    }
}
