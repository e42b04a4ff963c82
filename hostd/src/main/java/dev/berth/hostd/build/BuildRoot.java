package dev.berth.hostd.build;

import dev.berth.hostd.site.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The read-only root file system of every build container: mount points, the links of a merged
 * {@code /usr} ({@code /bin -> usr/bin} and the like) and a minimal {@code /etc} (an account for
 * the build's uid, localhost, no resolver). The host's {@code /usr} and {@code /etc/alternatives}
 * are mounted over it read-only, so the toolchains are exactly Debian's packages as installed,
 * and nothing else of the host's {@code /etc} (keys, hostd's configuration) is visible.
 */
public final class BuildRoot {
    static final List<String> MOUNT_POINTS = List.of("proc", "dev", "tmp", "run", "usr", "work", "etc/alternatives");
    static final List<String> USR_LINKS = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

    private BuildRoot() {
    }

    /** Makes {@code directory} the build root; files already current are left alone. */
    public static Path prepare(Path directory) throws IOException {
        for (String mountPoint : MOUNT_POINTS) {
            Files.createDirectories(directory.resolve(mountPoint));
        }
        // runc gives a tmpfs the mode of the directory it is mounted on: /tmp must be world-writable and sticky.
        Files.setAttribute(directory.resolve("tmp"), "unix:mode", 01777);
        for (String link : USR_LINKS) {
            Path host = Path.of("/").resolve(link);
            Path target = directory.resolve(link);
            if (Files.isSymbolicLink(host) && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(target, Path.of("usr").resolve(link));
            }
        }
        write(directory.resolve("etc/passwd"), "root:x:0:0:root:/root:/usr/sbin/nologin\nbuild:x:1000:1000:build:/work/home:/bin/sh\n");
        write(directory.resolve("etc/group"), "root:x:0:\nbuild:x:1000:\n");
        write(directory.resolve("etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
        write(directory.resolve("etc/nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files\n");
        Path mimeTypes = Path.of("/etc/mime.types");
        if (Files.isRegularFile(mimeTypes)) {
            write(directory.resolve("etc/mime.types"), Files.readString(mimeTypes, StandardCharsets.ISO_8859_1));
        }
        return directory;
    }

    private static void write(Path file, String content) throws IOException {
        byte[] wanted = content.getBytes(StandardCharsets.ISO_8859_1);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !java.util.Arrays.equals(Files.readAllBytes(file), wanted)) {
            AtomicFiles.write(file, wanted);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    }
}
