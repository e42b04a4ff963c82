package dev.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A cluster started by {@code scripts/cluster.sh up} as an operator starts it, with names, ports,
 * addresses and a run directory of its own: PostgreSQL, API replicas behind the loopback load
 * balancer, three hostd nodes in network namespaces on the run's test bridge. Every command goes
 * through the script ({@link #up}, {@link #lose}, {@link #close} = {@code down}); {@link #killApi}
 * kills a replica by the pid the script recorded. {@code down} also runs from a shutdown hook and
 * when {@code up} failed, so that nothing stays behind.
 */
public final class Cluster implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Generous: on a loaded 2-core machine the five JVMs of {@code up} take minutes to start. */
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(15);
    /**
     * {@code host.drainGraceSeconds}: a drained node's sites leave it within the test, yet it serves
     * each for many times a reader's look-up interval after its new node serves it.
     */
    public static final int DRAIN_GRACE_SECONDS = 5;
    private static final List<String> LOGS = List.of("api1/api.log", "api2/api.log", "logs/node1-hostd.log",
            "logs/node2-hostd.log", "logs/node3-hostd.log", "lb/error.log");

    private final Path script;
    private final Path directory;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final String net;
    private final int port;
    private final int apiPort;
    private final String adminEmail;
    private final String adminPassword;
    private final Thread shutdownHook = new Thread(this::down, "berth-e2e-cluster-down");
    private boolean closed;

    private Cluster(int nodeLostAfterSeconds, int replicas) throws IOException {
        script = Path.of(System.getProperty("berth.cluster.script", "../scripts/cluster.sh")).toAbsolutePath().normalize();
        String prefix = "bc" + randomLetters(4);
        directory = Path.of("/tmp", "berth-e2e-cluster-" + prefix);
        net = "10.254." + freeThirdOctet();
        port = freeLoopbackPort();
        apiPort = freePortRun(2 * replicas);
        adminEmail = "admin@berth.localhost";
        adminPassword = "cluster-admin-" + randomLetters(12);
        environment.put("BERTH_CLUSTER_DIR", directory.toString());
        environment.put("BERTH_CLUSTER_PREFIX", prefix);
        environment.put("BERTH_CLUSTER_NET", net);
        environment.put("BERTH_CLUSTER_PORT", Integer.toString(port));
        environment.put("BERTH_CLUSTER_API_PORT", Integer.toString(apiPort));
        environment.put("BERTH_CLUSTER_PG_PORT", System.getenv().getOrDefault("BERTH_E2E_CLUSTER_PG_PORT", Integer.toString(freeLoopbackPort())));
        environment.put("BERTH_CLUSTER_API_REPLICAS", Integer.toString(replicas));
        environment.put("BERTH_CLUSTER_NODE_LOST_AFTER", Integer.toString(nodeLostAfterSeconds));
        environment.put("BERTH_CLUSTER_DRAIN_GRACE", Integer.toString(DRAIN_GRACE_SECONDS));
        environment.put("BERTH_ADMIN_EMAIL", adminEmail);
        environment.put("BERTH_ADMIN_PASSWORD", adminPassword);
    }

    /** {@code cluster.sh up} with {@code host.nodeLostAfterSeconds} and that many API replicas; {@code down} if it fails. */
    public static Cluster up(int nodeLostAfterSeconds, int replicas) throws IOException, InterruptedException {
        Cluster cluster = new Cluster(nodeLostAfterSeconds, replicas);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.up();
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException failure) {
            cluster.close();
            throw failure;
        }
    }

    /** {@code cluster.sh up}: starts whatever is not running (a lost node comes back empty, a killed replica again). */
    public void up() throws IOException, InterruptedException {
        run("up");
    }

    /** {@code cluster.sh lose NODE}. */
    public void lose(String node) throws IOException, InterruptedException {
        run("lose", node);
    }

    /** {@code kill -9} of API replica {@code index} (1-based), by the pid the script recorded. */
    public void killApi(int index) throws IOException {
        long pid = Long.parseLong(Files.readString(directory.resolve("api" + index).resolve("api.pid")).trim());
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("replica " + index + " is not running"));
        process.destroyForcibly();
        process.onExit().orTimeout(15, TimeUnit.SECONDS).join();
    }

    /** The API as users reach it: the load balancer. */
    public ApiCalls calls() {
        return new ApiCalls("http://127.0.0.1:" + port + "/api/v1");
    }

    /** API replica {@code index} directly, bypassing the load balancer. */
    public ApiCalls replica(int index) {
        return new ApiCalls("http://127.0.0.1:" + (apiPort + 2 * (index - 1)) + "/api/v1");
    }

    public String adminToken() {
        return calls().logIn(adminEmail, adminPassword);
    }

    /** A node's address on the test bridge, where its proxy answers. */
    public String address(String node) {
        return net + "." + node.replace("node", "");
    }

    /** GET of a site through one node's proxy, with {@code Host: NAME.localhost}. */
    public SiteHttp.Response site(String node, String siteName) throws IOException {
        return SiteHttp.get(address(node), 80, siteName + ".localhost", "/");
    }

    /** The nodes as {@code GET /admin/nodes} lists them, by name. */
    public Map<String, JsonNode> nodes(String adminToken) {
        ApiCalls.Answer answer = calls().get("/admin/nodes", adminToken);
        if (answer.status() != 200) {
            throw new IllegalStateException(answer.toString());
        }
        Map<String, JsonNode> byName = new HashMap<>();
        answer.json().get("items").forEach(node -> byName.put(node.get("name").asText(), node));
        return byName;
    }

    /** Each site's node, from the admin site list. */
    public Map<String, String> nodeOfSites(String adminToken) {
        Map<String, String> found = new HashMap<>();
        String cursor = null;
        do {
            ApiCalls.Answer page = calls().get("/admin/sites?limit=200" + (cursor == null ? "" : "&cursor=" + cursor), adminToken);
            if (page.status() != 200) {
                throw new IllegalStateException(page.toString());
            }
            page.json().get("items").forEach(site -> found.put(site.get("name").asText(), site.path("node").asText()));
            cursor = page.json().hasNonNull("nextCursor") ? page.json().get("nextCursor").asText() : null;
        } while (cursor != null);
        return found;
    }

    /** {@code cluster.sh down}: nothing of the run stays. Idempotent. */
    @Override
    public void close() {
        down();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running down() already.
        }
    }

    private synchronized void down() {
        if (closed) {
            return;
        }
        closed = true;
        keepLogs();
        try {
            run("down");
        } catch (IOException | RuntimeException failure) {
            System.err.println("cluster.sh down failed: " + failure.getMessage());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(arguments));
        Path log = Files.createTempFile("berth-e2e-cluster-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(key -> key.startsWith("BERTH_"));
            builder.environment().putAll(environment);
            long started = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("cluster.sh " + String.join(" ", arguments) + " did not end within "
                        + SCRIPT_TIMEOUT.toMinutes() + " min: " + Files.readString(log, StandardCharsets.UTF_8));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.printf("cluster.sh %s (%d ms):%n%s", String.join(" ", arguments),
                    Duration.ofNanos(System.nanoTime() - started).toMillis(), output);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("cluster.sh " + String.join(" ", arguments) + " failed (" + process.exitValue() + "): "
                        + output + logTails());
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Each process's log, copied to {@code berth.e2e.logs} before {@code down} removes the run directory. */
    private void keepLogs() {
        for (String log : LOGS) {
            Path file = directory.resolve(log);
            if (Files.isRegularFile(file)) {
                ProcessLogs.keep(file, "cluster-" + file.getFileName().toString().replace(".log", ""));
            }
        }
    }

    /** The end of each process's log in the run directory, to explain a failed command. */
    private String logTails() {
        StringBuilder tails = new StringBuilder();
        for (String log : LOGS) {
            Path file = directory.resolve(log);
            if (Files.isRegularFile(file)) {
                tails.append("\n--- ").append(log).append(" (tail) ---\n").append(ProcessLogs.tail(file));
            }
        }
        return tails.toString();
    }

    /** A /24 of 10.254.0.0/16 that no interface of this host uses. */
    private static int freeThirdOctet() throws IOException {
        String routes;
        try {
            Process ip = new ProcessBuilder("ip", "-4", "-o", "addr").redirectErrorStream(true).start();
            routes = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ip.waitFor();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException(interrupted);
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            int octet = 1 + RANDOM.nextInt(250);
            if (!routes.contains("10.254." + octet + ".")) {
                return octet;
            }
        }
        throw new IOException("no free /24 in 10.254.0.0/16");
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The first of {@code count} consecutive free loopback ports. */
    private static int freePortRun(int count) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = 20_000 + RANDOM.nextInt(30_000);
            boolean free = true;
            for (int port = first; port < first + count && free; port++) {
                try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    socket.setReuseAddress(true);
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IOException("no run of " + count + " free loopback ports");
    }

    private static String randomLetters(int count) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder letters = new StringBuilder();
        for (int i = 0; i < count; i++) {
            letters.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return letters.toString();
    }
}
