package dev.berth.hostd.runtime;

import dev.berth.observability.DaemonThreads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.hostd.exec.CommandException;
import dev.berth.hostd.exec.CommandResult;
import dev.berth.hostd.exec.CommandRunner;
import dev.berth.hostd.site.AtomicFiles;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SiteNames;
import dev.berth.hostprotocol.SiteSpec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Site containers run by {@code runc} with its own state directory ({@code --root}), so that this
 * hostd only ever lists and removes its own containers. A running container's init pid is cached
 * and checked through {@code /proc}, so watching many sites costs no process per check.
 */
public final class RuncRuntime implements ContainerRuntime {
    /** How long a start waits for the server to listen. */
    static final Duration LISTEN_WAIT = Duration.ofSeconds(5);
    private final CommandRunner commands;
    private final ObjectMapper mapper;
    private final SiteNames names;
    private final String runc;
    private final Path stateDirectory;
    private final Path bundles;
    private final OciConfig ociConfig;
    private final Function<SiteSpec, OciConfig.Inputs> inputs;
    private final Map<UUID, Integer> knownPids = new ConcurrentHashMap<>();
    /** Deletes the containers {@link #stop} set aside, one after the other. */
    private final java.util.concurrent.ExecutorService remover = java.util.concurrent.Executors.newSingleThreadExecutor(
            DaemonThreads.named("container-remover"));

    public RuncRuntime(CommandRunner commands, ObjectMapper mapper, SiteNames names, String runc,
                       Path stateDirectory, Path bundles, Function<SiteSpec, OciConfig.Inputs> inputs) {
        this.commands = commands;
        this.mapper = mapper;
        this.names = names;
        this.runc = runc;
        this.stateDirectory = stateDirectory;
        this.bundles = bundles;
        this.ociConfig = new OciConfig(mapper);
        this.inputs = inputs;
    }

    private List<String> runc(String... arguments) {
        List<String> argv = new java.util.ArrayList<>(List.of(runc, "--root", stateDirectory.toString()));
        argv.addAll(List.of(arguments));
        return argv;
    }

    @Override
    public String specHash(SiteSpec spec) {
        return hashOf(ociConfig.render(spec, inputs.apply(spec)));
    }

    private String hashOf(ObjectNode config) {
        try {
            byte[] json = mapper.writeValueAsBytes(config);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Status status(UUID siteId) throws HostOperationException {
        String hash = readHash(siteId);
        Integer pid = knownPids.get(siteId);
        if (pid != null && alive(pid)) {
            return new Status(State.RUNNING, pid, hash);
        }
        knownPids.remove(siteId);
        if (!Files.exists(stateDirectory.resolve(names.site(siteId)))) {
            // runc keeps one directory per container under its root: none means no container,
            // known without running runc (this is the common case of a site being created).
            return Status.ABSENT;
        }
        try {
            CommandResult result = commands.run(runc("state", names.site(siteId)));
            if (!result.ok()) {
                return Status.ABSENT;
            }
            JsonNode state = mapper.readTree(result.stdout());
            int statePid = state.path("pid").asInt(0);
            if ("running".equals(state.path("status").asText()) && statePid > 0 && alive(statePid)) {
                // A container this hostd did not start (recover after a restart, or an upgrade).
                knownPids.put(siteId, statePid);
                return new Status(State.RUNNING, statePid, hash);
            }
            return new Status(State.STOPPED, 0, hash);
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot read container state: " + e.getMessage(), e);
        }
    }

    private static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"), StandardCharsets.US_ASCII);
            int end = stat.lastIndexOf(')');
            return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) != 'Z' && stat.charAt(end + 2) != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    private String readHash(UUID siteId) {
        try {
            return Files.readString(bundles.resolve(names.site(siteId)).resolve("spec-hash"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void start(SiteSpec spec) throws HostOperationException {
        remove(spec.siteId());
        ObjectNode config = ociConfig.render(spec, inputs.apply(spec));
        int pid = run(names.site(spec.siteId()), config, hashOf(config));
        knownPids.put(spec.siteId(), pid);
    }

    /**
     * Runs container {@code id} from a fresh bundle with {@code config}, and waits until its server
     * listens (bounded).
     *
     * @param specHash written beside the config, or null for a container that is no site's yet (a pool slot)
     * @return the container's init pid
     */
    int run(String id, ObjectNode config, String specHash) throws HostOperationException {
        Path bundle = bundles.resolve(id);
        try {
            Files.createDirectories(bundle);
            AtomicFiles.write(bundle.resolve("config.json"), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            if (specHash != null) {
                AtomicFiles.write(bundle.resolve("spec-hash"), specHash.getBytes(StandardCharsets.US_ASCII));
            }
            Path pidFile = bundle.resolve("init.pid");
            Files.deleteIfExists(pidFile);
            // A detached container keeps runc's stdio, so it gets /dev/null: whatever the server
            // prints goes nowhere, and nothing of it grows on the run directory's tmpfs. runc's own
            // messages (a failed start) go to a log of this one run, deleted with the bundle.
            Path log = bundle.resolve("runc.log");
            Files.deleteIfExists(log);
            File nothing = new File("/dev/null");
            ProcessBuilder builder = new ProcessBuilder(runc("--log", log.toString(), "--log-format", "text", "run", "--detach",
                    "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id))
                    .redirectInput(ProcessBuilder.Redirect.from(nothing))
                    .redirectOutput(ProcessBuilder.Redirect.to(nothing))
                    .redirectError(ProcessBuilder.Redirect.to(nothing));
            Process process = builder.start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new HostOperationException("runc run timed out for " + id);
            }
            if (process.exitValue() != 0) {
                throw new HostOperationException("runc run failed for " + id + ": " + tail(log));
            }
            int pid = Integer.parseInt(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
            awaitListening(pid);
            return pid;
        } catch (IOException | NumberFormatException e) {
            throw new HostOperationException("cannot start " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostOperationException("interrupted while starting " + id, e);
        }
    }

    /** The init pid of container {@code id} if it runs (runc's state), else 0. */
    int runningPid(String id) throws HostOperationException {
        if (!Files.exists(stateDirectory.resolve(id))) {
            return 0;
        }
        try {
            CommandResult result = commands.run(runc("state", id));
            if (!result.ok()) {
                return 0;
            }
            JsonNode state = mapper.readTree(result.stdout());
            int pid = state.path("pid").asInt(0);
            return "running".equals(state.path("status").asText()) && pid > 0 && alive(pid) ? pid : 0;
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot read the state of " + id + ": " + e.getMessage(), e);
        }
    }

    /** Whether container {@code id}'s bundle holds exactly {@code config}. */
    boolean bundleConfigEquals(String id, ObjectNode config) {
        try {
            // Both read back from JSON: a number written from a long reads back as an int node.
            return mapper.readTree(bundles.resolve(id).resolve("config.json").toFile()).equals(mapper.readTree(mapper.writeValueAsBytes(config)));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether process {@code pid}'s network namespace has a listener on port 80. */
    static boolean listensOn(int pid) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        return listens(proc.resolve("net/tcp")) || listens(proc.resolve("net/tcp6"));
    }

    /** Whether the site has a container in this runtime (running or not), known without running runc. */
    boolean hasContainer(UUID siteId) {
        return knownPids.containsKey(siteId) || Files.exists(stateDirectory.resolve(names.site(siteId)))
                || Files.exists(bundles.resolve(names.site(siteId)));
    }

    /**
     * Makes the running container {@code from} the site's: runc's state directory and the bundle
     * are renamed to the site's container id (runc names a container by its state directory), and
     * the bundle's config and the spec hash are written last. Until the hash the site's container does not count as its
     * wanted one, so a crash before it ends in an ordinary restart of the site.
     *
     * @param extra files written into the bundle before it is renamed (name -> content)
     */
    void adopt(String from, SiteSpec spec, int pid, Map<String, String> extra) throws HostOperationException {
        UUID siteId = spec.siteId();
        String id = names.site(siteId);
        try {
            deleteTree(bundles.resolve(id));
            for (Map.Entry<String, String> file : extra.entrySet()) {
                AtomicFiles.write(bundles.resolve(from).resolve(file.getKey()), file.getValue().getBytes(StandardCharsets.US_ASCII));
            }
            Path state = stateDirectory.resolve(from).resolve("state.json");
            ObjectNode runcState = (ObjectNode) mapper.readTree(state.toFile());
            runcState.put("id", id);
            AtomicFiles.write(state, mapper.writeValueAsBytes(runcState));
            Files.move(stateDirectory.resolve(from), stateDirectory.resolve(id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.move(bundles.resolve(from), bundles.resolve(id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            knownPids.put(siteId, pid);
            // The bundle's config becomes the one a restart of the site uses (runc does not read it again).
            ObjectNode config = ociConfig.render(spec, inputs.apply(spec));
            AtomicFiles.write(bundles.resolve(id).resolve("config.json"), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            AtomicFiles.write(bundles.resolve(id).resolve("spec-hash"), hashOf(config).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | ClassCastException e) {
            throw new HostOperationException("cannot adopt container " + from + " for " + id + ": " + e.getMessage(), e);
        }
    }

    /** A file of the site's bundle, if it has one. */
    Optional<String> bundleFile(UUID siteId, String name) {
        try {
            return Optional.of(Files.readString(bundles.resolve(names.site(siteId)).resolve(name), StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Container ids in this runtime's state directory or bundles that start with {@code head}. */
    Set<String> idsStartingWith(String head) throws HostOperationException {
        Set<String> ids = new HashSet<>();
        try {
            for (Path directory : List.of(stateDirectory, bundles)) {
                if (Files.isDirectory(directory)) {
                    try (Stream<Path> entries = Files.list(directory)) {
                        entries.map(entry -> entry.getFileName().toString()).filter(name -> name.startsWith(head)).forEach(ids::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot list containers: " + e.getMessage(), e);
        }
        return ids;
    }

    /**
     * Waits (bounded by {@link #LISTEN_WAIT}) until the server in the container's network namespace
     * listens on port 80, seen in {@code /proc/PID/net/tcp}: the route is set after the start, so the
     * first request is answered instead of refused. Past the bound the start counts as done; the
     * proxy answers the 503 page until the server listens.
     */
    static void awaitListening(Path proc, int pid, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!listens(proc.resolve(Integer.toString(pid)).resolve("net/tcp"))
                && !listens(proc.resolve(Integer.toString(pid)).resolve("net/tcp6"))) {
            if (System.nanoTime() - deadline > 0) {
                return;
            }
            Thread.sleep(1);
        }
    }

    private void awaitListening(int pid) throws InterruptedException {
        awaitListening(Path.of("/proc"), pid, LISTEN_WAIT);
    }

    /** A socket in state LISTEN (0A) on local port 80 (0050) in a /proc/net/tcp table. */
    static boolean listens(Path table) {
        try {
            for (String line : Files.readAllLines(table, StandardCharsets.US_ASCII)) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 3 && fields[1].endsWith(":0050") && "0A".equals(fields[3])) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void remove(UUID siteId) throws HostOperationException {
        knownPids.remove(siteId);
        delete(names.site(siteId));
    }

    @Override
    public void stop(UUID siteId) throws HostOperationException {
        stop(siteId, () -> { });
    }

    /**
     * Sets the site's container aside under an id of its own ({@code PREFIX-gone-RANDOM}: runc's
     * state directory and the bundle renamed, a few file operations) and deletes it in the
     * background, then runs {@code afterwards}. The site has no container from the moment this
     * returns: a start right after a stop does not wait for {@code runc delete} (about as long as
     * a {@code runc run}). A hostd stopped before the deletion finds it at its next start
     * ({@link #removeSetAside}).
     */
    void stop(UUID siteId, Runnable afterwards) throws HostOperationException {
        knownPids.remove(siteId);
        String id = names.site(siteId);
        if (!Files.exists(stateDirectory.resolve(id))) {
            delete(id);
            afterwards.run();
            return;
        }
        String aside = setAsidePrefix() + UUID.randomUUID();
        try {
            Files.move(stateDirectory.resolve(id), stateDirectory.resolve(aside), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            if (Files.exists(bundles.resolve(id))) {
                Files.move(bundles.resolve(id), bundles.resolve(aside), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new HostOperationException("cannot set container " + id + " aside: " + e.getMessage(), e);
        }
        remover.execute(() -> {
            try {
                delete(aside);
            } catch (HostOperationException e) {
                org.slf4j.LoggerFactory.getLogger(RuncRuntime.class).warn("{} (the next start of hostd tries again)", e.getMessage());
            }
            afterwards.run();
        });
    }

    private String setAsidePrefix() {
        return names.prefix() + "-gone-";
    }

    /** Deletes the containers a stop set aside and a previous run of hostd did not get to. */
    public void removeSetAside() throws HostOperationException {
        for (String id : idsStartingWith(setAsidePrefix())) {
            delete(id);
        }
    }

    /** Kills and deletes container {@code id} and its bundle; succeeds if they are gone. */
    void delete(String id) throws HostOperationException {
        try {
            if (Files.exists(stateDirectory.resolve(id)) && commands.run(runc("state", id)).ok()) {
                CommandResult deleted = commands.run(runc("delete", "--force", id));
                if (!deleted.ok() && commands.run(runc("state", id)).ok()) {
                    throw new HostOperationException("runc delete failed for " + id + ": " + deleted.stderr().strip());
                }
            }
            deleteTree(bundles.resolve(id));
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot remove container " + id + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Override
    public Set<UUID> containers() throws HostOperationException {
        Set<UUID> sites = new HashSet<>();
        try {
            CommandResult result = commands.check(runc("list", "--format", "json"));
            JsonNode list = mapper.readTree(result.stdout().isBlank() ? "null" : result.stdout());
            for (JsonNode container : list) {
                names.parseSite(container.path("id").asText()).ifPresent(sites::add);
            }
            if (Files.isDirectory(bundles)) {
                try (Stream<Path> entries = Files.list(bundles)) {
                    entries.forEach(entry -> names.parseSite(entry.getFileName().toString()).ifPresent(sites::add));
                }
            }
        } catch (CommandException | IOException e) {
            throw new HostOperationException("cannot list containers: " + e.getMessage(), e);
        }
        return sites;
    }

    @Override
    public String version() {
        try {
            return commands.run(List.of(runc, "--version")).stdout().lines().findFirst().orElse("unknown");
        } catch (CommandException e) {
            return "unavailable: " + e.getMessage();
        }
    }
}
