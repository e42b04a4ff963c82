package dev.berth.api.deploys.git;

import dev.berth.api.outbound.RepositoryUrlPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.deploys.ContentLimits;
import dev.berth.api.deploys.TarAudit;
import dev.berth.api.deploys.git.GitFetchException.Reason;
import dev.berth.testkit.GitHttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitFetcherTest {
    @TempDir
    Path temp;
    private Path staging;
    private Repository origin;
    private String firstCommit;
    private String headCommit;
    private GitHttpServer server;
    private TrapServer trap;

    @BeforeEach
    void serveARepositoryOnLoopback() throws Exception {
        staging = Files.createDirectories(temp.resolve("staging"));
        origin = new FileRepository(temp.resolve("origin.git").toFile());
        origin.create(true);
        firstCommit = commit(origin, null, Map.of("index.html", "old"), "main");
        headCommit = commit(origin, firstCommit, Map.of("index.html", "<h1>home</h1>", "css/site.css", "body{}", "public/index.html", "public"),
                "main");
        commit(origin, null, Map.of("index.html", "other branch"), "other");
        server = new GitHttpServer(origin);
        trap = new TrapServer();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        trap.close();
        origin.close();
    }

    @Test
    void aBranchIsFetchedShallowAndOnlyItsRegularFilesArePublished() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        GitFetcher.Result result = fetcher(allowing(server.port())).fetch(server.url(), "main", "", GitFetcher.Limits.defaults(), sink);
        assertThat(result.commit()).isEqualTo(headCommit);
        assertThat(result.skippedSymbolicLinks()).isEqualTo(1);
        assertThat(result.skippedSubmodules()).isEqualTo(1);
        Path site = Files.createDirectories(temp.resolve("site"));
        Map<String, byte[]> files = TarAudit.extract(sink.toByteArray(), site);
        assertThat(files).containsOnlyKeys("index.html", "css/site.css", "public/index.html", "run.sh");
        assertThat(new String(files.get("index.html"), StandardCharsets.UTF_8)).isEqualTo("<h1>home</h1>");
        assertThat(server.uploadRequests()).anySatisfy(request -> assertThat(new String(request, StandardCharsets.UTF_8)).contains("deepen 1"));
        assertNoStagingResidue();
    }

    @Test
    void onlyTheRequestedFolderIsPublished() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        fetcher(allowing(server.port())).fetch(server.url(), "main", "public", GitFetcher.Limits.defaults(), sink);
        assertThat(TarAudit.extract(sink.toByteArray(), Files.createDirectories(temp.resolve("site")))).containsOnlyKeys("index.html");
    }

    @Test
    void anotherBranchIsFetchedByName() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        fetcher(allowing(server.port())).fetch(server.url(), "other", "", GitFetcher.Limits.defaults(), sink);
        Map<String, byte[]> files = TarAudit.extract(sink.toByteArray(), Files.createDirectories(temp.resolve("site")));
        assertThat(new String(files.get("index.html"), StandardCharsets.UTF_8)).isEqualTo("other branch");
    }

    @Test
    void aMissingBranchOrFolderIsReported() {
        GitFetcher fetcher = fetcher(allowing(server.port()));
        assertThatThrownBy(() -> fetcher.fetch(server.url(), "nope", "", GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.BRANCH_NOT_FOUND));
        assertThatThrownBy(() -> fetcher.fetch(server.url(), "main", "missing", GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.PATH_NOT_FOUND));
        assertThatThrownBy(() -> fetcher.fetch(server.url(), "main", "../etc", GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                .isInstanceOf(dev.berth.api.deploys.ContentRefusedException.class);
    }

    @Test
    void invalidBranchNamesAreRefusedBeforeFetching() {
        for (String branch : List.of("", "a..b", "-upload-pack=touch", "x y", "refs/../x", "a:b")) {
            assertThatThrownBy(() -> fetcher(allowing(server.port())).fetch(server.url(), branch, "", GitFetcher.Limits.defaults(),
                    new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.INVALID_BRANCH));
        }
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aRepositoryOverTheSizeBoundIsRefused() throws Exception {
        byte[] noise = new byte[300_000];
        new Random(1).nextBytes(noise);
        commit(origin, headCommit, Map.of("big.bin", new String(noise, StandardCharsets.ISO_8859_1)), "main");
        GitFetcher.Limits small = new GitFetcher.Limits(100_000, Duration.ofSeconds(60), ContentLimits.defaults());
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> fetcher(allowing(server.port())).fetch(server.url(), "main", "", small, sink))
                .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.TOO_LARGE));
        assertThat(sink.size()).isZero();
        assertNoStagingResidue();
    }

    @Test
    void aStallingServerIsAbandonedAtTheTimeBound() throws Exception {
        try (GitHttpServer slow = new GitHttpServer(origin, null, 5_000)) {
            GitFetcher.Limits quick = new GitFetcher.Limits(GitFetcher.Limits.DEFAULT_MAX_FETCH_BYTES, Duration.ofSeconds(1), ContentLimits.defaults());
            long started = System.nanoTime();
            assertThatThrownBy(() -> fetcher(allowing(slow.port())).fetch(slow.url(), "main", "", quick, new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.TIMEOUT));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
        assertNoStagingResidue();
    }

    @Test
    void aReadThatRunsIntoTheSocketTimeoutIsATimeoutEvenBeforeTheClockSaysSo() throws Exception {
        // JGit's socket timeout is the time left; on a loaded machine it can fire before the deadline's own check.
        try (GitHttpServer slow = new GitHttpServer(origin, null, 5_000)) {
            GitFetcher.Limits quick = new GitFetcher.Limits(GitFetcher.Limits.DEFAULT_MAX_FETCH_BYTES, Duration.ofSeconds(1), ContentLimits.defaults());
            java.time.Clock standingStill = java.time.Clock.fixed(java.time.Instant.parse("2026-12-04T12:00:00Z"), java.time.ZoneOffset.UTC);
            assertThatThrownBy(() -> new GitFetcher(allowing(slow.port()), staging, standingStill)
                    .fetch(slow.url(), "main", "", quick, new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.TIMEOUT));
        }
        assertNoStagingResidue();
    }

    @Test
    void aPackObjectLargerThanTheContentLimitIsRefusedFromItsHeaderWithoutBeingInflated() throws Exception {
        commit(origin, headCommit, Map.of("big.bin", zeros(origin, 48L << 20)), "main");
        GitFetcher.Limits small = new GitFetcher.Limits(GitFetcher.Limits.DEFAULT_MAX_FETCH_BYTES, Duration.ofSeconds(60),
                ContentLimits.defaults().withMaxTotalBytes(1L << 20));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> fetcher(allowing(server.port())).fetch(server.url(), "main", "", small, sink))
                .isInstanceOfSatisfying(GitFetchException.class, failed -> {
                    assertThat(failed.reason()).isEqualTo(Reason.TOO_LARGE);
                    assertThat(failed.getMessage()).contains("larger than");
                });
        assertThat(sink.size()).isZero();
        assertNoStagingResidue();
    }

    @Test
    void inflatingOneLargeFileStopsAtTheDeadlineNotAtTheEndOfTheFile() throws Exception {
        // The last file of the tree, so that no check between files can stop the fetch once it is being read.
        commit(origin, headCommit, Map.of("zz.bin", zeros(origin, 64L << 20)), "main");
        // Each look at the clock takes a millisecond: the deadline counts work, whatever the machine's speed. Fetching
        // takes about 150 looks here, reading the file one per 64 KiB (1,024).
        TickingClock clock = new TickingClock();
        GitFetcher.Limits limits = new GitFetcher.Limits(GitFetcher.Limits.DEFAULT_MAX_FETCH_BYTES, Duration.ofMillis(600),
                ContentLimits.defaults());
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        long before = clock.millis.get();
        assertThatThrownBy(() -> new GitFetcher(allowing(server.port()), staging, clock).fetch(server.url(), "main", "", limits, sink))
                .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.TIMEOUT));
        assertThat(clock.millis.get() - before).as("looks at the clock before the fetch gave up").isLessThan(700);
        assertThat(sink.size()).isZero();
        assertNoStagingResidue();
    }

    /** A blob of {@code bytes} zeros, streamed in (the pack carries it compressed to a few kilobytes). */
    private static String zeros(Repository repository, long bytes) throws IOException {
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            ObjectId id = inserter.insert(Constants.OBJ_BLOB, bytes, new java.io.InputStream() {
                private long left = bytes;

                @Override
                public int read() {
                    return left-- > 0 ? 0 : -1;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) {
                    if (left <= 0) {
                        return -1;
                    }
                    int count = (int) Math.min(length, left);
                    java.util.Arrays.fill(buffer, offset, offset + count, (byte) 0);
                    left -= count;
                    return count;
                }
            });
            inserter.flush();
            return BLOB_REFERENCE + id.name();
        }
    }

    /** A clock that moves on by a millisecond each time it is read. */
    private static final class TickingClock extends Clock {
        private final java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis.incrementAndGet());
        }
    }

    @Test
    void loopbackIsRefusedUnlessAllowlistedAndNothingIsContacted() {
        RepositoryUrlPolicy productionLike = new RepositoryUrlPolicy(RepositoryUrlPolicy.Resolver.SYSTEM, List.of(), true);
        assertThatThrownBy(() -> fetcher(productionLike).fetch(server.url(), "main", "", GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED));
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aRedirectToAnotherLoopbackPortIsRefusedBeforeConnecting() throws Exception {
        try (GitHttpServer redirecting = new GitHttpServer(origin, "http://127.0.0.1:" + trap.port(), 0)) {
            assertThatThrownBy(() -> fetcher(allowing(redirecting.port())).fetch(redirecting.url(), "main", "", GitFetcher.Limits.defaults(),
                    new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED));
            assertThat(redirecting.requests()).hasSize(1);
        }
        assertThat(trap.connections()).isZero();
    }

    @Test
    void aRedirectToTheMetadataAddressIsRefused() throws Exception {
        try (GitHttpServer redirecting = new GitHttpServer(origin, "http://169.254.169.254", 0)) {
            assertThatThrownBy(() -> fetcher(allowing(redirecting.port())).fetch(redirecting.url(), "main", "", GitFetcher.Limits.defaults(),
                    new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED));
        }
    }

    @Test
    void aRepositoryIsFetchedOverHttpsThroughTheCheckingSocket() throws Exception {
        TestCertificate certificate = new TestCertificate(temp);
        try (GitHttpServer https = new GitHttpServer(origin, null, 0, certificate.serverContext())) {
            // https needs no plain-http flag; loopback is still allowed only for this port
            RepositoryUrlPolicy policy = new RepositoryUrlPolicy(RepositoryUrlPolicy.Resolver.SYSTEM, List.of("127.0.0.1:" + https.port()), false);
            GitFetcher fetcher = new GitFetcher(policy, staging, Clock.systemUTC(), certificate.clientContext().getSocketFactory());
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            assertThat(fetcher.fetch(https.url(), "main", "", GitFetcher.Limits.defaults(), sink).commit()).isEqualTo(headCommit);
            assertThat(TarAudit.extract(sink.toByteArray(), Files.createDirectories(temp.resolve("site")))).containsKey("index.html");
        }
    }

    @Test
    void aHostThatRebindsToLoopbackBetweenCheckAndConnectIsRefusedAtTheSocket() throws Exception {
        // The policy's resolver says public; the JDK, which dials, resolves localhost to loopback.
        FakeResolver rebinding = new FakeResolver().answer("localhost", "140.82.112.3");
        GitFetcher fetcher = fetcher(new RepositoryUrlPolicy(rebinding, List.of(), false));
        assertThatThrownBy(() -> fetcher.fetch("https://localhost:" + trap.port() + "/site.git", "main", "", GitFetcher.Limits.defaults(),
                new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(GitFetchException.class, failed -> {
                    assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED);
                    assertThat(failed.getMessage()).contains("resolves to 127.0.0.1");
                });
        assertThat(rebinding.lookups).contains("localhost");
        assertThat(trap.connections()).isZero();
    }

    @Test
    void hostileUrlsAreRefusedByTheFetcherWithoutAnyConnection() throws Exception {
        FakeResolver resolver = new FakeResolver().answer("internal.example", "10.0.0.5").answer("localhost", "127.0.0.1");
        GitFetcher fetcher = fetcher(new RepositoryUrlPolicy(resolver, List.of(), false));
        for (String url : List.of("http://127.0.0.1:" + trap.port() + "/site.git", "https://localhost:" + trap.port() + "/site.git",
                "https://[::ffff:127.0.0.1]:" + trap.port() + "/site.git", "file://" + temp.resolve("origin.git"), "ext::sh -c id",
                "ssh://git@internal.example/site.git", "https://internal.example/site.git", "https://2130706433:" + trap.port() + "/x.git")) {
            assertThatThrownBy(() -> fetcher.fetch(url, "main", "", GitFetcher.Limits.defaults(), new ByteArrayOutputStream()))
                    .as(url)
                    .isInstanceOfSatisfying(GitFetchException.class, failed -> assertThat(failed.reason()).isEqualTo(Reason.URL_REFUSED));
        }
        assertThat(trap.connections()).isZero();
        assertNoStagingResidue();
    }

    @Test
    void theHostsGitConfigurationIsNeverRead() throws Exception {
        fetcher(allowing(server.port()));
        var userConfig = SystemReader.getInstance().openUserConfig(null, FS.DETECTED);
        userConfig.load();
        assertThat(userConfig.getSections()).isEmpty();
        var systemConfig = SystemReader.getInstance().openSystemConfig(null, FS.DETECTED);
        systemConfig.load();
        assertThat(systemConfig.getSections()).isEmpty();
        assertThat(SystemReader.getInstance().getenv("GIT_SSL_NO_VERIFY")).isNull();
        assertThat(SystemReader.getInstance().getenv("GIT_CONFIG_GLOBAL")).isNull();
    }

    private GitFetcher fetcher(RepositoryUrlPolicy policy) {
        return new GitFetcher(policy, staging, Clock.systemUTC());
    }

    /** Loopback for this test's server only, and plain http: never a default. */
    private static RepositoryUrlPolicy allowing(int port) {
        return new RepositoryUrlPolicy(RepositoryUrlPolicy.Resolver.SYSTEM, List.of("127.0.0.1:" + port), true);
    }

    private void assertNoStagingResidue() throws IOException {
        try (Stream<Path> residue = Files.list(staging)) {
            assertThat(residue).isEmpty();
        }
    }

    /** Commits {@code files} plus a symbolic link, a submodule and an executable to {@code branch}. */
    private static String commit(Repository repository, String parent, Map<String, String> files, String branch) throws IOException {
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            TreeFormatter root = new TreeFormatter();
            java.util.TreeMap<String, Object> entries = new java.util.TreeMap<>();
            java.util.Map<String, java.util.TreeMap<String, String>> folders = new java.util.TreeMap<>();
            for (Map.Entry<String, String> file : files.entrySet()) {
                int slash = file.getKey().indexOf('/');
                if (slash < 0) {
                    entries.put(file.getKey(), file.getValue());
                } else {
                    folders.computeIfAbsent(file.getKey().substring(0, slash), name -> new java.util.TreeMap<>())
                            .put(file.getKey().substring(slash + 1), file.getValue());
                }
            }
            for (var folder : folders.entrySet()) {
                TreeFormatter sub = new TreeFormatter();
                for (var file : folder.getValue().entrySet()) {
                    sub.append(file.getKey(), FileMode.REGULAR_FILE, blob(inserter, file.getValue()));
                }
                entries.put(folder.getKey(), inserter.insert(sub));
            }
            entries.put("link", "SYMLINK");
            entries.put("run.sh", "EXEC");
            entries.put("vendor", "GITLINK");
            for (var entry : entries.entrySet()) {
                Object value = entry.getValue();
                if (value instanceof ObjectId tree) {
                    root.append(entry.getKey(), FileMode.TREE, tree);
                } else if (value.equals("SYMLINK")) {
                    root.append(entry.getKey(), FileMode.SYMLINK, blob(inserter, "/etc/passwd"));
                } else if (value.equals("EXEC")) {
                    root.append(entry.getKey(), FileMode.EXECUTABLE_FILE, blob(inserter, "#!/bin/sh\necho hi\n"));
                } else if (value.equals("GITLINK")) {
                    root.append(entry.getKey(), FileMode.GITLINK, ObjectId.fromString("0123456789abcdef0123456789abcdef01234567"));
                } else {
                    root.append(entry.getKey(), FileMode.REGULAR_FILE, blob(inserter, (String) value));
                }
            }
            CommitBuilder commit = new CommitBuilder();
            commit.setTreeId(inserter.insert(root));
            if (parent != null) {
                commit.setParentId(ObjectId.fromString(parent));
            }
            PersonIdent author = new PersonIdent("Tenant", "tenant@example.com");
            commit.setAuthor(author);
            commit.setCommitter(author);
            commit.setMessage("content\n");
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            RefUpdate update = repository.updateRef(Constants.R_HEADS + branch);
            update.setNewObjectId(id);
            update.forceUpdate();
            return id.name();
        }
    }

    /** A file's content in {@link #commit}: this prefix and an object id name a blob already in the repository. */
    private static final String BLOB_REFERENCE = "\u0000blob:";

    private static ObjectId blob(ObjectInserter inserter, String content) throws IOException {
        if (content.startsWith(BLOB_REFERENCE)) {
            return ObjectId.fromString(content.substring(BLOB_REFERENCE.length()));
        }
        return inserter.insert(Constants.OBJ_BLOB, content.getBytes(content.chars().anyMatch(c -> c > 0x7f)
                ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
    }
}
