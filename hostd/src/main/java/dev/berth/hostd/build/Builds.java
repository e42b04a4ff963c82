package dev.berth.hostd.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.content.ReleaseStore;
import dev.berth.hostd.exec.CommandException;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.runtime.OciConfig;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.InvalidSpecException;
import dev.berth.hostprotocol.ResourceLimits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a site's sources into the content of a release, in a throw-away runc container: the
 * sources unpacked into a workspace of its own (a tmpfs of the build's disk limit, owned by the
 * site's container uid), the toolchains from the host's {@code /usr} read-only, no network but
 * loopback, the site's id range, a cgroup under the tenant's (CPU, memory, pids), a time limit.
 * The command runs as {@code /bin/sh -c COMMAND} in {@code /work/src}; its output (stdout and
 * stderr, line by line) goes to the caller as it comes. The output folder stays in the workspace
 * until it is read or {@link #KEEP} has passed; a failed build leaves nothing.
 *
 * <p>Only regular files and directories of the output are handed back (links, FIFOs and devices
 * are left out), read after every process of the build has ended.
 */
public final class Builds {
    private static final Logger LOG = LoggerFactory.getLogger(Builds.class);
    /** How long a finished build's output waits to be read (and the longest a build may run: less). */
    static final Duration KEEP = Duration.ofMinutes(30);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(20);
    /** Lines of build output passed on; the rest is counted and dropped. */
    static final int MAX_LINES = 1000;
    /** Files and folders a workspace may hold (a tmpfs inode is kernel memory, outside its size). */
    static final int MAX_INODES = 200_000;
    static final int MAX_LINE_CHARS = 500;
    static final Pattern BUILD_ID = Pattern.compile("[0-9a-f]{32}");
    static final Pattern OUTPUT = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f]");

    /** What to build and within which limits. */
    public record Request(UUID siteId, UUID tenantId, long hostIdBase, String command, String output, ResourceLimits limits,
                          Duration timeout, long maxBytes, int maxEntries) {
    }

    /** How a build ended: {@code buildId} names its output when it succeeded. */
    public record Result(String buildId, boolean succeeded, String error) {
    }

    private final CommandRunner commands;
    private final ObjectMapper mapper;
    private final String runc;
    private final Path stateDirectory;
    private final Path bundles;
    private final Path workspaces;
    private final Path rootfs;
    private final String prefix;
    private final int idsPerSite;
    private final boolean limitSwap;
    private final java.util.function.BiFunction<UUID, String, String> cgroupsPath;
    private final Semaphore slots;
    /** The site each build (still on disk) is for: its output is read and dropped through that site only. */
    private final Map<String, UUID> owners = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param prefix      this hostd's name prefix: containers are {@code PREFIX-build-ID}
     * @param cgroupsPath (tenant, build id) -> the build's cgroup path, under the tenant's
     */
    public Builds(CommandRunner commands, ObjectMapper mapper, String runc, Path stateDirectory, Path bundles, Path workspaces,
                  Path rootfs, String prefix, int idsPerSite, boolean limitSwap,
                  java.util.function.BiFunction<UUID, String, String> cgroupsPath, int concurrent) {
        this.commands = commands;
        this.mapper = mapper;
        this.runc = runc;
        this.stateDirectory = stateDirectory;
        this.bundles = bundles;
        this.workspaces = workspaces;
        this.rootfs = rootfs;
        this.prefix = prefix;
        this.idsPerSite = idsPerSite;
        this.limitSwap = limitSwap;
        this.cgroupsPath = cgroupsPath;
        this.slots = new Semaphore(concurrent, true);
    }

    /** Checks a request before anything is read or started. */
    public static void validate(String command, String output) throws InvalidSpecException {
        List<String> problems = new ArrayList<>();
        if (command == null || command.isBlank() || command.length() > 1000 || command.indexOf('\0') >= 0) {
            problems.add("command must be 1 to 1000 characters");
        }
        if (output == null || output.length() > 255 || !OUTPUT.matcher(output).matches()
                || List.of(output.split("/")).stream().anyMatch(part -> part.equals("..") || part.equals("."))) {
            problems.add("output must be a relative folder of A-Z a-z 0-9 . _ - separated by /, without . or .. parts");
        }
        if (!problems.isEmpty()) {
            throw new InvalidSpecException(problems);
        }
    }

    /** A build whose sources are unpacked into its workspace, ready to run. */
    public record Prepared(Request request, String buildId, Path workspace) {
    }

    /** Runs one build: {@link #prepare} then {@link #execute}. */
    public Result run(Request request, InputStream sources, Consumer<String> log) throws InvalidSpecException, HostOperationException {
        return execute(prepare(request, sources), log);
    }

    /**
     * Unpacks the sources into a new workspace (a tmpfs of the build's disk limit, owned by the
     * site's container uid). Refuses a request or an archive that breaks a rule before anything runs.
     */
    public Prepared prepare(Request request, InputStream sources) throws InvalidSpecException, HostOperationException {
        validate(request.command(), request.output());
        sweepExpired();
        String buildId = UUID.randomUUID().toString().replace("-", "");
        Path workspace = workspaces.resolve(buildId);
        try {
            long uid = request.hostIdBase() + OciConfig.SERVER_ID;
            Files.createDirectories(workspace);
            mountWorkspace(workspace, request.maxBytes(), uid);
            Path src = Files.createDirectory(workspace.resolve("src"));
            Files.createDirectory(workspace.resolve("home"));
            try {
                ReleaseStore.extract(sources, src, new ReleaseStore.Limits(request.maxEntries(), request.maxBytes(), 1, Long.MAX_VALUE),
                        Long.MAX_VALUE, 0);
            } catch (IOException unpacking) {
                if (String.valueOf(unpacking.getMessage()).contains("No space left")) {
                    throw new InvalidSpecException("the sources unpack to more than the build's disk limit of "
                            + request.maxBytes() / (1024 * 1024) + " MiB");
                }
                throw unpacking;
            }
            chownTree(workspace, uid);
            owners.put(buildId, request.siteId());
            return new Prepared(request, buildId, workspace);
        } catch (IOException e) {
            removeQuietly(workspace);
            throw new HostOperationException("cannot prepare the build: " + e.getMessage(), e);
        } catch (InvalidSpecException | RuntimeException e) {
            removeQuietly(workspace);
            throw e;
        }
    }

    /**
     * Runs a prepared build, passing each line of its output to {@code log}. Returns once every
     * process of it has ended; a failed build leaves nothing behind.
     */
    public Result execute(Prepared prepared, Consumer<String> log) throws HostOperationException {
        Request request = prepared.request();
        String buildId = prepared.buildId();
        Path workspace = prepared.workspace();
        String container = prefix + "-build-" + buildId;
        Path bundle = bundles.resolve(buildId);
        try {
            if (!slots.tryAcquire()) {
                log.accept("waiting for a free build slot on this host");
                slots.acquire();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            removeQuietly(workspace);
            owners.remove(buildId);
            throw new HostOperationException("interrupted while waiting for a build slot", e);
        }
        boolean started = false;
        try {
            Files.createDirectories(bundle);
            OciConfig.BuildInputs inputs = new OciConfig.BuildInputs(rootfs, workspace,
                    cgroupsPath.apply(request.tenantId(), buildId), request.hostIdBase(), idsPerSite, limitSwap, request.limits(),
                    List.of("/bin/sh", "-c", request.command()),
                    List.of("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/work/home", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TMPDIR=/tmp",
                            "CI=true", "BERTH_BUILD=1", "JEKYLL_ENV=production", "npm_config_cache=/work/home/.npm",
                            "npm_config_update_notifier=false", "NO_COLOR=1"));
            Files.writeString(bundle.resolve("config.json"),
                    mapper.writeValueAsString(new OciConfig(mapper).renderBuild("build", inputs)));
            log.accept("building with `" + oneLine(request.command()) + "` (" + request.limits().cpuMillicores() + " millicores, "
                    + request.limits().memoryMib() + " MiB memory, " + request.maxBytes() / (1024 * 1024) + " MiB disk, "
                    + request.timeout().toSeconds() + " s, no network)");
            started = true;
            int exit = runContainer(container, bundle, request.timeout(), log);
            if (exit == TIMED_OUT) {
                return failed(workspace, buildId, "the build ran longer than " + request.timeout().toSeconds() + " s and was stopped");
            }
            if (exit != 0) {
                return failed(workspace, buildId, "the build command exited with " + exit);
            }
            if (outputDirectory(workspace.resolve("src"), request.output()) == null) {
                return failed(workspace, buildId, "the build made no folder " + request.output() + " (a real folder, not a link)");
            }
            Files.setLastModifiedTime(workspace, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
            log.accept("the build succeeded; publishing " + request.output() + "/");
            return new Result(buildId, true, null);
        } catch (IOException e) {
            removeQuietly(workspace);
            owners.remove(buildId);
            throw new HostOperationException("cannot run the build: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            removeQuietly(workspace);
            owners.remove(buildId);
            throw e;
        } finally {
            if (started) {
                deleteContainer(container);
            }
            removeTree(bundle);
            slots.release();
        }
    }

    /** Whether {@code buildId} names a build of {@code siteId} that is still on disk. */
    private boolean owns(UUID siteId, String buildId) {
        return BUILD_ID.matcher(buildId).matches() && siteId.equals(owners.get(buildId));
    }

    /** Writes a succeeded build's output folder as a tar (files and directories only); false when there is none for the site. */
    public boolean writeOutput(UUID siteId, String buildId, String output, OutputStream sink) throws IOException, InvalidSpecException {
        validate("x", output);
        if (!owns(siteId, buildId)) {
            return false;
        }
        Path src = workspaces.resolve(buildId).resolve("src");
        Path out = Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS) ? outputDirectory(src, output) : null;
        if (out == null) {
            return false;
        }
        TarArchiveOutputStream tar = new TarArchiveOutputStream(sink);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        Files.walkFileTree(out, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) throws IOException {
                if (!directory.equals(out)) {
                    TarArchiveEntry entry = new TarArchiveEntry(out.relativize(directory) + "/");
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (attributes.isRegularFile()) {
                    TarArchiveEntry entry = new TarArchiveEntry(out.relativize(file).toString());
                    entry.setSize(attributes.size());
                    entry.setModTime(attributes.lastModifiedTime().toMillis());
                    tar.putArchiveEntry(entry);
                    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                        // Exactly the size announced, whatever the file holds now.
                        in.transferTo(new BoundedOutput(tar, attributes.size()));
                    }
                    tar.closeArchiveEntry();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        tar.finish();
        return true;
    }

    /** Whether a succeeded build of the site has its output folder there to be read. */
    public boolean hasOutput(UUID siteId, String buildId, String output) {
        if (!owns(siteId, buildId)) {
            return false;
        }
        Path src = workspaces.resolve(buildId).resolve("src");
        return Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS) && outputDirectory(src, output) != null;
    }

    /** Removes a build's workspace; nothing if it is gone or not the site's. */
    public void remove(UUID siteId, String buildId) {
        if (owns(siteId, buildId)) {
            removeQuietly(workspaces.resolve(buildId));
            owners.remove(buildId);
        }
    }

    /** At start: every build container and workspace an earlier run left. */
    public void removeLeftovers() {
        try {
            CommandResult listed = commands.run(List.of(runc, "--root", stateDirectory.toString(), "list", "-q"));
            for (String name : listed.stdout().split("\n")) {
                if (name.startsWith(prefix + "-build-")) {
                    deleteContainer(name.strip());
                }
            }
        } catch (CommandException e) {
            LOG.warn("cannot list leftover build containers: {}", e.getMessage());
        }
        if (Files.isDirectory(workspaces)) {
            try (Stream<Path> entries = Files.list(workspaces)) {
                entries.forEach(Builds::removeQuietly);
            } catch (IOException e) {
                LOG.warn("cannot list leftover build workspaces: {}", e.getMessage());
            }
        }
    }

    private void sweepExpired() {
        if (!Files.isDirectory(workspaces)) {
            return;
        }
        long cutoff = System.currentTimeMillis() - KEEP.toMillis();
        try (Stream<Path> entries = Files.list(workspaces)) {
            for (Path workspace : entries.toList()) {
                if (Files.getLastModifiedTime(workspace, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoff
                        && BUILD_ID.matcher(workspace.getFileName().toString()).matches()) {
                    removeQuietly(workspace);
                    owners.remove(workspace.getFileName().toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot sweep build workspaces: {}", e.getMessage());
        }
    }

    static final int TIMED_OUT = Integer.MIN_VALUE;

    private int runContainer(String container, Path bundle, Duration timeout, Consumer<String> log) throws IOException {
        Process process = new ProcessBuilder(runc, "--root", stateDirectory.toString(), "run", "--bundle", bundle.toString(), container)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut.set(true);
                    commands.run(List.of(runc, "--root", stateDirectory.toString(), "kill", container, "KILL"));
                }
            } catch (InterruptedException | CommandException ignored) {
                // the build ends either way: the reader below waits for the process
            }
        }, "berth-build-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int lines = 0;
        int dropped = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = boundedLine(reader); line != null; line = boundedLine(reader)) {
                if (lines < MAX_LINES) {
                    lines++;
                    log.accept(clean(line));
                } else {
                    dropped++;
                }
            }
        }
        if (dropped > 0) {
            log.accept("(" + dropped + " more lines of build output left out)");
        }
        try {
            int exit = process.waitFor();
            watchdog.interrupt();
            return timedOut.get() ? TIMED_OUT : exit;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while building", e);
        }
    }

    /**
     * The next line of the build's output, at most {@link #MAX_LINE_CHARS} characters and "..." of
     * it (the rest of a longer line is read and dropped: a build printing gigabytes without a
     * newline costs hostd no memory); null at the end.
     */
    static String boundedLine(java.io.Reader reader) throws IOException {
        StringBuilder line = new StringBuilder();
        boolean cut = false;
        for (int c = reader.read(); ; c = reader.read()) {
            if (c == -1) {
                return line.length() == 0 && !cut ? null : line + (cut ? "..." : "");
            }
            if (c == '\n') {
                return line + (cut ? "..." : "");
            }
            if (line.length() < MAX_LINE_CHARS) {
                line.append((char) c);
            } else {
                cut = true;
            }
        }
    }

    static String clean(String line) {
        String plain = CONTROL.matcher(ANSI.matcher(line).replaceAll("")).replaceAll("");
        return plain.length() > MAX_LINE_CHARS ? plain.substring(0, MAX_LINE_CHARS) + "..." : plain;
    }

    private static String oneLine(String command) {
        String flat = command.replaceAll("\\s+", " ").strip();
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }

    /** The output folder, when every part of its path is a real directory inside {@code src}. */
    static Path outputDirectory(Path src, String output) {
        Path at = src;
        for (String part : output.split("/")) {
            at = at.resolve(part);
            if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
        }
        return at.normalize().startsWith(src) ? at : null;
    }

    private Result failed(Path workspace, String buildId, String error) {
        removeQuietly(workspace);
        owners.remove(buildId);
        return new Result(buildId, false, error);
    }

    private void mountWorkspace(Path workspace, long maxBytes, long uid) throws IOException {
        try {
            commands.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + maxBytes + ",nr_inodes=" + MAX_INODES + ",mode=0755,uid=" + uid + ",gid=" + uid
                    + ",nosuid,nodev", "berth-build", workspace.toString()), Map.of(), null, Duration.ofSeconds(10)).orThrow(List.of("mount"));
        } catch (CommandException e) {
            throw new IOException("cannot mount the build's workspace: " + e.getMessage(), e);
        }
    }

    private static void chownTree(Path root, long uid) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                Files.setAttribute(path, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", (int) uid, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    private void deleteContainer(String container) {
        try {
            commands.run(List.of(runc, "--root", stateDirectory.toString(), "delete", "--force", container));
        } catch (CommandException e) {
            LOG.warn("cannot delete build container {}: {}", container, e.getMessage());
        }
    }

    /** Unmounts a workspace (lazily if something still holds it) and deletes its directory. */
    static void removeQuietly(Path workspace) {
        try {
            if (isMountPoint(workspace)) {
                Process umount = new ProcessBuilder("umount", "--lazy", workspace.toString()).redirectErrorStream(true).start();
                umount.getInputStream().readAllBytes();
                umount.waitFor(10, TimeUnit.SECONDS);
            }
            removeTree(workspace);
        } catch (IOException e) {
            LOG.warn("cannot remove build workspace {}: {}", workspace, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isMountPoint(Path path) throws IOException {
        String wanted = " " + path.toAbsolutePath().normalize() + " ";
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(line -> line.contains(wanted));
    }

    private static void removeTree(Path directory) {
        try {
            ReleaseStore.deleteTree(directory);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", directory, e.getMessage());
        }
    }

    /** Passes on at most {@code limit} bytes and pads with zeros to exactly that many on close. */
    private static final class BoundedOutput extends OutputStream {
        private final OutputStream sink;
        private long left;

        BoundedOutput(OutputStream sink, long limit) {
            this.sink = sink;
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (left > 0) {
                sink.write(b);
                left--;
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            int n = (int) Math.min(length, left);
            if (n > 0) {
                sink.write(bytes, offset, n);
                left -= n;
            }
        }

        @Override
        public void close() throws IOException {
            byte[] zeros = new byte[8192];
            while (left > 0) {
                int n = (int) Math.min(zeros.length, left);
                sink.write(zeros, 0, n);
                left -= n;
            }
        }
    }
}
