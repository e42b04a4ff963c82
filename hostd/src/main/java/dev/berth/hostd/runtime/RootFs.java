package dev.berth.hostd.runtime;

import dev.berth.hostd.exec.CommandException;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.site.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shared, read-only root file system of every site container: the web server
 * ({@link SiteServer}), the shared libraries it is linked against, its configuration file and the
 * empty mount points, nothing else (no shell, no other program, no passwd file). Built at every
 * start of hostd from the installed package; files that are already current are left alone (running
 * containers keep theirs), anything else found in the directory is deleted.
 */
public final class RootFs {
    /** Directories the container's mounts land on. */
    static final List<String> MOUNT_POINTS = List.of("proc", "dev", "tmp", "run", "srv");
    private static final Pattern LIBRARY = Pattern.compile("(/\\S+) \\(0x[0-9a-f]+\\)$");

    private RootFs() {
    }

    /**
     * Makes {@code directory} hold exactly the server, its libraries, its configuration and the
     * mount points.
     *
     * @param server the host's lighttpd binary
     * @param ldd    the host's {@code ldd}, which names the libraries the binary needs
     */
    public static Path prepare(Path directory, Path server, CommandRunner commands, String ldd) throws IOException {
        List<Path> libraries = sharedLibraries(commands, ldd, server);
        Set<Path> kept = new HashSet<>();
        for (String mountPoint : MOUNT_POINTS) {
            kept.add(Files.createDirectories(directory.resolve(mountPoint)));
        }
        kept.add(install(server, directory.resolve(SiteServer.BINARY.substring(1)), "r-xr-xr-x"));
        for (Path library : libraries) {
            kept.add(install(library, directory.resolve(library.toString().substring(1)), "r-xr-xr-x"));
        }
        Path config = directory.resolve(SiteServer.CONFIG.substring(1));
        Files.createDirectories(config.getParent());
        byte[] wanted = SiteServer.config().getBytes(StandardCharsets.UTF_8);
        if (!Files.exists(config) || !Arrays.equals(Files.readAllBytes(config), wanted)) {
            AtomicFiles.write(config, wanted);
        }
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("r--r--r--"));
        kept.add(config);
        removeAllBut(directory, kept);
        return directory;
    }

    /** Copies {@code source} to {@code target} (via a temporary file and rename) unless it is there already. */
    private static Path install(Path source, Path target, String mode) throws IOException {
        Files.createDirectories(target.getParent());
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) || Files.size(target) != Files.size(source)
                || Files.getLastModifiedTime(target).compareTo(Files.getLastModifiedTime(source)) < 0) {
            Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
            Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(mode));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Deletes every file, link and directory below {@code root} that is neither kept nor a parent of a kept one. */
    private static void removeAllBut(Path root, Set<Path> kept) throws IOException {
        Set<Path> parents = new HashSet<>();
        for (Path path : kept) {
            for (Path parent = path.getParent(); parent != null && parent.startsWith(root); parent = parent.getParent()) {
                parents.add(parent);
            }
        }
        List<Path> extra = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(path -> !kept.contains(path) && !parents.contains(path)
                            && kept.stream().noneMatch(keptPath -> path.startsWith(keptPath) && !path.equals(keptPath)))
                    .forEach(extra::add);
        }
        extra.sort(Comparator.reverseOrder());
        for (Path path : extra) {
            Files.deleteIfExists(path);
        }
    }

    /** The absolute paths {@code ldd BINARY} names: every library and the dynamic loader. */
    static List<Path> sharedLibraries(CommandRunner commands, String ldd, Path binary) throws IOException {
        CommandResult result;
        try {
            result = commands.check(List.of(ldd, binary.toString()));
        } catch (CommandException e) {
            throw new IOException("cannot list the shared libraries of " + binary + ": " + e.getMessage(), e);
        }
        return parseLdd(result.stdout());
    }

    /** Parses {@code ldd}'s lines ({@code name => /path (0x...)} and {@code /path (0x...)}); the vDSO has no path. */
    static List<Path> parseLdd(String output) {
        Set<Path> libraries = new LinkedHashSet<>();
        for (String line : output.split("\n")) {
            if (line.contains("not found")) {
                throw new IllegalArgumentException("the server lacks a shared library: " + line.strip());
            }
            Matcher matcher = LIBRARY.matcher(line.strip());
            if (matcher.find()) {
                Path path = Path.of(matcher.group(1)).normalize();
                if (!path.isAbsolute() || path.toString().contains("..")) {
                    throw new IllegalArgumentException("ldd named an odd library path: " + line.strip());
                }
                libraries.add(path);
            }
        }
        return List.copyOf(libraries);
    }
}
