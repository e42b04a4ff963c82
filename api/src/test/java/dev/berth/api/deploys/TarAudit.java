package dev.berth.api.deploys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The test side's own reading of a normalized tar, playing the host daemon: it checks every
 * invariant the daemon relies on and extracts into a directory, failing if anything would land
 * outside it.
 */
public final class TarAudit {
    private TarAudit() {
    }

    /** Checks and extracts {@code tar} under {@code root}; returns the files' contents by path. */
    public static Map<String, byte[]> extract(byte[] tar, Path root) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Path realRoot = root.toRealPath();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), StandardCharsets.UTF_8.name())) {
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                String name = entry.getName();
                assertThat(name).doesNotStartWith("/").doesNotContain("\\").doesNotContain("\0");
                assertThat(name.split("/")).doesNotContain("..", ".");
                assertThat(entry.getLongUserId()).isZero();
                assertThat(entry.getLongGroupId()).isZero();
                Path target = realRoot.resolve(name).normalize();
                assertThat(target.startsWith(realRoot)).as("'%s' stays inside the staging directory", name).isTrue();
                assertThat(Files.isSymbolicLink(target)).isFalse();
                if (entry.isDirectory()) {
                    assertThat(entry.getMode()).isEqualTo(NormalizedTarWriter.DIRECTORY_MODE);
                    Files.createDirectories(target);
                } else {
                    assertThat(entry.isFile()).as("'%s' is a regular file", name).isTrue();
                    assertThat(entry.isSymbolicLink() || entry.isLink() || entry.isCharacterDevice() || entry.isBlockDevice()
                            || entry.isFIFO()).isFalse();
                    assertThat(entry.getMode()).isEqualTo(NormalizedTarWriter.FILE_MODE);
                    assertThat(Files.isDirectory(target.getParent(), LinkOption.NOFOLLOW_LINKS))
                            .as("the parent of '%s' came first", name).isTrue();
                    assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).as("'%s' is written once", name).isFalse();
                    byte[] content = in.readAllBytes();
                    Files.write(target, content);
                    files.put(name, content);
                }
            }
        }
        return files;
    }

    /** Reads a stream to the end, for sources that are already trusted. */
    public static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
