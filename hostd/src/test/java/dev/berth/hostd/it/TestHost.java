package dev.berth.hostd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testkit.Commands;
import dev.berth.testkit.HostCleanup;
import dev.berth.testkit.RunLock;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One hostd under test, run as a separate root process exactly as in production, on host objects
 * whose names are unique to this run: prefix {@code bt<random>}, a bridge of that name, a random
 * 10.1.X.0/24 and fd00:b5e7:X::/64, an nginx on a free loopback port. A lock file held while the run
 * lives lets a later run remove everything a killed run left behind.
 */
final class TestHost {
    static final Path RUNS = Path.of("/run/berth-hostd-tests");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    final String prefix;
    final int octet;
    final int proxyPort;
    final Path dataDirectory;
    final Path runDirectory;
    final Path socket;
    private final Path config;
    private final RunLock lock;
    private Process process;
    /** Seconds between full reconcile passes; short in the tests so that sweeps happen within them. */
    int reconcileIntervalSeconds = 5;
    /** Top-level YAML appended to the generated configuration (e.g. the dns and tls sections). */
    String extraConfig = "";
    /** hostd's network.bridgePrefixLength: null for one bridge, 26 for four (PREFIX, PREFIX-1 ...). */
    Integer bridgePrefixLength;

    private TestHost(String prefix, int octet, int proxyPort, Path dataDirectory) throws IOException {
        this.prefix = prefix;
        this.octet = octet;
        this.proxyPort = proxyPort;
        this.dataDirectory = dataDirectory;
        this.runDirectory = Path.of("/run", prefix + "-hostd");
        this.socket = runDirectory.resolve("api/hostd.sock");
        this.config = dataDirectory.resolve("hostd.yml");
        this.lock = RunLock.acquire(RUNS, prefix, Map.of("dataDirectory", dataDirectory.toString()));
    }

    static TestHost create() throws IOException {
        RunLock.sweepDead(RUNS, run -> removeRun(run.getProperty("prefix"), Path.of(run.getProperty("dataDirectory"))));
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder prefix = new StringBuilder("bt");
        for (int i = 0; i < 6; i++) {
            prefix.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        int octet = freeOctet();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path data = Files.createTempDirectory("berth-hostd-" + prefix);
        return new TestHost(prefix.toString(), octet, port, data);
    }

    /** A 10.1.X.0/24 that no interface of this host uses yet. */
    private static int freeOctet() throws IOException {
        String addresses = Commands.run(List.of("ip", "-o", "addr", "show"));
        for (int attempt = 0; attempt < 50; attempt++) {
            int candidate = 100 + RANDOM.nextInt(150);
            if (!addresses.contains("10.1." + candidate + ".")) {
                return candidate;
            }
        }
        throw new IOException("no free 10.1.X.0/24 test subnet");
    }

    String bridge() {
        return prefix;
    }

    String ipv4(int host) {
        return "10.1." + octet + "." + host;
    }

    String ipv6(int host) {
        return "fd00:b5e7:" + Integer.toHexString(octet) + "::" + Integer.toHexString(host);
    }

    void start() throws IOException, InterruptedException {
        Files.writeString(config, """
                namePrefix: %1$s
                dataDirectory: %2$s
                runDirectory: %3$s
                monitorIntervalMillis: 300
                reconcileIntervalSeconds: %9$d
                network:
                  bridge: %1$s
                  bridgeIpv4: 10.1.%4$d.254/24
                  bridgeIpv6: fd00:b5e7:%5$s::fe/64
                  bridgePrefixLength: %10$s
                runtime:
                  cgroupRoot: %1$s
                proxy:
                  manageInstance: true
                  listen: ["127.0.0.1:%6$d"%8$s]
                server:
                  type: simple
                  applicationContextPath: /
                  adminContextPath: /admin
                  connector:
                    type: unix-socket
                    path: %7$s
                  requestLog:
                    appenders: []
                logging:
                  level: INFO
                  appenders:
                    - type: file
                      currentLogFilename: %2$s/hostd.log
                      archive: false
                """.formatted(prefix, dataDirectory, runDirectory, octet, Integer.toHexString(octet), proxyPort, socket,
                hasIpv6Loopback() ? ", \"[::1]:" + proxyPort + "\"" : "", reconcileIntervalSeconds,
                bridgePrefixLength == null ? "" : bridgePrefixLength) + extraConfig);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath,
                "dev.berth.hostd.HostdApplication", "server", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dataDirectory.resolve("hostd.out").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("hostd exited: " + tail());
            }
            try {
                if (Files.exists(socket) && SiteHttp.unix(socket, "GET", "/v1/host", null, null).status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("hostd did not answer on " + socket + ": " + tail());
    }

    /** True if ::1 exists (some CI sandboxes disable IPv6); the v6 checks are skipped otherwise. */
    static boolean hasIpv6Loopback() {
        try {
            return Files.readString(Path.of("/proc/net/if_inet6")).contains("00000000000000000000000000000001");
        } catch (IOException e) {
            return false;
        }
    }

    String tail() {
        try {
            List<String> lines = new ArrayList<>();
            for (String file : List.of("hostd.out", "hostd.log")) {
                Path path = dataDirectory.resolve(file);
                if (Files.exists(path)) {
                    List<String> all = Files.readAllLines(path);
                    lines.addAll(all.subList(Math.max(0, all.size() - 40), all.size()));
                }
            }
            return String.join("\n", lines);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** {@link #await(String, Duration, Supplier, Callable)} without details. */
    void await(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        await(what, timeout, () -> "", condition);
    }

    /**
     * Polls {@code condition} every 50 ms until it holds; after {@code timeout} fails with
     * {@code what}, {@code detail}, the condition's last exception and the tail of hostd's log.
     */
    void await(String what, Duration timeout, Supplier<String> detail, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.call()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for: " + what + " " + detail.get()
                + (last == null ? "" : " (last error " + last + ")")
                + "\n--- hostd log ---\n" + tail());
    }

    long pid() {
        return process.pid();
    }

    /** Kills hostd with SIGKILL: no shutdown code runs. */
    void kill9() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    SiteHttp.Response hostd(String method, String path, String json) throws IOException {
        return SiteHttp.unix(socket, method, path, json == null ? null : json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    JsonNode hostdJson(String method, String path, String json) throws IOException {
        SiteHttp.Response response = hostd(method, path, json);
        return JSON.readTree(response.text());
    }

    SiteHttp.Response proxy(String hostname, String path) throws IOException {
        return SiteHttp.tcp("127.0.0.1", proxyPort, "GET", hostname, path, null, null);
    }

    /** Stops hostd and removes every host object of this run. */
    void destroy() {
        try {
            kill9();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeRun(prefix, dataDirectory);
        lock.close();
    }

    /** Removes a run's containers, namespaces, bridge, firewall table, cgroups, nginx and files. */
    private static void removeRun(String prefix, Path dataDirectory) {
        if (prefix == null || !prefix.matches("bt[a-z0-9]{6}")) {
            return;
        }
        Path runDirectory = Path.of("/run", prefix + "-hostd");
        try {
            HostCleanup.removeHostObjects(prefix, runDirectory.resolve("runc"), dataDirectory.resolve("nginx/run/nginx.pid"));
            HostCleanup.deleteTree(runDirectory);
            HostCleanup.deleteTree(dataDirectory);
        } catch (IOException | RuntimeException e) {
            System.err.println("clean-up of test run " + prefix + " incomplete: " + e);
        }
    }
}
