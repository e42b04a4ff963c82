package dev.berth.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real Berth API, started from its shaded jar as a separate JVM on free loopback ports, with an
 * H2 database and a data directory in a fresh temporary directory, and a platform admin chosen by
 * the caller. By default no hostd is involved: {@code host.socketPath} names a socket that does not
 * exist, so the API keeps every site {@code provisioning}; {@link Builder#hostSocket} points it at a
 * real hostd instead ({@link StackProcess} does).
 *
 * <p>Use it as a JUnit 5 extension ({@code @RegisterExtension static ApiProcess api = ...}, started
 * before all tests of the class and stopped after them) or by hand ({@link #start()} and
 * {@link #close()}, for example from a benchmark's {@code main}). {@link #close()} always kills the
 * process and deletes the temporary directory, also when start-up failed; the API's console output is
 * kept in {@code berth.e2e.logs} (default {@code target/api-logs}). Not thread-safe: start and stop
 * it from one thread.
 *
 * <p>The jar is found through the system property {@code berth.api.jar}, which the e2e build sets.
 */
public final class ApiProcess implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    /** 90 s, or {@code -Dberth.e2e.apiStartSeconds=N} on a machine that runs much more than the test. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("berth.e2e.apiStartSeconds", 90));
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final String adminEmail;
    private final String adminPassword;
    private final Map<String, Integer> defaultQuota;
    private final List<String> jvmOptions;
    private final String name;
    private final Path hostSocket;
    private final String hostSettings;
    private final long reconcileIntervalMillis;
    private final String extraConfiguration;
    private final String platformDomain;
    private final String databaseUrl;

    private Path directory;
    private Process process;
    private Thread shutdownHook;
    private int port;
    private int adminPort;

    private ApiProcess(Builder builder) {
        this.adminEmail = builder.adminEmail;
        this.adminPassword = builder.adminPassword;
        this.defaultQuota = new LinkedHashMap<>(builder.defaultQuota);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.name = builder.name;
        this.hostSocket = builder.hostSocket;
        this.hostSettings = builder.hostSettings;
        this.reconcileIntervalMillis = builder.reconcileIntervalMillis;
        this.extraConfiguration = builder.extraConfiguration;
        this.platformDomain = builder.platformDomain;
        this.databaseUrl = builder.databaseUrl;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /**
     * Writes the configuration, starts the API and returns once {@code GET /api/v1/health} answers
     * 200. On any failure the process is stopped and the temporary directory deleted before the
     * exception propagates.
     *
     * @throws IllegalStateException if the API jar is missing, the process exits early, or health does
     *     not answer within 90 seconds (or {@code berth.e2e.apiStartSeconds})
     */
    public ApiProcess start() {
        if (process != null) {
            throw new IllegalStateException("the API process is already started");
        }
        try {
            Path jar = Path.of(System.getProperty("berth.api.jar", "../api/target/berth-api-0.1.0-SNAPSHOT-all.jar"));
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("the API jar " + jar.toAbsolutePath()
                        + " does not exist; build with `mvn -pl e2e -am verify` so that api is packaged first");
            }
            directory = Files.createTempDirectory("berth-e2e-");
            port = freeLoopbackPort();
            adminPort = freeLoopbackPort();
            while (adminPort == port) {
                adminPort = freeLoopbackPort();
            }
            Path config = directory.resolve("config.yml");
            Files.writeString(config, configuration(), StandardCharsets.UTF_8);

            launch();
            awaitHealthy();
            return this;
        } catch (IOException | RuntimeException failure) {
            String log = logTail();
            close();
            throw new IllegalStateException("the API did not start: " + failure.getMessage() + "\n--- API log (tail) ---\n" + log, failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the API", interrupted);
        }
    }

    private static Path apiJar() {
        return Path.of(System.getProperty("berth.api.jar", "../api/target/berth-api-0.1.0-SNAPSHOT-all.jar")).toAbsolutePath().normalize();
    }

    /**
     * The JVM options a process ships with ({@code config/jvm/PROCESS.options} of the repository
     * the jars were built in, as {@code make run} and the packages use them), as a {@code java}
     * argument: {@code @FILE}. Options added after it override it.
     */
    public static String shippedJvmOptions(String process) {
        Path file = apiJar().getParent().getParent().getParent().resolve("config/jvm/" + process + ".options");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no JVM options file " + file + " (config/jvm of the repository)");
        }
        return "@" + file;
    }

    private void launch() throws IOException {
        Path jar = apiJar();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(shippedJvmOptions("api"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", jar.toAbsolutePath().toString(),
                "dev.berth.api.BerthApplication", "server", directory.resolve("config.yml").toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("api.log").toFile()));
        // The API must not pick up a developer's settings from the environment (see config/dev.yml).
        builder.environment().keySet().removeIf(key -> key.startsWith("BERTH_"));
        process = builder.start();
        if (shutdownHook == null) {
            shutdownHook = new Thread(this::destroyProcess, "berth-e2e-api-kill");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    /**
     * {@code kill -9} of the API: no shutdown, nothing flushed; its directory (database, keys, log)
     * stays for {@link #restart()}.
     */
    public void kill() throws InterruptedException {
        Process running = process;
        if (running == null) {
            throw new IllegalStateException("the API process is not running");
        }
        running.destroyForcibly();
        if (!running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the API did not die from SIGKILL within " + STOP_TIMEOUT.toSeconds() + " s");
        }
    }

    /** Starts the API again on the same ports, configuration and data after {@link #kill()}; waits for health. */
    public void restart() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the API process is still running");
        }
        launch();
        try {
            awaitHealthy();
        } catch (RuntimeException failure) {
            throw new IllegalStateException(failure.getMessage() + "\n--- API log (tail) ---\n" + logTail(), failure);
        }
    }

    /** The API's base URI, {@code http://127.0.0.1:PORT/api/v1}, as the SDK's {@code ApiClient} expects it. */
    public String baseUri() {
        return "http://127.0.0.1:" + port + "/api/v1";
    }

    /** The API process's id, to read its CPU time. */
    public long pid() {
        if (process == null) {
            throw new IllegalStateException("the API process is not running");
        }
        return process.pid();
    }

    /** The application connector's port on 127.0.0.1. */
    /** The admin connector on 127.0.0.1 ({@code /prometheus}, health checks). */
    public int adminPort() {
        return adminPort;
    }

    public int port() {
        return port;
    }

    public String adminEmail() {
        return adminEmail;
    }

    public String adminPassword() {
        return adminPassword;
    }

    /** Kills the API (gracefully first), keeps its log, deletes the temporary directory. Idempotent. */
    @Override
    public void close() {
        destroyProcess();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting; the hook itself is doing the same work.
            }
            shutdownHook = null;
        }
        process = null;
        if (directory != null) {
            keepLog();
            deleteRecursively(directory);
            directory = null;
        }
    }

    private void destroyProcess() {
        Process running = process;
        if (running == null) {
            return;
        }
        List<ProcessHandle> children = running.descendants().toList();
        running.destroy();
        try {
            if (!running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                running.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException interrupted) {
            running.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private String configuration() {
        StringBuilder yaml = new StringBuilder();
        yaml.append("""
                server:
                  rootPath: /api/v1/*
                  applicationConnectors:
                    - type: http
                      port: %d
                      bindHost: 127.0.0.1
                  adminConnectors:
                    - type: http
                      port: %d
                      bindHost: 127.0.0.1
                  requestLog:
                    appenders: []

                database:
                  driverClass: %s
                  url: %s
                  user: berth
                  password: berth
                  maxSize: 32
                  minSize: 4
                  validationQuery: SELECT 1

                platform:
                  domain: %s
                  siteUrlScheme: http
                  openSignup: true
                  dataDirectory: %s
                  adminEmail: %s
                  adminPassword: %s

                host:
                  socketPath: %s
                  reconcileIntervalMillis: %d
                  requestTimeoutMillis: %d
                %s

                logging:
                  level: INFO
                  loggers:
                    dev.berth: INFO
                    liquibase: WARN
                """.formatted(port, adminPort, databaseUrl != null ? "org.postgresql.Driver" : "org.h2.Driver",
                quoted(databaseUrl != null ? databaseUrl
                        : "jdbc:h2:file:" + directory.resolve("db").resolve("berth") + ";LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0"),
                quoted(platformDomain), quoted(directory.resolve("data").toString()), quoted(adminEmail), quoted(adminPassword),
                quoted((hostSocket != null ? hostSocket : directory.resolve("hostd-absent").resolve("hostd.sock")).toString()),
                reconcileIntervalMillis, hostSocket != null ? 30_000 : 2000,
                hostSettings.lines().map(line -> "  " + line).collect(java.util.stream.Collectors.joining("\n"))));
        if (!extraConfiguration.isEmpty()) {
            yaml.append('\n').append(extraConfiguration).append('\n');
        }
        if (!defaultQuota.isEmpty()) {
            yaml.append("\ndefaultQuota:\n");
            defaultQuota.forEach((key, value) -> yaml.append("  ").append(key).append(": ").append(value).append('\n'));
        }
        return yaml.toString();
    }

    /** A single-quoted YAML scalar, so that paths and passwords are taken literally. */
    private static String quoted(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private void awaitHealthy() throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(baseUri() + "/health")).timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String lastProblem = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the API process exited with status " + process.exitValue());
            }
            try {
                HttpResponse<String> response = client.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                lastProblem = "health answered " + response.statusCode();
            } catch (IOException notYet) {
                lastProblem = notYet.toString();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("GET /api/v1/health did not answer 200 within " + START_TIMEOUT.toSeconds() + " s ("
                + lastProblem + ")");
    }

    private String logTail() {
        return directory == null ? "" : ProcessLogs.tail(directory.resolve("api.log"));
    }

    private void keepLog() {
        ProcessLogs.keep(directory.resolve("api.log"), name);
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException notDeleted) {
            System.err.println("Could not delete " + root + ": " + notDeleted);
        }
    }

    /** Settings of an {@link ApiProcess}; the admin's email and password are required. */
    public static final class Builder {
        private String adminEmail;
        private String adminPassword;
        private final Map<String, Integer> defaultQuota = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private String name = "api";
        private Path hostSocket;
        private String hostSettings = "";
        private long reconcileIntervalMillis = 2000;
        private String extraConfiguration = "";
        private String platformDomain = "localhost";
        private String databaseUrl;

        private Builder() {
        }

        /**
         * A PostgreSQL database instead of the default H2 file, as a JDBC URL that carries its own
         * credentials ({@code jdbc:postgresql://127.0.0.1:PORT/DB?user=...}, as {@code scripts/pg.sh} prints).
         */
        public Builder postgresUrl(String jdbcUrl) {
            this.databaseUrl = jdbcUrl;
            return this;
        }

        /** {@code platform.domain}: sites are NAME.domain (default {@code localhost}). */
        public Builder platformDomain(String domain) {
            this.platformDomain = domain;
            return this;
        }

        /**
         * Drives a real berth-hostd listening on this Unix socket (default: a socket that does not
         * exist, so that sites stay {@code provisioning}).
         */
        public Builder hostSocket(Path socket) {
            this.hostSocket = socket;
            return this;
        }

        /** {@code host.reconcileIntervalMillis}: how often the API's reconciler compares with the host. */
        /** More keys of the {@code host:} section, one {@code key: value} per line (the key and trust stores of nodes). */
        /** Adds keys to the API's {@code host:} section (several calls add up). */
        public Builder hostSettings(String yamlLines) {
            this.hostSettings = this.hostSettings.isEmpty() ? yamlLines : this.hostSettings.stripTrailing() + "\n" + yamlLines;
            return this;
        }

        public Builder reconcileIntervalMillis(long millis) {
            this.reconcileIntervalMillis = millis;
            return this;
        }

        /**
         * Top-level YAML sections appended to the configuration as they are, such as
         * {@code network:} or {@code deploys:}; they must not repeat a section the builder writes.
         */
        public Builder extraConfiguration(String yaml) {
            this.extraConfiguration = this.extraConfiguration + yaml.strip() + "\n";
            return this;
        }

        /** The first platform admin, created by the API at start-up. */
        public Builder admin(String email, String password) {
            this.adminEmail = email;
            this.adminPassword = password;
            return this;
        }

        /** One key of the {@code defaultQuota} section (for example {@code maxSites}). */
        public Builder defaultQuota(String key, int value) {
            defaultQuota.put(key, value);
            return this;
        }

        /** Options for the API's JVM after the shipped ones ({@code config/jvm/api.options}), such as {@code -Xmx1g}. */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** Names the kept log file. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public ApiProcess build() {
            if (adminEmail == null || adminPassword == null || adminPassword.length() < 12) {
                throw new IllegalArgumentException("an admin email and a password of at least 12 characters are required");
            }
            return new ApiProcess(this);
        }
    }
}
