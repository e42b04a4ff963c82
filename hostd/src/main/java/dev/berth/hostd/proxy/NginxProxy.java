package dev.berth.hostd.proxy;

import dev.berth.hostd.content.ReleaseStore;
import dev.berth.hostd.exec.CommandException;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.exec.Detached;
import dev.berth.hostd.site.AtomicFiles;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.SiteSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * nginx as the host proxy. Either hostd runs its own instance (development: own prefix, own ports)
 * or it manages an include directory of the system nginx (production). Sites are records of the
 * route table ({@link RouteTable}): creating, deploying, stopping, starting and deleting a site set
 * or delete one record through nginx's admin socket, with no reload. Files change only at start and
 * when a certificate is installed or removed (one file per certificate, see
 * {@link NginxConfig#renderCertificate}): each such change is written atomically, checked with
 * {@code nginx -t}, and only then reloaded; if the check fails the previous file is put back and
 * the error is reported to the caller. File changes are serialized.
 */
public final class NginxProxy implements Proxy {
    /** Sorted before every certificate's {@code tls-NAME.conf}, so the log format exists before a server uses it. */
    static final String SHARED_FILE = "00-berth-shared.conf";
    static final Duration RELOAD_SETTLE = Duration.ofSeconds(2);
    private static final Duration RELOAD_POLL = Duration.ofMillis(10);

    private final CommandRunner commands;
    private final String nginx;
    private final Path prefix;
    private final boolean manageInstance;
    private final Path sitesDirectory;
    private final Path pagesDirectory;
    private final Path logDirectory;
    private final NginxConfig config;
    private final String workerUser;
    private final HttpsSettings https;
    private final RouteTable routes;
    private final NginxConfig.Routes routePaths;
    private final Predicate<InetAddress> upstreamAllowed;
    /** {@code /proc}; a fake tree in tests. */
    Path procRoot = Path.of("/proc");
    private final ReleaseRules releaseRules;
    /** The system nginx's pid file (production); elsewhere in tests. */
    Path systemPidFile = Path.of("/run/nginx.pid");

    /**
     * @param prefix         own instance: its prefix directory; system nginx: unused for files but kept for logs
     * @param manageInstance true to run an own nginx with its own main file
     * @param sitesDirectory the include directory: the shared file and one file per installed certificate
     */
    public NginxProxy(CommandRunner commands, String nginx, Path prefix, boolean manageInstance, Path sitesDirectory,
                      List<String> listen, String workerUser) {
        this(commands, nginx, prefix, manageInstance, sitesDirectory, listen, workerUser, HttpsSettings.NONE,
                prefix.resolve("admin"), address -> true);
    }

    /**
     * As above, with HTTPS (see {@link HttpsSettings}; certificates are installed with
     * {@link #installCertificate}), the directory of the route table's admin socket (made 0700,
     * hostd's user's alone) and the addresses a route may send requests to (the site bridges).
     */
    public NginxProxy(CommandRunner commands, String nginx, Path prefix, boolean manageInstance, Path sitesDirectory,
                      List<String> listen, String workerUser, HttpsSettings https, Path adminDirectory,
                      Predicate<InetAddress> upstreamAllowed) {
        this(commands, nginx, prefix, manageInstance, sitesDirectory, listen, workerUser, https, adminDirectory, upstreamAllowed,
                ReleaseRules.NONE);
    }

    /** As above, with where the served release's serving rules come from ({@link ReleaseRules#files}). */
    public NginxProxy(CommandRunner commands, String nginx, Path prefix, boolean manageInstance, Path sitesDirectory,
                      List<String> listen, String workerUser, HttpsSettings https, Path adminDirectory,
                      Predicate<InetAddress> upstreamAllowed, ReleaseRules releaseRules) {
        this.releaseRules = releaseRules;
        this.https = https;
        this.upstreamAllowed = upstreamAllowed;
        this.commands = commands;
        this.nginx = nginx;
        this.prefix = prefix.toAbsolutePath();
        this.manageInstance = manageInstance;
        this.sitesDirectory = sitesDirectory.toAbsolutePath();
        this.pagesDirectory = this.prefix.resolve("html");
        this.logDirectory = this.prefix.resolve("logs/sites");
        this.routePaths = new NginxConfig.Routes(this.prefix.resolve("lua"), this.prefix.resolve("routes/routes.json"),
                adminDirectory.resolve("routes.sock"));
        this.routes = new RouteTable(routePaths.adminSocket(), routePaths.snapshot());
        this.config = new NginxConfig(listen, pagesDirectory, logDirectory, https, routePaths);
        this.workerUser = workerUser;
    }

    private Path mainFile() {
        return prefix.resolve("conf/nginx.conf");
    }

    private List<String> nginx(String... arguments) {
        List<String> argv = new ArrayList<>(List.of(nginx));
        if (manageInstance) {
            argv.addAll(List.of("-p", prefix.toString(), "-c", mainFile().toString()));
        }
        argv.addAll(List.of(arguments));
        return argv;
    }

    @Override
    public synchronized void start() throws HostOperationException {
        try {
            for (String directory : List.of("conf", "html", "logs/sites", "run", "tmp")) {
                Files.createDirectories(prefix.resolve(directory));
            }
            Files.createDirectories(sitesDirectory);
            copyPage("503.html");
            copyPage("451.html");
            copyPage("404.html");
            prepareRouteTable();
            removeLegacySiteFiles();
            AtomicFiles.write(sitesDirectory.resolve(SHARED_FILE), config.renderShared().getBytes(StandardCharsets.UTF_8));
            if (manageInstance) {
                AtomicFiles.write(mainFile(), NginxConfig.renderMain(prefix, sitesDirectory, workerUser).getBytes(StandardCharsets.UTF_8));
            }
            test();
            if (manageInstance && runningPid().isEmpty()) {
                // A socket left by an instance that did not exit cleanly would make the bind fail.
                Files.deleteIfExists(routePaths.adminSocket());
                Detached.run(nginx(), prefix.resolve("logs/startup.log"), Duration.ofSeconds(20));
            } else {
                reload();
            }
        } catch (IOException | CommandException e) {
            throw new HostOperationException("cannot start nginx: " + e.getMessage(), e);
        }
    }

    @Override
    public void ensureRunning() throws HostOperationException {
        if (manageInstance && runningPid().isEmpty()) {
            start();
        }
    }

    private void copyPage(String name) throws IOException {
        AtomicFiles.write(pagesDirectory.resolve(name), resource("/pages/" + name));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NginxProxy.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " missing from the hostd jar");
            }
            return in.readAllBytes();
        }
    }

    /**
     * The route table's files: its Lua module; the admin socket's directory, hostd's user's alone;
     * the log directory writable by the workers (they open each site's log, named by a variable).
     */
    private void prepareRouteTable() throws IOException {
        AtomicFiles.write(routePaths.luaDirectory().resolve(NginxConfig.ROUTES_MODULE + ".lua"),
                resource("/proxy/" + NginxConfig.ROUTES_MODULE + ".lua"));
        Files.createDirectories(routePaths.snapshot().getParent());
        Path adminDirectory = routePaths.adminSocket().getParent();
        Files.createDirectories(adminDirectory);
        Files.setPosixFilePermissions(adminDirectory, PosixFilePermissions.fromString("rwx------"));
        try {
            UserPrincipal worker = logDirectory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(workerUser);
            Files.setOwner(logDirectory, worker);
        } catch (UserPrincipalNotFoundException | java.nio.file.FileSystemException e) {
            // not root (tests with a fake nginx): the workers are then this user too
        }
    }

    /**
     * Files of earlier layouts: one per site that routed it by configuration (the route table replaces
     * them), one per site with a certificate holding its 443 block and the certificates' snippets those
     * included (each certificate's own file replaces them, written when certificates are installed
     * after the start). The site files go first: none may name a snippet that is gone.
     */
    private void removeLegacySiteFiles() throws IOException {
        for (UUID siteId : siteFiles()) {
            Path file = sitesDirectory.resolve(siteId + ".conf");
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.startsWith(NginxConfig.LEGACY_SITE_HEADER) || text.startsWith(NginxConfig.LEGACY_HTTPS_SITE_HEADER)) {
                Files.delete(file);
            }
        }
        Path snippets = https.legacySnippetDirectory();
        if (snippets == null || !Files.isDirectory(snippets)) {
            return;
        }
        try (Stream<Path> entries = Files.list(snippets)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (entry.getFileName().toString().endsWith(".conf") && Files.isRegularFile(entry)
                        && Files.readString(entry, StandardCharsets.UTF_8).startsWith(NginxConfig.CERTIFICATE_HEADER)) {
                    Files.delete(entry);
                }
            }
        }
        try (Stream<Path> left = Files.list(snippets)) {
            if (left.findAny().isEmpty()) {
                Files.delete(snippets);
            }
        }
    }

    /** The pid of the own instance's master, if it runs. */
    public Optional<Long> runningPid() {
        try {
            long pid = Long.parseLong(Files.readString(prefix.resolve("run/nginx.pid"), StandardCharsets.US_ASCII).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void test() throws CommandException {
        CommandResult result = commands.run(nginx("-t", "-q"));
        if (!result.ok()) {
            throw new CommandException("nginx -t rejected the configuration: " + lastLines(result.stderr()));
        }
    }

    /**
     * Reloads and returns only once the new configuration is the one accepting connections.
     * {@code nginx -s reload} returns as soon as the signal is sent; the old workers go on accepting
     * connections with the old configuration until the master has started new ones and told the old
     * ones to quit (50-80 ms measured). So the master's workers are recorded first, and after the
     * signal this waits (at most {@link #RELOAD_SETTLE}) until each of them is gone or has retitled
     * itself "worker process is shutting down" (it has then closed its listening sockets) and a new
     * worker exists.
     */
    private void reload() throws CommandException {
        awaitRetired(signalReload());
    }

    /**
     * First half of a reload, run while holding this object's lock: signals the master and waits
     * (bounded) until a worker started after the signal runs, i.e. the master has read the files as
     * they are now, so no untested file can be written before it reads them. Returns the workers
     * from before, for {@link #awaitRetired}.
     */
    private Reload signalReload() throws CommandException {
        Optional<Long> master = masterPid();
        Set<Long> before = master.map(pid -> NginxWorkers.children(procRoot, pid)).orElse(Set.of());
        // SIGHUP is what `nginx -s reload` sends, but that command parses the whole configuration
        // first (~10 ms, more with many sites), which `nginx -t` has just done.
        commands.check(master.isPresent() ? List.of("kill", "-HUP", Long.toString(master.get())) : nginx("-s", "reload"));
        Reload reload = new Reload(master.orElse(-1L), before, System.nanoTime() + RELOAD_SETTLE.toNanos());
        if (master.isPresent()) {
            poll(() -> NginxWorkers.newWorkerRunning(procRoot, reload.master(), reload.before()), reload.deadline());
        }
        return reload;
    }

    /**
     * Second half, run without the lock so that changes of other sites overlap it: nginx's master
     * lets the old workers accept for about 100 ms more before telling them to quit; this waits
     * (within the same bound) until each is gone or titled "worker process is shutting down".
     */
    private void awaitRetired(Reload reload) {
        if (reload.master() > 0) {
            poll(() -> NginxWorkers.retired(procRoot, reload.before()), reload.deadline());
        }
    }

    /** A reload under way: the master, its workers before the signal and the deadline for both halves. */
    private record Reload(long master, Set<Long> before, long deadline) {
    }

    /** Polls until {@code done} or the deadline (bounded: the change is written and signalled, nginx is just slow). */
    private static void poll(java.util.function.BooleanSupplier done, long deadline) {
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return;
            }
            try {
                Thread.sleep(RELOAD_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The master to watch during a reload: the own instance's, or the system nginx's from its usual pid file. */
    private Optional<Long> masterPid() {
        Optional<Long> own = runningPid();
        if (own.isPresent() || manageInstance) {
            return own;
        }
        try {
            long pid = Long.parseLong(Files.readString(systemPidFile, StandardCharsets.US_ASCII).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String lastLines(String text) {
        List<String> lines = text.strip().lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    @Override
    public void apply(SiteSpec spec, boolean serving) throws HostOperationException {
        RouteRecord record;
        try {
            record = RouteRecord.of(spec, serving, releaseRules.of(spec.siteId(), ReleaseStore.servedRelease(spec)))
                    .validate(upstreamAllowed);
        } catch (IllegalArgumentException e) {
            throw new HostOperationException(e.getMessage(), e);
        }
        routes.put(record);
    }

    /** The route table hostd keeps (its snapshot and admin socket). */
    public RouteTable routes() {
        return routes;
    }

    /**
     * The one way a file nginx reads is changed, called with this object's lock held: the same bytes
     * (or no file, for a deletion) change nothing; otherwise the file is written atomically (or
     * deleted) and checked with {@code nginx -t}; if nginx rejects that the previous bytes (or no
     * file) are put back and the rejection is thrown; then a reload is signalled, whose old workers
     * the caller awaits outside the lock.
     *
     * @param wanted        the new bytes; null deletes the file
     * @param onlyIfRunning skip the reload while the own instance is not running (it reads the file when it starts)
     * @param failure       what a write or signal failure is reported as
     * @return the reload under way, if one was signalled
     */
    private Optional<Reload> rewrite(Path file, byte[] wanted, boolean onlyIfRunning, String failure)
            throws HostOperationException {
        byte[] previous = readIfExists(file);
        if (wanted == null ? previous == null : previous != null && java.util.Arrays.equals(previous, wanted)) {
            return Optional.empty();
        }
        try {
            if (wanted == null) {
                Files.delete(file);
            } else {
                AtomicFiles.write(file, wanted);
            }
            try {
                test();
            } catch (CommandException rejected) {
                restore(file, previous);
                throw new HostOperationException(rejected.getMessage(), rejected);
            }
            if (onlyIfRunning && manageInstance && runningPid().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(signalReload());
        } catch (IOException | CommandException e) {
            throw new HostOperationException(failure + e.getMessage(), e);
        }
    }

    private static byte[] readIfExists(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void restore(Path file, byte[] previous) throws IOException {
        if (previous == null) {
            Files.deleteIfExists(file);
        } else {
            AtomicFiles.write(file, previous);
        }
    }

    /**
     * Serves certificate {@code name} for {@code domains} from these files: writes its file
     * ({@link NginxConfig#renderCertificate}), validates ({@code nginx -t}) and reloads; the same
     * file again changes nothing. nginx keeps serving the previous certificate (or refusing the names
     * in the handshake) until the reload; if validation fails the previous file is restored and
     * nothing changes. Without a running own instance the file is only written and checked.
     *
     * @throws HostOperationException when HTTPS is off, a value is refused, or nginx refuses the file
     */
    public void installCertificate(String name, List<String> domains, Path chainFile, Path keyFile) throws HostOperationException {
        byte[] wanted;
        Path file;
        try {
            wanted = config.renderCertificate(name, domains, chainFile, keyFile).getBytes(StandardCharsets.UTF_8);
            file = sitesDirectory.resolve(NginxConfig.certificateFileName(name));
        } catch (IllegalArgumentException e) {
            throw new HostOperationException("cannot install certificate " + name + ": " + e.getMessage(), e);
        }
        changeFile(file, wanted, "cannot install certificate " + name + ": ");
    }

    /**
     * Stops serving certificate {@code name}: deletes its file, validates and reloads, so its names
     * are refused in the handshake again. Returns once nginx has loaded its configuration without
     * the file (it reads certificate files only when it loads one): the certificate's files may be
     * deleted then. Succeeds if the certificate has no file.
     */
    public void removeCertificate(String name) throws HostOperationException {
        Path file;
        try {
            file = sitesDirectory.resolve(NginxConfig.certificateFileName(name));
        } catch (IllegalArgumentException e) {
            throw new HostOperationException("cannot remove certificate " + name + ": " + e.getMessage(), e);
        }
        changeFile(file, null, "cannot remove certificate " + name + ": ");
    }

    /**
     * Removes the file of every certificate not in {@code names}: those of certificates hostd no
     * longer keeps (e.g. a custom domain dropped while hostd was down). Each goes as
     * {@link #removeCertificate} does; a file hostd did not write is left alone.
     */
    public void retainCertificates(Set<String> names) throws HostOperationException {
        List<String> stale = new ArrayList<>();
        try (Stream<Path> entries = Files.isDirectory(sitesDirectory) ? Files.list(sitesDirectory) : Stream.empty()) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String file = entry.getFileName().toString();
                if (file.startsWith(NginxConfig.CERTIFICATE_FILE_PREFIX) && file.endsWith(".conf")) {
                    String name = file.substring(NginxConfig.CERTIFICATE_FILE_PREFIX.length(), file.length() - ".conf".length());
                    if (!names.contains(name) && Files.isRegularFile(entry)
                            && Files.readString(entry, StandardCharsets.UTF_8).startsWith(NginxConfig.CERTIFICATE_HEADER + name + "\n")) {
                        stale.add(name);
                    }
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot list the certificates' files: " + e.getMessage(), e);
        }
        for (String name : stale) {
            removeCertificate(name);
        }
    }

    private void changeFile(Path file, byte[] wanted, String failure) throws HostOperationException {
        Optional<Reload> reload;
        synchronized (this) {
            reload = rewrite(file, wanted, true, failure);
        }
        reload.ifPresent(this::awaitRetired);
    }

    @Override
    public void lease(java.time.Instant expiresAt) throws HostOperationException {
        routes.lease(expiresAt);
    }

    @Override
    public void remove(UUID siteId) throws HostOperationException {
        routes.remove(siteId);
        try {
            Files.deleteIfExists(config.accessLog(siteId));
        } catch (IOException e) {
            throw new HostOperationException("cannot remove the proxy entry: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<UUID> configuredSites() throws HostOperationException {
        return new HashSet<>(routes.sites());
    }

    /** Sites with a file of their own in the include directory (an earlier layout's, see {@link #removeLegacySiteFiles}). */
    private Set<UUID> siteFiles() throws IOException {
        Set<UUID> sites = new HashSet<>();
        if (!Files.isDirectory(sitesDirectory)) {
            return sites;
        }
        try (Stream<Path> entries = Files.list(sitesDirectory)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (name.endsWith(".conf")) {
                    try {
                        sites.add(UUID.fromString(name.substring(0, name.length() - ".conf".length())));
                    } catch (IllegalArgumentException ignored) {
                        // not a site file (the shared file)
                    }
                }
            }
        }
        return sites;
    }

    @Override
    public synchronized void stop() {
        if (!manageInstance) {
            return;
        }
        runningPid().ifPresent(pid -> {
            try {
                commands.run(nginx("-s", "quit"));
                ProcessHandle.of(pid).ifPresent(handle -> {
                    try {
                        handle.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        handle.destroyForcibly();
                    }
                });
            } catch (CommandException ignored) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        });
    }

    @Override
    public String version() {
        try {
            return commands.run(List.of(nginx, "-v")).stderr().strip();
        } catch (CommandException e) {
            return "unavailable: " + e.getMessage();
        }
    }
}
