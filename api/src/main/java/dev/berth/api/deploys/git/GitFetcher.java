package dev.berth.api.deploys.git;

import dev.berth.api.outbound.RepositoryUrlRefusedException;
import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.deploys.ContentCounts;
import dev.berth.api.deploys.ContentLimits;
import dev.berth.api.deploys.ContentRefusedException;
import dev.berth.api.deploys.NormalizedTarWriter;
import dev.berth.api.deploys.git.GitFetchException.Reason;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.TooLargeObjectInPackException;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.BaseRepositoryBuilder;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.lib.SubmoduleConfig.FetchRecurseSubmodulesMode;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * Fetches one branch of a tenant's repository and writes its tree (or one folder of it) as the
 * same normalized tar as archive uploads.
 *
 * <p>The fetch is JGit's, over HTTPS (see {@link PolicyHttpConnectionFactory}; an access token is sent
 * only to the repository's own origin) or, with a deploy key, over SSH (JGit's Apache MINA sshd
 * transport, see {@link SshTransportFactory}: the checked address is dialled, never a fresh DNS
 * answer, and the server's host key is trusted on first use and must match afterwards), shallow (depth 1),
 * one branch, no tags, no submodules, into a temporary bare repository that is
 * always deleted. Nothing is checked out: the commit's tree is read, and only regular files
 * (executable or not) become files; symbolic links and submodules (gitlinks) are skipped and counted.
 * The host's git configuration (/etc/gitconfig, ~/.gitconfig, XDG and JGit's own) is never read:
 * the first construction installs a {@link SystemReader} that answers with empty configurations and
 * hides GIT_* environment variables, process-wide, which is what a server that never wants them needs.
 * The sink receives bytes only after the whole tree passed. Thread-safe.
 */
public final class GitFetcher {
    /**
     * @param maxFetchBytes bytes read from the server over all connections (default 200 MiB)
     * @param timeout the whole fetch and tree walk (default 60 s)
     * @param content limits on the published files, as for archives
     */
    public record Limits(long maxFetchBytes, Duration timeout, ContentLimits content) {
        public static final long DEFAULT_MAX_FETCH_BYTES = 200L << 20;
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

        public Limits {
            if (maxFetchBytes < 1 || timeout == null || timeout.isNegative() || timeout.isZero() || content == null) {
                throw new IllegalArgumentException("git fetch limits must be positive");
            }
        }

        public static Limits defaults() {
            return new Limits(DEFAULT_MAX_FETCH_BYTES, DEFAULT_TIMEOUT, ContentLimits.defaults());
        }

        public Limits withMaxTotalBytes(long freeDiskBytes) {
            return new Limits(maxFetchBytes, timeout, content.withMaxTotalBytes(freeDiskBytes));
        }
    }

    /**
     * What was published: the commit and the tar's counts, plus what the tree held but was skipped,
     * and for SSH the server's host key (OpenSSH line) the fetch trusted, null over HTTPS.
     */
    public record Result(String commit, ContentCounts counts, long skippedSymbolicLinks, long skippedSubmodules, String hostKey) {
        public Result(String commit, ContentCounts counts, long skippedSymbolicLinks, long skippedSubmodules) {
            this(commit, counts, skippedSymbolicLinks, skippedSubmodules, null);
        }
    }

    private final RepositoryUrlPolicy policy;
    private final Path stagingDirectory;
    private final Clock clock;
    private final SSLSocketFactory tls;

    public GitFetcher(RepositoryUrlPolicy policy, Path stagingDirectory, Clock clock, SSLSocketFactory tls) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.stagingDirectory = Objects.requireNonNull(stagingDirectory, "stagingDirectory");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tls = Objects.requireNonNull(tls, "tls");
        isolateFromHostGitConfiguration();
    }

    public GitFetcher(RepositoryUrlPolicy policy, Path stagingDirectory, Clock clock) {
        this(policy, stagingDirectory, clock, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /**
     * Fetches {@code branch} of {@code repositoryUrl} and writes the tree under {@code path} ("" or
     * null: the whole tree) to {@code sink} (finished, not closed).
     *
     * @throws GitFetchException when the URL is refused, the branch or path does not exist, or the
     *     fetch is too large, too slow or fails
     * @throws ContentRefusedException when the tree breaks a content rule (names, counts, quota)
     * @throws IOException when staging or the sink fails
     */
    public Result fetch(String repositoryUrl, String branch, String path, Limits limits, OutputStream sink)
            throws GitFetchException, IOException {
        return fetch(repositoryUrl, GitCredentials.NONE, branch, path, limits, sink);
    }

    /**
     * The same for a private repository: {@code credentials} is a {@link GitCredentials.Token} for
     * an https URL or a {@link GitCredentials.DeployKey} for an SSH one (any other pairing is refused
     * before connecting). A host key that differs from the one the deploy key trusts fails with
     * {@link Reason#HOST_KEY_CHANGED}.
     */
    public Result fetch(String repositoryUrl, GitCredentials credentials, String branch, String path, Limits limits, OutputStream sink)
            throws GitFetchException, IOException {
        Instant deadline = clock.instant().plus(limits.timeout());
        RepositoryUrlPolicy.CheckedUrl checked;
        try {
            checked = policy.check(repositoryUrl);
        } catch (RepositoryUrlRefusedException refused) {
            throw new GitFetchException(Reason.URL_REFUSED, refused.getMessage(), refused);
        }
        boolean ssh = RepositoryUrlPolicy.isSsh(repositoryUrl);
        if (ssh != credentials instanceof GitCredentials.DeployKey) {
            throw new GitFetchException(Reason.URL_REFUSED, ssh ? "an ssh repository URL is fetched with the site's deploy key only"
                    : "the site's deploy key is used over ssh only; give the repository's ssh URL (git@host:org/site.git)");
        }
        String ref = Constants.R_HEADS + (branch == null ? "" : branch);
        if (branch == null || branch.isEmpty() || !Repository.isValidRefName(ref) || branch.startsWith("-")) {
            throw new GitFetchException(Reason.INVALID_BRANCH, "'" + printable(branch) + "' is not a valid branch name");
        }
        String folder = NormalizedTarWriter.normalize(path == null ? "" : path, limits.content());
        Path gitDirectory = Files.createTempDirectory(stagingDirectory, "git-");
        Path spool = Files.createTempFile(stagingDirectory, "git-", ".tar");
        // No object the tree could publish is larger than the content limit: the pack parser refuses a bigger one from
        // its header (a delta's result size included) instead of inflating it into memory and onto the disk first.
        long maxObjectBytes = Math.max(1, limits.content().maxTotalBytes());
        try (Repository repository = new BoundedRepository(new FileRepositoryBuilder().setGitDir(gitDirectory.toFile()).setBare()
                .setFS(FS.DETECTED).setup(), maxObjectBytes, limits.maxFetchBytes())) {
            repository.create(true);
            // No automatic gc after the fetch: JGit would run it on a background thread that writes gc.log.lock
            // into the directory while it is being deleted, and a one-commit throw-away repository needs none.
            StoredConfig config = repository.getConfig();
            config.setInt(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTO, 0);
            config.setBoolean(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTODETACH, false);
            config.save();
            PolicyHttpConnectionFactory connections = new PolicyHttpConnectionFactory(policy, limits.maxFetchBytes(), deadline, clock, tls);
            if (credentials instanceof GitCredentials.Token) {
                connections.onlyTo(checked.uri());
            }
            ObjectId commitId;
            String hostKey = null;
            if (credentials instanceof GitCredentials.DeployKey key) {
                try (SshTransportFactory transport = new SshTransportFactory(policy, checked, key, gitDirectory.resolve("ssh-home"))) {
                    commitId = fetchBranch(repository, transport.pinnedUrl(repositoryUrl), ref, deadline, connections, credentials, transport);
                    hostKey = transport.acceptedHostKey();
                }
            } else {
                commitId = fetchBranch(repository, repositoryUrl, ref, deadline, connections, credentials, null);
            }
            Result result;
            try (OutputStream spoolOut = new BufferedOutputStream(Files.newOutputStream(spool))) {
                result = withHostKey(writeTree(repository, commitId, folder, limits.content(), deadline, spoolOut), hostKey);
            } catch (DeadlinePassedException late) {
                throw new GitFetchException(Reason.TIMEOUT, "reading the repository took longer than allowed", late);
            }
            try (InputStream in = Files.newInputStream(spool)) {
                in.transferTo(sink);
            }
            sink.flush();
            return result;
        } finally {
            Files.deleteIfExists(spool);
            deleteRecursively(gitDirectory);
        }
    }

    private static Result withHostKey(Result result, String hostKey) {
        return new Result(result.commit(), result.counts(), result.skippedSymbolicLinks(), result.skippedSubmodules(), hostKey);
    }

    private ObjectId fetchBranch(Repository repository, String url, String ref, Instant deadline, PolicyHttpConnectionFactory connections,
                                 GitCredentials credentials, SshTransportFactory ssh)
            throws GitFetchException, IOException {
        int timeoutSeconds = (int) Math.max(1, Duration.between(clock.instant(), deadline).toSeconds());
        try (Git git = new Git(repository)) {
            git.fetch()
                    .setRemote(url)
                    .setRefSpecs(new RefSpec("+" + ref + ":" + ref))
                    .setDepth(1)
                    .setTagOpt(TagOpt.NO_TAGS)
                    .setRecurseSubmodules(FetchRecurseSubmodulesMode.NO)
                    .setTimeout(timeoutSeconds)
                    .setProgressMonitor(new DeadlineMonitor(deadline, clock))
                    .setTransportConfigCallback(transport -> {
                        if (ssh != null && transport instanceof SshTransport sshTransport) {
                            sshTransport.setSshSessionFactory(ssh.sessionFactory());
                            return;
                        }
                        if (!(transport instanceof TransportHttp http)) {
                            throw new IllegalStateException("only HTTP(S) transports and SSH with a deploy key are allowed");
                        }
                        if (credentials instanceof GitCredentials.Token token) {
                            http.setCredentialsProvider(new UsernamePasswordCredentialsProvider(token.username(), token.token()));
                        }
                        // No ObjectChecker: with one, JGit also checks connectivity past the shallow boundary and
                        // fails every depth-1 fetch ("peer did not supply a complete object graph"). Names are
                        // checked by NormalizedTarWriter on the way out instead.
                        http.setHttpConnectionFactory(connections);
                    })
                    .call();
        } catch (GitAPIException | RuntimeException failed) {
            if (ssh != null && ssh.hostKeyChanged() != null) {
                throw new GitFetchException(Reason.HOST_KEY_CHANGED, ssh.hostKeyChanged(), failed);
            }
            throw classify(failed, connections, deadline);
        }
        ObjectId commit = repository.resolve(ref);
        if (commit == null) {
            throw new GitFetchException(Reason.BRANCH_NOT_FOUND, "the repository has no branch '" + printable(ref.substring(Constants.R_HEADS.length())) + "'");
        }
        return commit;
    }

    private GitFetchException classify(Exception failed, PolicyHttpConnectionFactory connections, Instant deadline) {
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            if (cause instanceof RepositoryUrlRefusedException refused) {
                return new GitFetchException(Reason.URL_REFUSED, refused.getMessage(), failed);
            }
        }
        if (connections.budgetExceeded() || causedBy(failed, PackTooLargeException.class)) {
            return new GitFetchException(Reason.TOO_LARGE, "the repository sent more than the allowed size", failed);
        }
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            if (cause instanceof TooLargeObjectInPackException) {
                return new GitFetchException(Reason.TOO_LARGE, "the repository holds a file larger than the tenant's disk quota allows", failed);
            }
        }
        if (connections.deadlinePassed() || clock.instant().isAfter(deadline) || timedOut(failed)) {
            return new GitFetchException(Reason.TIMEOUT, "fetching the repository took longer than allowed", failed);
        }
        String message = String.valueOf(failed.getMessage());
        if (message.contains("not authorized") || message.contains("Authentication is required") || message.contains("Cannot log in at")
                || message.contains("authentication") && message.contains("failed") || message.contains("No more authentication methods")) {
            return new GitFetchException(Reason.NOT_AUTHORIZED, "the Git host refused the site's credentials (add the deploy key, or"
                    + " check the token and its access to the repository): " + printable(message), failed);
        }
        if (message.contains("Remote does not have") || message.contains("not found in upstream")) {
            return new GitFetchException(Reason.BRANCH_NOT_FOUND, "the repository has no such branch", failed);
        }
        return new GitFetchException(Reason.UNREACHABLE, "the repository could not be fetched: " + printable(message), failed);
    }

    private static boolean causedBy(Throwable failed, Class<? extends Throwable> type) {
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** JGit's socket timeout is the time left before the deadline: a read that runs into it ran out of that time. */
    private static boolean timedOut(Throwable failed) {
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private Result writeTree(Repository repository, ObjectId commitId, String folder, ContentLimits limits, Instant deadline, OutputStream out)
            throws GitFetchException, IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit commit = walk.parseCommit(commitId);
            ObjectId tree = commit.getTree();
            if (!folder.isEmpty()) {
                try (TreeWalk sub = TreeWalk.forPath(repository, folder, tree)) {
                    if (sub == null || sub.getFileMode(0) != FileMode.TREE) {
                        throw new GitFetchException(Reason.PATH_NOT_FOUND, "the commit has no folder '" + printable(folder) + "'");
                    }
                    tree = sub.getObjectId(0);
                }
            }
            NormalizedTarWriter writer = new NormalizedTarWriter(out, limits, commit.getCommitterIdent().getWhenAsInstant());
            long symbolicLinks = 0;
            long submodules = 0;
            try (TreeWalk files = new TreeWalk(repository)) {
                files.addTree(tree);
                files.setRecursive(true);
                while (files.next()) {
                    if (clock.instant().isAfter(deadline)) {
                        throw new GitFetchException(Reason.TIMEOUT, "reading the repository took longer than allowed");
                    }
                    byte[] rawPath = files.getRawPath();
                    NormalizedTarWriter.requireUtf8(rawPath, new String(rawPath, StandardCharsets.UTF_8));
                    String name = new String(rawPath, StandardCharsets.UTF_8);
                    FileMode mode = files.getFileMode(0);
                    if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
                        ObjectLoader blob = repository.open(files.getObjectId(0), Constants.OBJ_BLOB);
                        try (InputStream content = new DeadlineStream(blob.openStream(), deadline, clock)) {
                            writer.addFile(name, blob.getSize(), content);
                        }
                    } else if (mode == FileMode.SYMLINK) {
                        writer.skip(name);
                        symbolicLinks++;
                    } else {
                        writer.skip(name);
                        submodules++;
                    }
                }
            }
            writer.finish();
            return new Result(commit.name(), writer.counts(), symbolicLinks, submodules);
        }
    }

    /**
     * Makes JGit ignore the host's git configuration and GIT_* environment, process-wide. Idempotent.
     */
    public static synchronized void isolateFromHostGitConfiguration() {
        SystemReader current = SystemReader.getInstance();
        if (current instanceof IsolatedSystemReader) {
            return;
        }
        SystemReader.setInstance(new IsolatedSystemReader(current));
    }

    private static final class IsolatedSystemReader extends SystemReader.Delegate {
        IsolatedSystemReader(SystemReader delegate) {
            super(delegate);
        }

        @Override
        public String getenv(String variable) {
            return variable != null && variable.startsWith("GIT_") ? null : super.getenv(variable);
        }

        @Override
        public FileBasedConfig openUserConfig(Config parent, FS fs) {
            return new EmptyConfig(parent, fs);
        }

        @Override
        public FileBasedConfig openSystemConfig(Config parent, FS fs) {
            return new EmptyConfig(parent, fs);
        }

        @Override
        public FileBasedConfig openJGitConfig(Config parent, FS fs) {
            return new EmptyConfig(parent, fs);
        }
    }

    private static final class EmptyConfig extends FileBasedConfig {
        EmptyConfig(Config parent, FS fs) {
            super(parent, null, fs);
        }

        @Override
        public void load() {
            // nothing on disk is read
        }

        @Override
        public boolean isOutdated() {
            return false;
        }

        @Override
        public void save() throws IOException {
            throw new IOException("the isolated git configuration cannot be saved");
        }
    }

    /**
     * A bare repository whose pack parser refuses any object over {@code maxObjectBytes}: JGit's
     * fetch sets no such limit itself, so a tiny pack holding a delta (or a blob) that inflates to
     * gigabytes would be expanded in full, in memory and on disk, before any of Berth's checks ran.
     * The pack's own bytes are bounded too ({@code maxPackBytes}): over SSH no connection factory
     * counts them.
     */
    private static final class BoundedRepository extends FileRepository {
        private final long maxObjectBytes;
        private final long maxPackBytes;

        BoundedRepository(BaseRepositoryBuilder<?, ?> options, long maxObjectBytes, long maxPackBytes) throws IOException {
            super(options);
            this.maxObjectBytes = maxObjectBytes;
            this.maxPackBytes = maxPackBytes;
        }

        @Override
        public ObjectInserter newObjectInserter() {
            ObjectInserter inserter = super.newObjectInserter();
            return new ObjectInserter.Filter() {
                @Override
                protected ObjectInserter delegate() {
                    return inserter;
                }

                @Override
                public PackParser newPackParser(InputStream in) throws IOException {
                    PackParser parser = inserter.newPackParser(new PackBudget(in, maxPackBytes));
                    parser.setMaxObjectSizeLimit(maxObjectBytes);
                    return parser;
                }
            };
        }
    }

    /** A pack larger than the fetch's byte bound. */
    private static final class PackTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        PackTooLargeException() {
            super("the repository sent more than the allowed size");
        }
    }

    /** Counts a pack's bytes as the parser reads them and stops past the bound. */
    private static final class PackBudget extends java.io.FilterInputStream {
        private long left;

        PackBudget(InputStream in, long maxBytes) {
            super(in);
            this.left = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int value = super.read();
            if (value >= 0 && --left < 0) {
                throw new PackTooLargeException();
            }
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int read = super.read(buffer, offset, length);
            if (read > 0 && (left -= read) < 0) {
                throw new PackTooLargeException();
            }
            return read;
        }

        @Override
        public long skip(long count) throws IOException {
            long skipped = super.skip(count);
            if ((left -= skipped) < 0) {
                throw new PackTooLargeException();
            }
            return skipped;
        }
    }

    /** A blob's content that stops being readable at the deadline: inflating one large file is bounded too. */
    private static final class DeadlineStream extends java.io.FilterInputStream {
        private final Instant deadline;
        private final Clock clock;

        DeadlineStream(InputStream in, Instant deadline, Clock clock) {
            super(in);
            this.deadline = deadline;
            this.clock = clock;
        }

        @Override
        public int read() throws IOException {
            checkDeadline();
            return super.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            checkDeadline();
            return super.read(buffer, offset, length);
        }

        private void checkDeadline() throws IOException {
            if (clock.instant().isAfter(deadline)) {
                throw new DeadlinePassedException();
            }
        }
    }

    /** Thrown from a read once the fetch's deadline passed. */
    private static final class DeadlinePassedException extends java.io.InterruptedIOException {
        DeadlinePassedException() {
            super("reading the repository took longer than allowed");
        }
    }

    private static final class DeadlineMonitor implements ProgressMonitor {
        private final Instant deadline;
        private final Clock clock;

        DeadlineMonitor(Instant deadline, Clock clock) {
            this.deadline = deadline;
            this.clock = clock;
        }

        @Override
        public void start(int totalTasks) {
        }

        @Override
        public void beginTask(String title, int totalWork) {
        }

        @Override
        public void update(int completed) {
        }

        @Override
        public void endTask() {
        }

        @Override
        public boolean isCancelled() {
            return clock.instant().isAfter(deadline);
        }

        @Override
        public void showDuration(boolean enabled) {
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        // A file that vanished between the listing and its deletion is already gone, which is what was wanted.
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failed) throws IOException {
                if (failed instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw failed;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failed) throws IOException {
                if (failed != null && !(failed instanceof NoSuchFileException)) {
                    throw failed;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static String printable(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > 200 ? value.substring(0, 200) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
