package dev.berth.hostd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootFsTest {
    @TempDir
    Path temp;

    /** ldd as Debian's prints it for lighttpd, with the libraries at the given paths. */
    private static CommandRunner ldd(Path libc, Path loader) {
        return (argv, environment, stdin, timeout) -> new CommandResult(0, """
                \tlinux-vdso.so.1 (0x00007ffd5f1f2000)
                \tlibc.so.6 => %s (0x00007f5cf6543000)
                \t%s (0x00007f5cf6778000)
                """.formatted(libc, loader), "");
    }

    private List<String> files(Path root) throws Exception {
        List<String> found = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(path -> !Files.isDirectory(path) || isEmptyDirectory(path))
                    .forEach(path -> found.add("/" + root.relativize(path)));
        }
        return found;
    }

    private static boolean isEmptyDirectory(Path path) {
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theRootHoldsTheServerItsLibrariesItsConfigurationAndMountPointsOnly() throws Exception {
        Path host = Files.createDirectories(temp.resolve("host"));
        Path server = Files.writeString(host.resolve("lighttpd"), "ELF server");
        Path libc = Files.writeString(host.resolve("libc.so.6"), "ELF libc");
        Path loader = Files.writeString(host.resolve("ld-linux-x86-64.so.2"), "ELF loader");
        Path root = temp.resolve("rootfs");
        // What the busybox root of an earlier hostd left: a shell, the busybox binary, passwd files.
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/busybox"), "ELF busybox");
        Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");

        RootFs.prepare(root, server, ldd(libc, loader), "/usr/bin/ldd");

        // (The test's own temporary directory is below /tmp, so the libraries land in the /tmp mount point here.)
        assertThat(files(root)).containsExactlyInAnyOrder("/usr/sbin/lighttpd", "/etc/lighttpd.conf", libc.toString(),
                loader.toString(), "/proc", "/dev", "/run", "/srv");
        assertThat(root.resolve("tmp")).isDirectory();
        assertThat(root.resolve("usr/sbin/lighttpd")).hasContent("ELF server");
        assertThat(Files.getPosixFilePermissions(root.resolve("usr/sbin/lighttpd")).toString()).doesNotContain("WRITE");
        assertThat(root.resolve("etc/lighttpd.conf")).hasContent(SiteServer.config());

        // A second start changes nothing that is current, and picks up a new server binary.
        long configModified = Files.getLastModifiedTime(root.resolve("etc/lighttpd.conf")).toMillis();
        Files.writeString(server, "ELF server, upgraded");
        Files.setLastModifiedTime(server, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        RootFs.prepare(root, server, ldd(libc, loader), "/usr/bin/ldd");
        assertThat(root.resolve("usr/sbin/lighttpd")).hasContent("ELF server, upgraded");
        assertThat(Files.getLastModifiedTime(root.resolve("etc/lighttpd.conf")).toMillis()).isEqualTo(configModified);
    }

    @Test
    void aServerWithAMissingLibraryIsRefused() {
        assertThatThrownBy(() -> RootFs.parseLdd("\tlibpcre2-8.so.0 => not found\n"))
                .hasMessageContaining("lacks a shared library");
        assertThat(RootFs.parseLdd("\tlinux-vdso.so.1 (0x00007ffd5f1f2000)\n")).isEmpty();
    }

    @Test
    void theConfigurationLoadsTheStaticFileAndIndexModulesAndNothingElse() {
        String config = SiteServer.config();
        assertThat(config).contains("server.compat-module-load = \"disable\"")
                .contains("server.modules = ( \"mod_indexfile\", \"mod_staticfile\" )")
                .contains("server.document-root = \"/srv\"")
                .contains("server.listen-backlog = 1024")
                .contains("mimetype.use-xattr = \"disable\"")
                .contains("\".html\" => \"text/html\"")
                .contains("\"\" => \"application/octet-stream\"")
                .doesNotContain("include").doesNotContain("cgi").doesNotContain("mod_ssi").doesNotContain("dirlisting")
                .doesNotContain("errorlog");
        assertThat(config.lines().filter(line -> line.contains("mod_"))).hasSize(1);
    }
}
