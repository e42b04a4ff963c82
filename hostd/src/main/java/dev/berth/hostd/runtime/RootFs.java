package dev.berth.hostd.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The shared, read-only root file system of every site container: Debian's static busybox (which
 * holds the httpd) and the empty mount points. Built once per host from the installed package.
 */
public final class RootFs {
    private RootFs() {
    }

    public static Path prepare(Path directory, Path busybox) throws IOException {
        for (String mountPoint : List.of("bin", "dev", "proc", "tmp", "run", "srv", "etc")) {
            Files.createDirectories(directory.resolve(mountPoint));
        }
        Path target = directory.resolve("bin/busybox");
        if (!Files.exists(target) || Files.size(target) != Files.size(busybox)
                || Files.getLastModifiedTime(target).compareTo(Files.getLastModifiedTime(busybox)) < 0) {
            Path temporary = directory.resolve("bin/.busybox.tmp");
            Files.copy(busybox, temporary, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("r-xr-xr-x"));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        Path shell = directory.resolve("bin/sh");
        if (!Files.isSymbolicLink(shell)) {
            Files.deleteIfExists(shell);
            Files.createSymbolicLink(shell, Path.of("busybox"));
        }
        Files.writeString(directory.resolve("etc/passwd"),
                "root:x:0:0:root:/:/bin/sh\nsite:x:" + OciConfig.SERVER_ID + ":" + OciConfig.SERVER_ID + ":site:/srv:/bin/sh\n",
                StandardCharsets.US_ASCII);
        Files.writeString(directory.resolve("etc/group"),
                "root:x:0:\nsite:x:" + OciConfig.SERVER_ID + ":\n", StandardCharsets.US_ASCII);
        return directory;
    }
}
