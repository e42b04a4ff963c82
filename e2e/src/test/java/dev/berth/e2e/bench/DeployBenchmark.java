package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;

import dev.berth.e2e.ApiCalls;
import dev.berth.testkit.Archives;
import dev.berth.testkit.GitHttpServer;
import dev.berth.e2e.GitHubPush;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.HostCleanup;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.eclipse.jgit.api.Git;

/**
 * Issue 4's benchmark on the real stack: upload of a ~1 MB site (zip) through the API -> the new
 * content served through nginx (p50, p95 over N deploys, argument, default 50), next to a baseline in
 * the same run (the same files copied into a new directory served by a plain nginx on loopback,
 * its root switched and {@code nginx -s reload}, until served); and a signed GitHub push webhook ->
 * the new commit served (p50 over 10 pushes) from a repository served on loopback. Runs as root,
 * stops by itself, prints a table and writes target/bench/deploy.json and deploy.txt.
 *
 * <p>{@code mvn -B -pl e2e -am -Pbench-deploy -DskipTests verify [-Dberth.bench.args=50]}
 */
public final class DeployBenchmark {
    private static final Duration SERVED_TIMEOUT = Duration.ofSeconds(60);
    private static final int FILES = 16;
    private static final int FILE_BYTES = 64 * 1024;
    private static final int PUSHES = 10;
    /** Issue 17's deploy -> live. */
    private static final double GOAL_UPLOAD_P50_MILLIS = 30;
    /** Issue 4's; issue 17 sets none for a webhook (its time includes the fetch from the repository). */
    private static final double GOAL_WEBHOOK_P50_MILLIS = 2000;

    private DeployBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int deploys = BenchSupport.countArgument(args, 50);
        BenchSupport.requireStack("DeployBenchmark");
        Map<String, byte[]> assets = assets();
        long siteBytes = assets.values().stream().mapToLong(bytes -> bytes.length).sum();
        Path work = Files.createTempDirectory("berth-e2e-deploy-bench-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (StackProcess stack = StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                .defaultQuota("diskMib", 4096)
                .apiConfiguration("""
                        deploys:
                          publicBaseUrl: http://127.0.0.1
                          gitAllowlist: ["127.0.0.0/8"]
                          gitAllowPlainHttp: true
                        """)
                .name("deploy-bench")
                .build();
             PlainNginx baseline = new PlainNginx(work.resolve("nginx"))) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String token = api.signUpAndLogIn("bench-" + stack.prefix() + "@example.com", "correct horse battery staple",
                    "bench" + stack.prefix());
            String site = stack.uniqueSiteName("deploy");
            stack.createSite(token, site);
            stack.awaitSite(site, "/", response -> response.status() == 200, SERVED_TIMEOUT);

            // Warm-up of both paths, not measured.
            for (int round = 0; round < 3; round++) {
                uploadUntilServed(stack, api, token, site, assets, "warm-up " + round);
                baseline.deployUntilServed(assets, "warm-up " + round);
            }
            List<Double> uploadMillis = new ArrayList<>();
            List<Double> acceptedMillis = new ArrayList<>();
            List<Double> baselineMillis = new ArrayList<>();
            for (int round = 0; round < deploys; round++) {
                double[] timings = uploadUntilServed(stack, api, token, site, assets, "upload " + round);
                acceptedMillis.add(timings[0]);
                uploadMillis.add(timings[1]);
                baselineMillis.add(baseline.deployUntilServed(assets, "baseline " + round));
            }

            List<Double> webhookMillis = webhooks(stack, api, token, site, assets, work.resolve("repo"));
            String loadAfter = BenchSupport.loadAverage();

            StringBuilder table = new StringBuilder();
            table.append(String.format("Berth deploy benchmark: a %.2f MB site (%d files), %d uploads, %d pushes; %d cpus; load %s -> %s%n",
                    siteBytes / 1e6, assets.size(), deploys, PUSHES, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("%-62s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            row(table, "upload (zip) -> 202 accepted", acceptedMillis);
            row(table, "upload (zip) -> new content served through nginx", uploadMillis);
            row(table, "baseline: copy files + plain nginx -s reload -> served", baselineMillis);
            row(table, "GitHub push webhook -> new commit served", webhookMillis);
            table.append(String.format("goals: deploy (upload) -> live p50 <= %.0f ms (issue 17): %s; webhook -> live p50 <= %.0f ms (issue 4): %s%n",
                    GOAL_UPLOAD_P50_MILLIS, percentile(uploadMillis, 50) <= GOAL_UPLOAD_P50_MILLIS ? "MET" : "NOT MET",
                    GOAL_WEBHOOK_P50_MILLIS, percentile(webhookMillis, 50) <= GOAL_WEBHOOK_P50_MILLIS ? "MET" : "NOT MET"));

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("siteBytes", siteBytes);
            json.put("siteFiles", assets.size());
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("uploadAccepted", BenchSupport.summary(acceptedMillis));
            json.put("uploadToServed", BenchSupport.summary(uploadMillis));
            json.put("baselineCopyReloadToServed", BenchSupport.summary(baselineMillis));
            json.put("webhookToServed", BenchSupport.summary(webhookMillis));
            BenchSupport.report(table.toString(), json, "target/bench/deploy.json");
        } finally {
            HostCleanup.deleteTree(work);
        }
    }

    static void row(StringBuilder table, String label, List<Double> millis) {
        table.append(String.format("%-62s %9.1f %9.1f %9.1f%n", label, percentile(millis, 50), percentile(millis, 95),
                percentile(millis, 100)));
    }

    /** About 1 MB: 16 incompressible 64 KiB files, a stylesheet and an index page (replaced per deploy). */
    private static Map<String, byte[]> assets() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Random random = new Random(42);
        for (int index = 0; index < FILES; index++) {
            byte[] bytes = new byte[FILE_BYTES];
            random.nextBytes(bytes);
            files.put("img/photo-" + index + ".bin", bytes);
        }
        files.put("css/site.css", "body { font-family: sans-serif }\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        return files;
    }

    static byte[] index(String marker) {
        return ("<!doctype html><title>bench</title><h1>" + marker + "</h1>\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Returns {milliseconds until 202, milliseconds until the new index is served}. */
    private static double[] uploadUntilServed(StackProcess stack, ApiCalls api, String token, String site, Map<String, byte[]> assets,
                                              String marker) throws InterruptedException {
        Map<String, byte[]> files = new LinkedHashMap<>(assets);
        files.put("index.html", index(marker));
        byte[] zip = Archives.zip(files);
        long start = System.nanoTime();
        ApiCalls.Answer answer = api.upload(token, site, zip, "application/zip");
        double accepted = (System.nanoTime() - start) / 1e6;
        if (answer.status() != 202) {
            throw new IllegalStateException("upload refused: " + answer);
        }
        stack.awaitSite(site, "/", response -> response.status() == 200 && response.text().contains(marker), SERVED_TIMEOUT);
        return new double[] {accepted, (System.nanoTime() - start) / 1e6};
    }

    /** Pushes (commits) to a repository on loopback and posts a signed GitHub push webhook for each. */
    private static List<Double> webhooks(StackProcess stack, ApiCalls api, String token, String site, Map<String, byte[]> assets,
                                         Path repository) throws Exception {
        List<Double> millis = new ArrayList<>();
        try (Git git = Git.init().setDirectory(repository.toFile()).setInitialBranch("main").call();
             GitHttpServer server = new GitHttpServer(git.getRepository())) {
            for (Map.Entry<String, byte[]> asset : assets.entrySet()) {
                Path file = repository.resolve("public").resolve(asset.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, asset.getValue());
            }
            ApiCalls.Answer source = api.json("PUT", "/sites/" + site + "/git", token,
                    "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\",\"path\":\"public\"}");
            if (source.status() != 200) {
                throw new IllegalStateException("git source refused: " + source);
            }
            String secret = source.json().get("secret").asText();
            for (int round = -1; round < PUSHES; round++) {
                String marker = round < 0 ? "push warm-up" : "push " + round;
                Files.write(repository.resolve("public/index.html"), index(marker));
                git.add().addFilepattern(".").call();
                String commit = git.commit().setMessage(marker).setAuthor("Bench", "bench@example.com")
                        .setCommitter("Bench", "bench@example.com").setSign(false).call().getName();
                byte[] payload = GitHubPush.payload("refs/heads/main", commit, server.url());
                long start = System.nanoTime();
                ApiCalls.Answer delivered = api.send("POST", "/hooks/git/" + site, null, payload, "application/json",
                        GitHubPush.headers(payload, secret));
                if (delivered.status() != 202 || !delivered.body().contains("queued")) {
                    throw new IllegalStateException("webhook not queued: " + delivered);
                }
                stack.awaitSite(site, "/", response -> response.status() == 200 && response.text().contains(marker), SERVED_TIMEOUT);
                if (round >= 0) {
                    millis.add((System.nanoTime() - start) / 1e6);
                }
            }
        }
        return millis;
    }

    /**
     * A plain nginx on a free loopback port, its own prefix: the baseline "copy the files into place
     * and reload". Each deploy copies the files into a new directory, points {@code root} at it and
     * runs {@code nginx -s reload}. Closing stops it ({@code nginx -s stop}, then its master by pid).
     */
    static final class PlainNginx implements AutoCloseable {
        private final Path prefix;
        private final String workerProcesses;
        private final int port;
        private int version;

        /** One worker, like hostd's nginx. */
        PlainNginx(Path prefix) throws IOException, InterruptedException {
            this(prefix, "1");
        }

        /** {@code workerProcesses} as nginx reads it: a count, or "auto" (a worker per core, Debian's default). */
        PlainNginx(Path prefix, String workerProcesses) throws IOException, InterruptedException {
            this.prefix = prefix;
            this.workerProcesses = workerProcesses;
            Files.createDirectories(prefix.resolve("conf"));
            Files.createDirectories(prefix.resolve("logs"));
            Files.createDirectories(prefix.resolve("www"));
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Files.createDirectories(prefix.resolve("www/initial"));
            Files.writeString(prefix.resolve("www/initial/index.html"), "initial");
            writeConfig(prefix.resolve("www/initial"));
            nginx();
        }

        private void writeConfig(Path root) throws IOException {
            Files.writeString(prefix.resolve("conf/nginx.conf"), """
                    worker_processes %4$s;
                    pid %1$s/nginx.pid;
                    error_log %1$s/logs/error.log;
                    events { worker_connections 64; }
                    http {
                        access_log off;
                        server {
                            listen 127.0.0.1:%2$d;
                            root %3$s;
                        }
                    }
                    """.formatted(prefix, port, root, workerProcesses));
        }

        private void nginx(String... signal) throws IOException, InterruptedException {
            List<String> argv = new ArrayList<>(List.of("nginx", "-p", prefix.toString(), "-c", prefix.resolve("conf/nginx.conf").toString()));
            argv.addAll(List.of(signal));
            Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("nginx " + List.of(signal) + " failed: " + output);
            }
        }

        /** The loopback port it listens on. */
        int port() {
            return port;
        }

        /** Copies the files (and a new index) into a new directory, switches the root, reloads; ms until served. */
        double deployUntilServed(Map<String, byte[]> assets, String marker) throws IOException, InterruptedException {
            long start = System.nanoTime();
            Path root = prefix.resolve("www").resolve("v" + (++version));
            Files.createDirectories(root);
            for (Map.Entry<String, byte[]> asset : assets.entrySet()) {
                Path file = root.resolve(asset.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, asset.getValue());
            }
            Files.write(root.resolve("index.html"), index(marker));
            writeConfig(root);
            nginx("-s", "reload");
            long deadline = start + SERVED_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    SiteHttp.Response response = SiteHttp.get("127.0.0.1", port, "baseline", "/");
                    if (response.status() == 200 && response.text().contains(marker)) {
                        return (System.nanoTime() - start) / 1e6;
                    }
                } catch (IOException notYet) {
                    // reloading
                }
                Thread.sleep(1);
            }
            throw new IllegalStateException("the baseline nginx never served " + marker);
        }

        @Override
        public void close() {
            Path pidFile = prefix.resolve("nginx.pid");
            long pid = -1;
            try {
                pid = Long.parseLong(Files.readString(pidFile).trim());
            } catch (IOException | NumberFormatException unknown) {
                // not started
            }
            try {
                nginx("-s", "stop");
            } catch (IOException | InterruptedException failed) {
                System.err.println("baseline nginx: " + failed);
            }
            if (pid > 0) {
                ProcessHandle.of(pid).ifPresent(master -> {
                    if (master.info().command().map(command -> command.contains("nginx")).orElse(false)) {
                        long deadline = System.nanoTime() + 5_000_000_000L;
                        while (master.isAlive() && System.nanoTime() < deadline) {
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException interrupted) {
                                Thread.currentThread().interrupt();
                                break;
                            }
                        }
                        if (master.isAlive()) {
                            master.children().forEach(ProcessHandle::destroyForcibly);
                            master.destroyForcibly();
                        }
                    }
                });
            }
        }
    }
}
