package dev.berth.hostd.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.Archives;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseStoreTest {
    @TempDir
    Path directory;
    private final UUID siteId = UUID.randomUUID();

    private ReleaseStore store(long maxBytes) {
        return new ReleaseStore(directory, new ReleaseStore.Limits(100, maxBytes, 2, Long.MAX_VALUE));
    }

    private ReleaseStore storeWithCeiling(long maxSiteBytes) {
        return new ReleaseStore(directory, new ReleaseStore.Limits(100, 1 << 20, 2, maxSiteBytes));
    }

    private void install(ReleaseStore store, String release, int bytes) throws Exception {
        store.install(siteId, release, new ByteArrayInputStream(Archives.tar(Archives.texts(java.util.Map.of("index.html", "x".repeat(bytes))))));
        // Installation order by time, one second apart (the file system's clock may be coarse).
        Files.setLastModifiedTime(directory.resolve(siteId.toString()).resolve("releases").resolve(release),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + release.charAt(1) * 1000L));
    }

    private List<String> releases() throws java.io.IOException {
        try (var left = Files.list(directory.resolve(siteId.toString()).resolve("releases"))) {
            return left.map(path -> path.getFileName().toString()).toList();
        }
    }

    private SiteSpec spec(String release) {
        return new SiteSpec(siteId, "alpha", UUID.randomUUID(), List.of("alpha.localhost"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, release, 1);
    }

    private Path current() {
        return directory.resolve(siteId.toString()).resolve("current");
    }

    @Test
    void aNewSiteServesTheWelcomePage() throws Exception {
        ReleaseStore store = store(1000);
        store.ensure(spec(null));
        assertThat(Files.readString(current().resolve("index.html"))).contains("Welcome to alpha");
    }

    @Test
    void anInstalledReleaseBecomesCurrentThroughAnAtomicSymlinkSwap() throws Exception {
        ReleaseStore store = store(1000);
        store.ensure(spec(null));
        byte[] archive = Archives.tar(tar -> {
            Archives.file(tar, "index.html", Archives.utf8("hello"));
            Archives.file(tar, "./css/site.css", Archives.utf8("body{}"));
        });
        assertThat(store.install(siteId, "r1", new ByteArrayInputStream(archive))).isTrue();
        assertThat(store.install(siteId, "r1", new ByteArrayInputStream(archive))).isFalse();
        store.ensure(spec("r1"));
        assertThat(Files.readSymbolicLink(current())).isEqualTo(Path.of("releases", "r1"));
        assertThat(Files.readString(current().resolve("css/site.css"))).isEqualTo("body{}");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(current().resolve("index.html")))).isEqualTo("rw-r--r--");
    }

    @Test
    void gzipArchivesAreAccepted() throws Exception {
        byte[] gz = Archives.tarGz(tar -> Archives.file(tar, "index.html", Archives.utf8("zipped")));
        ReleaseStore store = store(1000);
        store.ensure(spec(null));
        store.install(siteId, "r1", new ByteArrayInputStream(gz));
        store.ensure(spec("r1"));
        assertThat(Files.readString(current().resolve("index.html"))).isEqualTo("zipped");
    }

    @Test
    void unsafeArchivesAreRefusedAndLeaveNothing() throws Exception {
        ReleaseStore store = store(1000);
        store.ensure(spec(null));
        List<byte[]> unsafe = List.of(
                Archives.tar(tar -> Archives.file(tar, "../escape.html", Archives.utf8("x"))),
                Archives.tar(tar -> Archives.file(tar, "a/../../escape.html", Archives.utf8("x"))),
                Archives.tar(tar -> {
                    TarArchiveEntry absolute = new TarArchiveEntry("/etc/passwd", true);
                    absolute.setSize(1);
                    tar.putArchiveEntry(absolute);
                    tar.write('x');
                    tar.closeArchiveEntry();
                }),
                Archives.tar(tar -> {
                    TarArchiveEntry link = new TarArchiveEntry("link", TarArchiveEntry.LF_SYMLINK);
                    link.setLinkName("/etc/shadow");
                    tar.putArchiveEntry(link);
                    tar.closeArchiveEntry();
                }),
                Archives.tar(tar -> {
                    TarArchiveEntry hard = new TarArchiveEntry("hard", TarArchiveEntry.LF_LINK);
                    hard.setLinkName("index.html");
                    tar.putArchiveEntry(hard);
                    tar.closeArchiveEntry();
                }),
                Archives.tar(tar -> Archives.file(tar, "big.bin", Archives.utf8("y".repeat(2000)))));
        for (int index = 0; index < unsafe.size(); index++) {
            byte[] archive = unsafe.get(index);
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
                    () -> store.install(siteId, "bad", new ByteArrayInputStream(archive)));
            assertThat(thrown).as("archive %d", index).isInstanceOf(InvalidSpecException.class);
        }
        assertThat(Files.exists(directory.resolve(siteId.toString()).resolve("releases/bad"))).isFalse();
        assertThat(Files.exists(directory.resolve("escape.html"))).isFalse();
        try (var left = Files.list(directory.resolve(siteId.toString()).resolve("releases"))) {
            assertThat(left.map(path -> path.getFileName().toString()).toList()).containsExactly("_welcome");
        }
        assertThat(Files.readString(current().resolve("index.html"))).contains("Welcome to alpha");
    }

    @Test
    void aSpecNamingAMissingReleaseFailsAndKeepsTheCurrentOne() throws Exception {
        ReleaseStore store = store(1000);
        store.ensure(spec(null));
        assertThatThrownBy(() -> store.ensure(spec("missing"))).hasMessageContaining("release missing is not installed");
        assertThat(Files.readSymbolicLink(current())).isEqualTo(Path.of("releases", "_welcome"));
    }

    @Test
    void onlyTheNewestReleasesAndTheCurrentOneAreKept() throws Exception {
        ReleaseStore store = store(1000);
        store.ensure(spec(null));
        for (String release : List.of("r1", "r2", "r3", "r4")) {
            store.install(siteId, release, new ByteArrayInputStream(Archives.tar(tar -> Archives.file(tar, "index.html", Archives.utf8(release)))));
            Files.setLastModifiedTime(directory.resolve(siteId.toString()).resolve("releases").resolve(release),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + release.charAt(1) * 1000L));
        }
        store.ensure(spec("r1"));
        try (var left = Files.list(directory.resolve(siteId.toString()).resolve("releases"))) {
            assertThat(left.map(path -> path.getFileName().toString()).toList()).containsExactlyInAnyOrder("_welcome", "r1", "r3", "r4");
        }
    }

    @Test
    void theReleaseServedBeforeASwitchIsKeptUntilTheNextOne() throws Exception {
        ReleaseStore store = store(1000);
        store.ensure(spec(null));
        for (String release : List.of("r1", "r2", "r3", "r4")) {
            store.install(siteId, release, new ByteArrayInputStream(Archives.tar(tar -> Archives.file(tar, "index.html", Archives.utf8(release)))));
            Files.setLastModifiedTime(directory.resolve(siteId.toString()).resolve("releases").resolve(release),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + release.charAt(1) * 1000L));
        }
        store.ensure(spec("r1")); // a rollback to the oldest: r2 goes
        store.ensure(spec("r4")); // r1 was served until now: nginx names it until its reload
        try (var left = Files.list(directory.resolve(siteId.toString()).resolve("releases"))) {
            assertThat(left.map(path -> path.getFileName().toString()).toList()).containsExactlyInAnyOrder("_welcome", "r1", "r3", "r4");
        }
        store.ensure(spec("r3"));
        try (var left = Files.list(directory.resolve(siteId.toString()).resolve("releases"))) {
            assertThat(left.map(path -> path.getFileName().toString()).toList()).containsExactlyInAnyOrder("_welcome", "r3", "r4");
        }
    }

    @Test
    void whatACrashLeftHalfWrittenIsRemovedAndEveryReleaseKept() throws Exception {
        ReleaseStore store = store(1 << 20);
        store.ensure(spec(null));
        store.install(siteId, "r1", new java.io.ByteArrayInputStream(Archives.tar(t -> Archives.file(t, "index.html", Archives.utf8("one")))));
        store.ensure(spec("r1"));
        Path site = directory.resolve(siteId.toString());
        // As left by a kill -9 in the middle of an extraction and of a switch of `current`.
        Path incoming = Files.createDirectories(site.resolve("releases/.incoming-" + UUID.randomUUID()).resolve("half"));
        Files.writeString(incoming.resolve("index.html"), "half");
        Path link = Files.createSymbolicLink(site.resolve(".current-" + UUID.randomUUID()), Path.of("releases", "r1"));

        store.removeIncomplete();

        assertThat(incoming.getParent()).doesNotExist();
        assertThat(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(site.resolve("releases/r1/index.html")).hasContent("one");
        assertThat(site.resolve("releases/_welcome/index.html")).exists();
        assertThat(Files.readSymbolicLink(current())).isEqualTo(Path.of("releases", "r1"));
    }

    @Test
    void anInstallThatWouldTakeTheSiteOverItsDiskCeilingIsRefusedAndLeavesNothing() throws Exception {
        ReleaseStore probe = storeWithCeiling(Long.MAX_VALUE);
        probe.ensure(spec(null));
        long welcome = probe.diskBytes(siteId);
        assertThat(welcome).isPositive();
        ReleaseStore store = storeWithCeiling(welcome + 100);
        install(store, "r1", 60);
        store.ensure(spec("r1"));
        assertThat(store.diskBytes(siteId)).isEqualTo(welcome + 60);

        assertThatThrownBy(() -> install(store, "r2", 60)).isInstanceOf(DiskCeilingException.class)
                .hasMessageContaining("disk ceiling of " + (welcome + 100) + " bytes (content.maxSiteBytes)");
        assertThat(releases()).containsExactlyInAnyOrder("_welcome", "r1");
        assertThat(store.diskBytes(siteId)).isEqualTo(welcome + 60);
        install(store, "r2", 40);
        assertThat(releases()).contains("r2");
        assertThat(store.diskBytes(siteId)).isEqualTo(welcome + 100);
    }

    @Test
    void releasesTheNextSwitchPrunesDoNotCountAgainstTheCeiling() throws Exception {
        ReleaseStore probe = storeWithCeiling(Long.MAX_VALUE);
        probe.ensure(spec(null));
        long welcome = probe.diskBytes(siteId);
        // Two releases of 60 bytes fit, three do not; the site keeps two (keepReleases 2).
        ReleaseStore store = storeWithCeiling(welcome + 130);
        for (String release : List.of("r1", "r2", "r3", "r4")) {
            install(store, release, 60);
            store.ensure(spec(release));
        }
        assertThat(releases()).containsExactlyInAnyOrder("_welcome", "r3", "r4");
        assertThat(store.diskBytes(siteId)).isEqualTo(welcome + 120);
        // A rollback to r3 keeps r4 (served until the switch): installing now would keep r4, r3 and the new one.
        store.ensure(spec("r3"));
        assertThatThrownBy(() -> install(store, "r5", 60)).isInstanceOf(DiskCeilingException.class);
    }
}
