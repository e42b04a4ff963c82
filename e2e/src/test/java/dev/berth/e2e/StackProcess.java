package dev.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testkit.Commands;
import dev.berth.testkit.HostCleanup;
import dev.berth.testkit.RunLock;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real Berth stack as root: berth-hostd from its shaded jar with its development configuration,
 * and the API ({@link ApiProcess}) driving it over hostd's Unix socket. Every host object of a run
 * carries a unique prefix {@code e2e<random>}: the bridge of that name with a random
 * {@code 10.1.X.254/24} and {@code fd42:b3f1:7aXX:1::fe/64} (the API's address pool matches), the
 * cgroup root, containers and network namespaces; hostd's own nginx listens on a free loopback port,
 * where sites answer to {@code Host: NAME.localhost}.
 *
 * <p>Teardown (in {@link #close()}, also from a shutdown hook and when start-up failed): every site
 * created through {@link #createSite} is deleted through the API, both processes stop, then
 * whatever is left with the run's prefix is removed (runc containers, netns, the bridge, the nft
 * table, cgroups, the nginx instance, files). A lock file in {@code /run/berth-e2e-runs} lets the
 * next run remove what a killed run left.
 *
 * <p>Without root the tests are skipped (aborted), unless {@code BERTH_REQUIRE_HOST_TESTS=1}, which
 * makes a missing privilege or tool a failure. Not thread-safe for start and stop; the query
 * methods may be called from several threads.
 */
public final class StackProcess implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    private static final Path RUNS = Path.of("/run/berth-e2e-runs");
    private static final String PREFIX_PATTERN = "e2e[a-z0-9]{5}";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final ApiProcess.Builder apiBuilder;
    private final String name;
    private final List<String[]> createdSites = new CopyOnWriteArrayList<>();
    private final Map<String, String> hostdEnvironment;
    private final int requestedProxyPort;
    private final int ipv4PrefixLength;
    /** hostd's network.bridgePrefixLength (the API learns it from hostd's report); 0 for one bridge. */
    private final int bridgePrefixLength;
    private final int dataTmpfsMib;
    private final List<String> hostdJvmOptions;
    /** hostd's configuration file in hostd/config/; null: the system property berth.hostd.config or hostd-dev.yml. */
    private final String hostdConfig;
    /** Whether an API drives this hostd (false: another stack's API does, as one of its nodes). */
    private final boolean withApi;
    private final Map<String, String> hostdRunEnvironment = new java.util.LinkedHashMap<>();

    private String prefix;
    private int octet;
    private int proxyPort;
    private int hostdAdminPort;
    private Path directory;
    private Path dataDirectory;
    private Path runDirectory;
    private Path socket;
    private Process hostd;
    private ApiProcess api;
    private ApiCalls calls;
    private RunLock lock;
    private Thread shutdownHook;

    private StackProcess(Builder builder) {
        this.apiBuilder = builder.api;
        this.name = builder.name;
        this.hostdEnvironment = Map.copyOf(builder.hostdEnvironment);
        this.requestedProxyPort = builder.proxyPort;
        this.ipv4PrefixLength = builder.ipv4PrefixLength;
        this.bridgePrefixLength = builder.bridgePrefixLength;
        this.dataTmpfsMib = builder.dataTmpfsMib;
        this.hostdJvmOptions = List.copyOf(builder.hostdJvmOptions);
        this.hostdConfig = builder.hostdConfig;
        this.withApi = builder.withApi;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        String missing = missingPrerequisite();
        if (missing != null) {
            if ("1".equals(System.getenv("BERTH_REQUIRE_HOST_TESTS"))) {
                throw new IllegalStateException("BERTH_REQUIRE_HOST_TESTS=1 but " + missing);
            }
            Assumptions.abort("stack tests skipped: " + missing + " (they need root, runc, nginx, ip, nft and the CNI bridge plugin)");
        }
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Why the stack cannot run here, or null when it can. */
    public static String missingPrerequisite() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) {
                return "not running as root (uid " + uid + ")";
            }
        } catch (IOException | UnsupportedOperationException unknown) {
            return "cannot tell the uid (" + unknown + ")";
        }
        for (String tool : List.of("runc", "nginx", "ip", "nft")) {
            if (Stream.of("/usr/sbin", "/usr/bin", "/sbin", "/bin").noneMatch(dir -> Files.isExecutable(Path.of(dir, tool)))) {
                return tool + " is not installed";
            }
        }
        if (!Files.isExecutable(Path.of("/usr/lib/cni/bridge"))) {
            return "the CNI bridge plugin (/usr/lib/cni/bridge) is not installed";
        }
        return null;
    }

    /** Starts hostd, waits for its socket, then starts the API pointed at it. Cleans up on failure. */
    public StackProcess start() {
        if (hostd != null) {
            throw new IllegalStateException("the stack is already started");
        }
        try {
            RunLock.sweepDead(RUNS, run -> removeRun(run.getProperty("prefix"), Path.of(run.getProperty("directory"))));
            prefix = "e2e" + randomLetters(5);
            octet = freeOctet(1 << (24 - ipv4PrefixLength));
            proxyPort = requestedProxyPort > 0 ? requestedProxyPort : freeLoopbackPort();
            directory = Files.createTempDirectory("berth-e2e-stack-");
            // Site containers run as unprivileged uids and must traverse down to the data directory.
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx--x--x"));
            dataDirectory = directory.resolve("data");
            runDirectory = directory.resolve("run");
            socket = directory.resolve("socket").resolve("hostd.sock");
            lock = RunLock.acquire(RUNS, prefix, Map.of("directory", directory.toString()));
            shutdownHook = new Thread(this::teardown, "berth-e2e-stack-teardown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);

            if (dataTmpfsMib > 0) {
                // A small file system of its own, so that a test can fill it (disk full) without touching the host's.
                Files.createDirectories(dataDirectory);
                String mounted = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + dataTmpfsMib + "m,mode=0711", "tmpfs",
                        dataDirectory.toString()));
                if (!Files.readString(Path.of("/proc/self/mounts")).contains(" " + dataDirectory + " tmpfs ")) {
                    throw new IOException("cannot mount a tmpfs on " + dataDirectory + ": " + mounted);
                }
            }
            hostdRunEnvironment.put("BERTH_HOSTD_DATA", dataDirectory.toString());
            hostdRunEnvironment.put("BERTH_HOSTD_RUN", runDirectory.toString());
            hostdRunEnvironment.put("BERTH_HOSTD_SOCKET", socket.toString());
            hostdRunEnvironment.put("BERTH_HOSTD_PREFIX", prefix);
            hostdRunEnvironment.put("BERTH_HOSTD_BRIDGE", prefix);
            hostdRunEnvironment.put("BERTH_HOSTD_BRIDGE_IPV4", bridgeIpv4() + "/" + ipv4PrefixLength);
            // The API derives a site's IPv6 interface id from its IPv4 offset, so the bridge takes the id of its own IPv4 offset.
            hostdRunEnvironment.put("BERTH_HOSTD_BRIDGE_IPV6", ipv6Prefix() + Integer.toHexString(((1 << (32 - ipv4PrefixLength)) - 2)) + "/64");
            if (bridgePrefixLength > 0) {
                hostdRunEnvironment.put("BERTH_HOSTD_BRIDGE_PREFIX", Integer.toString(bridgePrefixLength));
            }
            hostdRunEnvironment.put("BERTH_HOSTD_CGROUP_ROOT", prefix);
            hostdRunEnvironment.put("BERTH_PROXY_LISTEN_V4", "127.0.0.1:" + proxyPort);
            hostdRunEnvironment.put("BERTH_PROXY_LISTEN_V6", "[::1]:" + proxyPort);
            hostdAdminPort = freeLoopbackPort();
            hostdRunEnvironment.put("BERTH_HOSTD_ADMIN_PORT", Integer.toString(hostdAdminPort));
            hostdRunEnvironment.putAll(hostdEnvironment);
            launchHostd(Map.of());
            awaitHostd();
            if (!withApi) {
                return this;
            }

            api = apiBuilder
                    .hostSocket(socket)
                    .name(name)
                    .build();
            api.start();
            calls = new ApiCalls(api.baseUri());
            return this;
        } catch (IOException | RuntimeException failure) {
            String log = hostdLogTail();
            close();
            throw new IllegalStateException("the stack did not start: " + failure.getMessage() + "\n--- hostd log (tail) ---\n" + log,
                    failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the stack", interrupted);
        }
    }

    private static Path hostdJar() {
        Path jar = Path.of(System.getProperty("berth.hostd.jar", "../hostd/target/berth-hostd-0.1.0-SNAPSHOT-all.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the hostd jar " + jar.toAbsolutePath()
                    + " does not exist; build with `mvn -pl e2e -am verify` so that hostd is packaged first");
        }
        return jar;
    }

    private Path hostdConfigFile() {
        Path devConfig = Path.of(System.getProperty("berth.hostd.config", "../hostd/config/hostd-dev.yml"));
        // Another file of hostd's config directory, found wherever the build runs this from (e2e/ or the root).
        return hostdConfig != null ? devConfig.resolveSibling(hostdConfig) : devConfig;
    }

    /**
     * Runs another hostd command ({@code hostd COMMAND ARGUMENTS... CONFIG}) with this stack's
     * configuration file and environment plus {@code extraEnvironment}, as its operator would on the
     * machine; returns its exit code and output.
     */
    public CommandResult hostdCommand(List<String> commandAndArguments, Map<String, String> extraEnvironment)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-jar", hostdJar().toAbsolutePath().toString()));
        command.addAll(commandAndArguments);
        command.add(hostdConfigFile().toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("BERTH_"));
        builder.environment().putAll(hostdRunEnvironment);
        builder.environment().putAll(extraEnvironment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("hostd " + commandAndArguments + " did not finish within 120 s: " + output);
        }
        return new CommandResult(process.exitValue(), output);
    }

    /** A finished command: its exit code and what it printed (stdout and stderr). */
    public record CommandResult(int exitCode, String output) {
    }

    private void launchHostd(Map<String, String> extraEnvironment) throws IOException {
        Path jar = hostdJar();
        Path config = hostdConfigFile();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                ApiProcess.shippedJvmOptions("hostd")));
        command.addAll(hostdJvmOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "server", config.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("hostd.log").toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("BERTH_"));
        env.putAll(hostdRunEnvironment);
        env.putAll(extraEnvironment);
        hostd = builder.start();
    }

    /**
     * {@code kill -9} of hostd: its containers and nginx keep running, as after a crash. Waits
     * until the process is gone.
     */
    /** The running hostd's process id (the benchmarks read its memory). */
    public long hostdPid() {
        Process running = hostd;
        if (running == null || !running.isAlive()) {
            throw new IllegalStateException("hostd is not running");
        }
        return running.pid();
    }

    public void killHostd() throws InterruptedException {
        Process running = hostd;
        if (running == null || !running.isAlive()) {
            throw new IllegalStateException("hostd is not running");
        }
        running.destroyForcibly();
        if (!running.waitFor(15, TimeUnit.SECONDS)) {
            throw new IllegalStateException("hostd did not die from SIGKILL within 15 s");
        }
    }

    /**
     * Starts hostd again on the run's data, socket and bridge after {@link #killHostd()}, with
     * {@code extraEnvironment} on top of the run's (a test failpoint, say); returns once it answers
     * on its socket, which is after it recovered and converged every site it holds a spec for.
     */
    public void restartHostd(Map<String, String> extraEnvironment) throws IOException, InterruptedException {
        if (hostd != null && hostd.isAlive()) {
            throw new IllegalStateException("hostd is still running");
        }
        launchHostd(extraEnvironment);
        try {
            awaitHostd();
        } catch (RuntimeException failure) {
            throw new IllegalStateException(failure.getMessage() + "\n--- hostd log (tail) ---\n" + hostdLogTail(), failure);
        }
    }

    /**
     * Every host object of the run's sites, by the site id it belongs to, the certificates nginx has a
     * file for (by name), and files a crash may leave half-written.
     */
    public record Inventory(Set<UUID> containers, Set<UUID> netns, Set<UUID> bundles, Set<UUID> specs, Set<UUID> content,
                            Set<UUID> routes, Set<UUID> nginxFiles, Set<String> certificateFiles, Set<UUID> cgroups,
                            int bridgePorts, List<String> strayFiles) {
    }

    /** What the host holds for the run now (see {@link #leftovers} for one site by name of each object). */
    public Inventory inventory() throws IOException {
        Set<UUID> containers = new java.util.TreeSet<>();
        Path runcRoot = runDirectory.resolve("runc");
        if (Files.isDirectory(runcRoot)) {
            for (String id : Commands.stdout(List.of("runc", "--root", runcRoot.toString(), "list", "-q")).split("\\s+")) {
                siteOf(id, prefix + "-").ifPresent(containers::add);
            }
        }
        List<String> stray = new ArrayList<>();
        Set<UUID> netns = idsIn(Path.of("/var/run/netns"), prefix + "-", "", null);
        Set<UUID> bundles = idsIn(runDirectory.resolve("bundles"), prefix + "-", "", null);
        Set<UUID> specs = idsIn(dataDirectory.resolve("specs"), "", ".json", stray);
        Set<UUID> content = idsIn(dataDirectory.resolve("sites"), "", "", stray);
        Set<UUID> routes = routes();
        // No site has a file of its own (an earlier layout's); each installed certificate has tls-NAME.conf.
        Path nginxSites = dataDirectory.resolve("nginx/conf/sites");
        Set<UUID> nginxFiles = idsIn(nginxSites, "", ".conf", stray);
        stray.remove(nginxSites.resolve("00-berth-shared.conf").toString());
        Set<String> certificateFiles = new java.util.TreeSet<>();
        for (String path : List.copyOf(stray)) {
            String name = Path.of(path).getFileName().toString();
            if (Path.of(path).getParent().equals(nginxSites) && name.startsWith("tls-") && name.endsWith(".conf")) {
                stray.remove(path);
                certificateFiles.add(name.substring("tls-".length(), name.length() - ".conf".length()));
            }
        }
        for (UUID site : content) {
            Path releases = dataDirectory.resolve("sites").resolve(site.toString()).resolve("releases");
            if (Files.isDirectory(releases)) {
                try (Stream<Path> entries = Files.list(releases)) {
                    entries.filter(path -> path.getFileName().toString().startsWith(".")).forEach(path -> stray.add(path.toString()));
                }
            }
        }
        Set<UUID> cgroups = new java.util.TreeSet<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                Path root = hierarchy.resolve(prefix);
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> walk = Files.walk(root, 2)) {
                    walk.filter(Files::isDirectory).forEach(path -> siteOf(path.getFileName().toString(), "site-").ifPresent(cgroups::add));
                }
            }
        }
        // The warm pool's slots have ports too, in namespaces named PREFIX-pool-N: they belong to no site.
        int bridgePorts = (int) run(List.of("ip", "-o", "link", "show", "master", prefix)).lines()
                .filter(line -> !line.isBlank() && !line.contains("link-netns " + prefix + "-pool-")).count();
        return new Inventory(containers, netns, bundles, specs, content, routes, nginxFiles, certificateFiles, cgroups,
                bridgePorts, stray);
    }

    /** Sites with a record in the proxy's route table, as hostd keeps it (the snapshot nginx loads). */
    public Set<UUID> routes() throws IOException {
        Set<UUID> routes = new java.util.TreeSet<>();
        Path snapshot = dataDirectory.resolve("nginx/routes/routes.json");
        if (Files.exists(snapshot)) {
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"[0-9]+\\|([0-9a-f-]{36})\\|")
                    .matcher(Files.readString(snapshot));
            while (matcher.find()) {
                routes.add(UUID.fromString(matcher.group(1)));
            }
        }
        return routes;
    }

    private static Set<UUID> idsIn(Path directory, String prefix, String suffix, List<String> stray) throws IOException {
        Set<UUID> ids = new java.util.TreeSet<>();
        if (!Files.isDirectory(directory)) {
            return ids;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                java.util.Optional<UUID> id = name.endsWith(suffix) ? siteOf(name.substring(0, name.length() - suffix.length()), prefix)
                        : java.util.Optional.empty();
                id.ifPresent(ids::add);
                if (id.isEmpty() && stray != null) {
                    stray.add(entry.toString());
                }
            }
        }
        return ids;
    }

    private static java.util.Optional<UUID> siteOf(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(UUID.fromString(name.substring(prefix.length())));
        } catch (IllegalArgumentException notASite) {
            return java.util.Optional.empty();
        }
    }

    /** The run's unique prefix of every host object (also the bridge's name). */
    public String prefix() {
        return prefix;
    }

    /** hostd's nginx on 127.0.0.1: sites answer there to their {@code Host} header. */
    public int proxyPort() {
        return proxyPort;
    }

    /** hostd's admin connector on 127.0.0.1 ({@code /prometheus}, {@code /ping}, {@code /healthcheck}). */
    public int hostdAdminPort() {
        return hostdAdminPort;
    }

    public ApiProcess api() {
        return api;
    }

    public ApiCalls calls() {
        return calls;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    public Path runDirectory() {
        return runDirectory;
    }

    /** The sites' IPv6 /64 without its length, e.g. {@code fd42:b3f1:7a9c:1::}. */
    public String ipv6Prefix() {
        return String.format("fd42:b3f1:7a%02x:1::", octet);
    }

    public String bridge() {
        return prefix;
    }

    /** The bridge's own IPv4 address: .254 of the last /24 of the run's subnet. */
    private String bridgeIpv4() {
        return "10.1." + (octet + (1 << (24 - ipv4PrefixLength)) - 1) + ".254";
    }

    /**
     * Whether {@code ipv4} is a host address of a subnet that one of the run's own bridges
     * ({@code PREFIX}, {@code PREFIX-1} ...) carries right now, read from the kernel
     * ({@code ip -j addr show type bridge}), not from what the run meant to configure: benchmarks
     * send traffic to a site's private address only after this says yes.
     */
    public boolean onOwnBridge(String ipv4) throws IOException {
        InetAddress candidate = InetAddress.getByName(ipv4);
        if (!(candidate instanceof java.net.Inet4Address)) {
            return false;
        }
        JsonNode links = JSON.readTree(Commands.stdout(List.of("ip", "-j", "-4", "addr", "show", "type", "bridge")));
        for (JsonNode link : links) {
            if (dev.berth.testkit.HostCleanup.isRunBridge(prefix, link.path("ifname").asText()) && onBridge(link, candidate)) {
                return true;
            }
        }
        return false;
    }

    private static boolean onBridge(JsonNode link, InetAddress candidate) throws IOException {
        for (JsonNode info : link.path("addr_info")) {
            int length = info.path("prefixlen").asInt();
            int mask = length == 0 ? 0 : -1 << (32 - length);
            int bridgeAddress = toInt(InetAddress.getByName(info.path("local").asText()));
            int address = toInt(candidate);
            int host = address & ~mask;
            if ((address & mask) == (bridgeAddress & mask) && address != bridgeAddress && host != 0 && host != ~mask) {
                return true;
            }
        }
        return false;
    }

    private static int toInt(InetAddress address) {
        byte[] bytes = address.getAddress();
        return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | bytes[3] & 0xff;
    }

    /** A unique site name for this run, {@code label-<random>}. */
    public String uniqueSiteName(String label) {
        return label + "-" + randomLetters(6);
    }

    /** Creates a site through the API and remembers it, so that teardown deletes it through the API. */
    public ApiCalls.Answer createSite(String token, String siteName) {
        ApiCalls.Answer answer = calls.json("POST", "/sites", token, "{\"name\":\"" + siteName + "\"}");
        if (answer.status() == 201) {
            createdSites.add(new String[] {token, siteName});
        }
        return answer;
    }

    /** GET through hostd's nginx on loopback with {@code Host: NAME.localhost}. */
    public SiteHttp.Response site(String siteName, String path) throws IOException {
        return SiteHttp.get("127.0.0.1", proxyPort, siteName + ".localhost", path);
    }

    /** Polls the site through the proxy until {@code accept} holds; returns the accepted answer. */
    public SiteHttp.Response awaitSite(String siteName, String path, java.util.function.Predicate<SiteHttp.Response> accept,
                                       Duration timeout) throws InterruptedException {
        return awaitSite(siteName, path, accept, timeout, java.util.Map.of());
    }

    /** {@link #awaitSite(String, String, java.util.function.Predicate, Duration)} sending these request headers. */
    public SiteHttp.Response awaitSite(String siteName, String path, java.util.function.Predicate<SiteHttp.Response> accept,
                                       Duration timeout, java.util.Map<String, String> headers) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                SiteHttp.Response response = SiteHttp.get("127.0.0.1", proxyPort(), siteName + ".localhost", path, headers);
                if (accept.test(response)) {
                    return response;
                }
                last = response.toString();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(2);
        }
        throw new AssertionError(siteName + path + " did not answer as expected within " + timeout.toMillis() + " ms; last: " + last
                + "\n" + diagnosis(siteName));
    }

    /** What hostd and the kernel say about a site, for failure messages. */
    public String diagnosis(String siteName) {
        StringBuilder out = new StringBuilder();
        try {
            for (JsonNode site : hostdSites()) {
                if (site.path("name").asText().equals(siteName)) {
                    out.append("hostd observes: ").append(site).append('\n');
                    String netns = containerId(UUID.fromString(site.path("siteId").asText()));
                    out.append("container eth0: ").append(run(List.of("ip", "-n", netns, "-o", "addr", "show", "dev", "eth0")).trim())
                            .append('\n');
                }
            }
            out.append("neighbours on the bridge: ").append(run(List.of("ip", "neigh", "show", "dev", prefix)).trim()).append('\n');
            Path errors = dataDirectory.resolve("nginx/logs/error.log");
            if (Files.exists(errors)) {
                List<String> lines = Files.readAllLines(errors);
                out.append("nginx error.log: ").append(String.join("\n  ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
            }
        } catch (IOException | RuntimeException unavailable) {
            out.append("(no diagnosis: ").append(unavailable).append(')');
        }
        return out.toString();
    }

    /** A call to hostd over its socket. */
    public SiteHttp.Response hostd(String method, String path) throws IOException {
        return SiteHttp.unix(socket, method, path, null, null);
    }

    /** hostd's observed state of every site it holds a spec for. */
    public JsonNode hostdSites() throws IOException {
        return JSON.readTree(hostd("GET", "/v1/sites").body());
    }

    /** hostd's warm pool as its host report gives it ({@code size}, {@code ready}, {@code lastError}). */
    public JsonNode warmPool() throws IOException {
        return JSON.readTree(hostd("GET", "/v1/host").body()).path("warmPool");
    }

    /** Waits (up to {@code timeout}) until every slot of hostd's warm pool is started and unclaimed; no wait without a pool. */
    public void awaitWarmPool(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode pool = warmPool();
        while (pool.path("ready").asInt() < pool.path("size").asInt()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("hostd's warm pool did not fill: " + pool);
            }
            Thread.sleep(20);
            pool = warmPool();
        }
    }

    /** hostd's id of the site with this name (the API does not publish it). */
    public UUID siteId(String siteName) throws IOException {
        for (JsonNode site : hostdSites()) {
            if (site.path("name").asText().equals(siteName)) {
                return UUID.fromString(site.path("siteId").asText());
            }
        }
        throw new IllegalStateException("hostd holds no site named " + siteName);
    }

    /** The container (and netns) id of a site. */
    public String containerId(UUID siteId) {
        return prefix + "-" + siteId;
    }

    /** The interface index of the site's host-side veth, read from its netns ({@code eth0@ifN}). */
    public int hostVethIndex(UUID siteId) throws IOException {
        String link = run(List.of("ip", "-n", containerId(siteId), "-o", "link", "show", "eth0"));
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("eth0@if(\\d+)").matcher(link);
        if (!matcher.find()) {
            throw new IllegalStateException("no veth in the site's netns: " + link);
        }
        return Integer.parseInt(matcher.group(1));
    }

    /**
     * What the host still holds for a site: its runc container, netns, bundle, spec, content,
     * proxy route and nginx file, cgroups in every hierarchy, and the veth with the given index. Empty when gone.
     */
    public List<String> leftovers(UUID siteId, UUID tenantId, int vethIndex) throws IOException {
        List<String> left = new ArrayList<>();
        String id = containerId(siteId);
        if (exitCode(List.of("runc", "--root", runDirectory.resolve("runc").toString(), "state", id)) == 0) {
            left.add("runc container " + id);
        }
        check(left, Path.of("/var/run/netns", id), "netns");
        check(left, runDirectory.resolve("bundles").resolve(id), "bundle");
        check(left, dataDirectory.resolve("specs").resolve(siteId + ".json"), "spec");
        check(left, dataDirectory.resolve("sites").resolve(siteId.toString()), "content");
        check(left, dataDirectory.resolve("nginx/conf/sites").resolve(siteId + ".conf"), "nginx file");
        if (routes().contains(siteId)) {
            left.add("proxy route " + siteId);
        }
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                check(left, hierarchy.resolve(prefix).resolve("tenant-" + tenantId).resolve("site-" + siteId), "cgroup");
            }
        }
        for (String line : run(List.of("ip", "-o", "link", "show")).split("\n")) {
            if (line.startsWith(vethIndex + ": ")) {
                left.add("veth " + line.split(":")[1].trim());
            }
        }
        return left;
    }

    private static void check(List<String> left, Path path, String what) {
        if (Files.exists(path)) {
            left.add(what + " " + path);
        }
    }

    /** Deletes every site created through {@link #createSite}, stops both processes, removes the rest. Idempotent. */
    @Override
    public void close() {
        teardown();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running the same teardown
            }
            shutdownHook = null;
        }
    }

    private synchronized void teardown() {
        try {
            deleteSitesThroughApi();
        } catch (RuntimeException failure) {
            System.err.println("could not delete every site through the API: " + failure);
        }
        if (api != null) {
            api.close();
            api = null;
        }
        if (hostd != null) {
            Process running = hostd;
            running.destroy();
            try {
                if (!running.waitFor(20, TimeUnit.SECONDS)) {
                    running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException interrupted) {
                running.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            hostd = null;
        }
        if (directory != null) {
            keepHostdLog();
            removeRun(prefix, directory);
            directory = null;
        }
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }

    private void deleteSitesThroughApi() {
        if (api == null || hostd == null || calls == null) {
            return;
        }
        List<String[]> deleted = new ArrayList<>(createdSites);
        for (String[] site : deleted) {
            ApiCalls.Answer answer = calls.send("DELETE", "/sites/" + site[1], site[0], null, null, Map.of());
            if (answer.status() != 202 && answer.status() != 404) {
                System.err.println("teardown: " + answer);
            }
        }
        createdSites.clear();
        // Done when hostd holds no site and the API has finished every delete (its call to hostd returned).
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try {
            while (System.nanoTime() < deadline && (hostdSites().size() > 0
                    || deleted.stream().anyMatch(site -> calls.get("/sites/" + site[1], site[0]).status() != 404))) {
                Thread.sleep(100);
            }
        } catch (IOException | RuntimeException unanswered) {
            System.err.println("teardown: could not follow the deletes: " + unanswered);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitHostd() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!hostd.isAlive()) {
                throw new IllegalStateException("hostd exited with status " + hostd.exitValue());
            }
            try {
                if (Files.exists(socket)) {
                    SiteHttp.Response host = hostd("GET", "/v1/host");
                    if (host.status() == 200) {
                        return;
                    }
                    last = host.toString();
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("hostd did not answer on " + socket + " within " + START_TIMEOUT.toSeconds() + " s: " + last);
    }

    /** Removes a run's helpers, containers, namespaces, veths (with the bridge), nft table, cgroups, nginx and files. */
    static void removeRun(String prefix, Path directory) {
        if (prefix == null || !prefix.matches(PREFIX_PATTERN) || directory == null) {
            return;
        }
        try {
            stopHelpers(directory);
        } catch (IOException | RuntimeException failure) {
            System.err.println("could not stop every helper of stack run " + prefix + ": " + failure);
        }
        try {
            HostCleanup.removeHostObjects(prefix, directory.resolve("run").resolve("runc"),
                    directory.resolve("data").resolve("nginx/run/nginx.pid"));
            unmountBelow(directory);
            HostCleanup.deleteTree(directory);
        } catch (IOException | RuntimeException failure) {
            System.err.println("clean-up of stack run " + prefix + " incomplete: " + failure);
        }
    }

    /**
     * Stops the helper processes a benchmark registered ({@link #registerHelper}): each pid file's
     * process is killed only if its command line still names a file of the run's directory, so a pid
     * reused by another process is left alone.
     */
    private static void stopHelpers(Path directory) throws IOException {
        Path helpers = directory.resolve("helpers");
        if (!Files.isDirectory(helpers)) {
            return;
        }
        try (Stream<Path> files = Files.list(helpers)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".pid")).toList()) {
                long pid = Long.parseLong(Files.readString(file).trim());
                ProcessHandle.of(pid).filter(handle -> handle.info().arguments()
                        .map(arguments -> String.join(" ", arguments).contains(directory.toString())).orElse(false))
                        .ifPresent(handle -> {
                            handle.destroy();
                            try {
                                handle.onExit().get(5, TimeUnit.SECONDS);
                            } catch (Exception stillRunning) {
                                handle.destroyForcibly();
                            }
                        });
                Files.delete(file);
            }
        }
    }

    /**
     * Records a process a benchmark started for this run (a second proxy, say), so that teardown, or
     * the sweep after a killed run, stops it. Its command line must name a file under the run's
     * directory ({@link #dataDirectory()}), which is how the sweep recognizes it.
     */
    public void registerHelper(String label, Process process) throws IOException {
        if (!label.matches("[a-z0-9-]{1,40}")) {
            throw new IllegalArgumentException("a helper label is 1 to 40 characters a-z 0-9 -");
        }
        Path helpers = Files.createDirectories(directory.resolve("helpers"));
        Files.writeString(helpers.resolve(label + ".pid"), Long.toString(process.pid()));
    }

    /** Unmounts whatever the run mounted below its directory (a tmpfs data directory), deepest first. */
    private static void unmountBelow(Path directory) throws IOException {
        List<String> mountPoints = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].startsWith(directory + "/")) {
                mountPoints.add(fields[1]);
            }
        }
        mountPoints.sort(Comparator.comparingInt(String::length).reversed());
        for (String mountPoint : mountPoints) {
            String failed = run(List.of("umount", "--lazy", mountPoint));
            if (!failed.isBlank()) {
                System.err.println("cannot unmount " + mountPoint + ": " + failed);
            }
        }
    }

    /** Runs a program (argv, never a shell); returns stdout and stderr together. See {@link Commands#run}. */
    public static String run(List<String> argv) throws IOException {
        return Commands.run(argv);
    }

    /** The program's exit status, -1 after the timeout. See {@link Commands#exitCode}. */
    public static int exitCode(List<String> argv) {
        return Commands.exitCode(argv);
    }

    /**
     * The first X of a 10.1.X.0 subnet of {@code blocks} /24s (X a multiple of {@code blocks}) and its
     * fd42:b3f1:7aXX:1::/64 that no interface of this host uses yet.
     */
    private static int freeOctet(int blocks) throws IOException {
        String addresses = run(List.of("ip", "-o", "addr", "show"));
        int[] range = forkSlice(100, 256);
        for (int attempt = 0; attempt < 50; attempt++) {
            int candidate = (range[0] + RANDOM.nextInt(range[1] - range[0])) / blocks * blocks;
            boolean free = !addresses.contains(String.format("fd42:b3f1:7a%02x:", candidate));
            for (int block = 0; block < blocks; block++) {
                free &= !addresses.contains("10.1." + (candidate + block) + ".");
            }
            if (free && candidate >= range[0] && candidate + blocks <= range[1]) {
                return candidate;
            }
        }
        throw new IOException("no free 10.1.X.0 subnet of " + blocks + " /24s for the stack");
    }

    /**
     * This test JVM's share of {@code [from, to)}. Failsafe runs the classes in several JVMs at once
     * ({@code berth.test.forks}, each told its number in {@code berth.test.fork}); a subnet is free
     * only until its stack's hostd creates the bridge, so two JVMs choosing from the same range
     * could both take one. Each takes its own slice instead; a JVM outside Failsafe (a benchmark,
     * a single test from the IDE) has the whole range.
     */
    static int[] forkSlice(int from, int to) {
        int forks = Integer.getInteger("berth.test.forks", 1);
        int fork = Integer.getInteger("berth.test.fork", 1);
        if (forks <= 1 || fork < 1 || fork > forks) {
            return new int[] {from, to};
        }
        int width = (to - from) / forks;
        return new int[] {from + (fork - 1) * width, fork == forks ? to : from + fork * width};
    }

    static int freeLoopbackPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static String randomLetters(int count) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder letters = new StringBuilder();
        for (int index = 0; index < count; index++) {
            letters.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return letters.toString();
    }

    /** hostd's log of this run so far, line by line (what a benchmark reads hostd's own timings from). */
    public List<String> hostdLogLines() throws IOException {
        Path log = directory.resolve("hostd.log");
        return Files.exists(log) ? Files.readAllLines(log, java.nio.charset.StandardCharsets.UTF_8) : List.of();
    }

    private String hostdLogTail() {
        return directory == null ? "" : ProcessLogs.tail(directory.resolve("hostd.log"));
    }

    private void keepHostdLog() {
        ProcessLogs.keep(directory.resolve("hostd.log"), name + "-hostd");
    }

    /** Settings of a {@link StackProcess}: those of its API, plus a name for the kept logs. */
    public static final class Builder {
        private final ApiProcess.Builder api = ApiProcess.builder().reconcileIntervalMillis(500);
        private final Map<String, String> hostdEnvironment = new java.util.LinkedHashMap<>();
        private String name = "stack";
        private int proxyPort;
        private int ipv4PrefixLength = 24;
        private int bridgePrefixLength;
        private int dataTmpfsMib;
        private final List<String> hostdJvmOptions = new ArrayList<>();
        private String hostdConfig;
        private boolean withApi = true;

        private Builder() {
        }

        public Builder admin(String email, String password) {
            api.admin(email, password);
            return this;
        }

        public Builder defaultQuota(String key, int value) {
            api.defaultQuota(key, value);
            return this;
        }

        public Builder reconcileIntervalMillis(long millis) {
            api.reconcileIntervalMillis(millis);
            return this;
        }

        /** Extra top-level sections of the API's configuration, such as {@code deploys:}. */
        public Builder apiConfiguration(String yaml) {
            api.extraConfiguration(yaml);
            return this;
        }

        public Builder apiJvmOption(String option) {
            api.jvmOption(option);
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** {@code platform.domain} of the API: sites are NAME.domain (default {@code localhost}). */
        public Builder platformDomain(String domain) {
            api.platformDomain(domain);
            return this;
        }

        /**
         * One more variable of hostd's environment, read by {@code hostd-dev.yml}: for example
         * {@code BERTH_DNS_PROVIDER=rfc2136} or {@code BERTH_TLS_ENABLED=true} with the rest of
         * their settings. Set after the run's own variables, so it may also replace one of them.
         */
        public Builder hostdEnvironment(String key, String value) {
            if (!key.startsWith("BERTH_")) {
                throw new IllegalArgumentException("hostd reads only BERTH_* variables, not " + key);
            }
            hostdEnvironment.put(key, value);
            return this;
        }

        /** hostd's nginx port on loopback, chosen beforehand (for a CA's HTTP-01 to reach it); default: a free one. */
        public Builder proxyPort(int port) {
            this.proxyPort = port;
            return this;
        }

        /**
         * A larger IPv4 subnet for the run's bridge than the default /24, for more sites than 253
         * (the density benchmark): /22 holds 1,021, just under the 1,024 ports a Linux bridge takes.
         */
        public Builder ipv4PrefixLength(int length) {
            if (length < 18 || length > 24) {
                throw new IllegalArgumentException("the stack's IPv4 subnet must be a /18 to /24");
            }
            this.ipv4PrefixLength = length;
            return this;
        }

        /**
         * Splits the run's subnet over several bridges of this prefix length, as a host with more
         * sites than one bridge holds does: e.g. a /21 with 23 gives four bridges of 509 sites.
         */
        public Builder bridgePrefixLength(int length) {
            this.bridgePrefixLength = length;
            return this;
        }

        /**
         * DNS through {@code named} (zone {@link dev.berth.testkit.NamedServer#ZONE}, records at 127.0.0.1 and ::1, which is
         * also the API's platform domain) and HTTPS with a wildcard from {@code pebble}, served by
         * hostd's nginx on {@code 127.0.0.1:httpsPort} and {@code [::1]:httpsPort}; a failed
         * issuance is retried after 1 s. {@code pebble} must have been given {@link #proxyPort}'s port.
         */
        public Builder dnsAndTls(dev.berth.testkit.NamedServer named, dev.berth.testkit.PebbleServer pebble, int httpsPort) {
            dns(named, "127.0.0.1", "::1");
            hostdEnvironment("BERTH_TLS_ENABLED", "true");
            hostdEnvironment("BERTH_TLS_DIRECTORY_URL", pebble.directoryUrl().toString());
            hostdEnvironment("BERTH_TLS_TRUSTED_CA_FILE", pebble.tlsCaPem.toString());
            hostdEnvironment("BERTH_TLS_LISTEN_V4", "127.0.0.1:" + httpsPort);
            hostdEnvironment("BERTH_TLS_LISTEN_V6", "[::1]:" + httpsPort);
            return hostdEnvironment("BERTH_TLS_FIRST_RETRY_SECONDS", "1");
        }

        /**
         * DNS through {@code named} (zone {@link dev.berth.testkit.NamedServer#ZONE}, also the API's platform domain), hostd
         * publishing each site's names at these addresses (literals; they need not be reachable).
         */
        public Builder dns(dev.berth.testkit.NamedServer named, String publicIpv4, String publicIpv6) {
            platformDomain(dev.berth.testkit.NamedServer.ZONE);
            hostdEnvironment("BERTH_DNS_PROVIDER", "rfc2136");
            hostdEnvironment("BERTH_DNS_SERVER", "127.0.0.1:" + named.port);
            hostdEnvironment("BERTH_DNS_ZONE", dev.berth.testkit.NamedServer.ZONE);
            hostdEnvironment("BERTH_DNS_KEY_NAME", dev.berth.testkit.NamedServer.KEY_NAME);
            hostdEnvironment("BERTH_DNS_KEY_SECRET", named.secret);
            hostdEnvironment("BERTH_DNS_PUBLIC_IPV4", publicIpv4);
            return hostdEnvironment("BERTH_DNS_PUBLIC_IPV6", publicIpv6);
        }

        /** One more option for hostd's JVM, after the shipped ones ({@code config/jvm/hostd.options}). */
        /** hostd's configuration file, by name, from hostd's config directory (next to hostd-dev.yml), e.g. hostd-node.yml. */
        public Builder hostdConfig(String path) {
            this.hostdConfig = path;
            return this;
        }

        /** Starts hostd alone: another stack's API drives it as one of its nodes. */
        public Builder withoutApi() {
            this.withApi = false;
            return this;
        }

        /** More keys of the API's {@code host:} section (see {@link ApiProcess.Builder#hostSettings}; several calls add up). */
        public Builder apiHostSettings(String yamlLines) {
            api.hostSettings(yamlLines);
            return this;
        }

        public Builder hostdJvmOption(String option) {
            hostdJvmOptions.add(option);
            return this;
        }

        /** The API on this PostgreSQL database instead of an H2 file. */
        public Builder postgresUrl(String jdbcUrl) {
            api.postgresUrl(jdbcUrl);
            return this;
        }

        /** hostd's data directory on a tmpfs of this size, mounted for the run (so that a test can fill it). */
        public Builder dataDirectoryTmpfsMib(int mib) {
            this.dataTmpfsMib = mib;
            return this;
        }

        public StackProcess build() {
            return new StackProcess(this);
        }
    }
}
