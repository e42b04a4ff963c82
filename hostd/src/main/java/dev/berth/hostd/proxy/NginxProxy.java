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
 * for certificates (a site's 443 block): each such change is written atomically, checked with
 * {@code nginx -t}, and only then reloaded; if the check fails the previous file is put back and
 * the error is reported for that site only. File changes are serialized.
 */
public final class NginxProxy implements Proxy {
    /** Sorted before every {@code UUID.conf}, so the log format exists before a site uses it. */
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
     * @param sitesDirectory the include directory holding one file per site
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

    /** Files of an earlier layout that routed each site by configuration; the route table replaces them. */
    private void removeLegacySiteFiles() throws IOException {
        for (UUID siteId : siteFiles()) {
            Path file = siteFile(siteId);
            if (Files.readString(file, StandardCharsets.UTF_8).startsWith(NginxConfig.LEGACY_SITE_HEADER)) {
                Files.delete(file);
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

    private Path siteFile(UUID siteId) {
        return sitesDirectory.resolve(siteId + ".conf");
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
        applyCertificateFile(spec);
        routes.put(record);
    }

    /** The site's 443 file, if a certificate covers one of its hostnames: changes (and reloads) only with certificates. */
    private void applyCertificateFile(SiteSpec spec) throws HostOperationException {
        String rendered = config.renderSite(spec);
        Optional<Reload> reload = Optional.empty();
        synchronized (this) {
            if (!rendered.isEmpty()) {
                reload = rewrite(siteFile(spec.siteId()), rendered.getBytes(StandardCharsets.UTF_8), false,
                        "cannot configure the proxy: ");
            } else {
                reload = deleteSiteFile(spec.siteId());
            }
        }
        reload.ifPresent(this::awaitRetired);
    }

    /** Deletes a site's file if it has one; the reload signalled then (called with the lock held). */
    private Optional<Reload> deleteSiteFile(UUID siteId) throws HostOperationException {
        try {
            return Files.deleteIfExists(siteFile(siteId)) ? Optional.of(signalReload()) : Optional.empty();
        } catch (IOException | CommandException e) {
            throw new HostOperationException("cannot remove the proxy entry: " + e.getMessage(), e);
        }
    }

    /** The route table hostd keeps (its snapshot and admin socket). */
    public RouteTable routes() {
        return routes;
    }

    /**
     * The one way a file nginx reads is changed, called with this object's lock held: the same bytes
     * change nothing; otherwise the file is written atomically and checked with {@code nginx -t}; if
     * nginx rejects it the previous bytes (or no file) are put back and the rejection is thrown;
     * then a reload is signalled, whose old workers the caller awaits outside the lock.
     *
     * @param onlyIfRunning skip the reload while the own instance is not running (it reads the file when it starts)
     * @param failure       what a write or signal failure is reported as
     * @return the reload under way, if one was signalled
     */
    private Optional<Reload> rewrite(Path file, byte[] wanted, boolean onlyIfRunning, String failure)
            throws HostOperationException {
        byte[] previous = readIfExists(file);
        if (previous != null && java.util.Arrays.equals(previous, wanted)) {
            return Optional.empty();
        }
        try {
            AtomicFiles.write(file, wanted);
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
     * Points certificate {@code name} at new files: rewrites its snippet, validates ({@code nginx -t})
     * and reloads. nginx keeps serving the previous certificate until the reload; if validation
     * fails the previous snippet is restored and nothing changes.
     */
    public void installCertificate(String name, Path chainFile, Path keyFile) throws HostOperationException {
        if (!https.enabled()) {
            throw new HostOperationException("HTTPS is not configured in the proxy");
        }
        if (!name.matches("[a-z0-9][a-z0-9.-]{0,200}")) {
            throw new HostOperationException("invalid certificate name " + name);
        }
        byte[] wanted = ("# Managed by berth-hostd: certificate " + name + "\n"
                + "ssl_certificate " + chainFile.toAbsolutePath() + ";\n"
                + "ssl_certificate_key " + keyFile.toAbsolutePath() + ";\n").getBytes(StandardCharsets.UTF_8);
        Optional<Reload> reload;
        synchronized (this) {
            reload = rewrite(https.snippet(name), wanted, true, "cannot install certificate " + name + ": ");
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
        Optional<Reload> reload;
        synchronized (this) {
            reload = deleteSiteFile(siteId);
            try {
                Files.deleteIfExists(config.accessLog(siteId));
            } catch (IOException e) {
                throw new HostOperationException("cannot remove the proxy entry: " + e.getMessage(), e);
            }
        }
        reload.ifPresent(this::awaitRetired);
    }

    @Override
    public Set<UUID> configuredSites() throws HostOperationException {
        Set<UUID> sites = new HashSet<>(routes.sites());
        try {
            sites.addAll(siteFiles());
        } catch (IOException e) {
            throw new HostOperationException("cannot list proxy entries: " + e.getMessage(), e);
        }
        return sites;
    }

    /** Sites with a file of their own in the include directory. */
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
