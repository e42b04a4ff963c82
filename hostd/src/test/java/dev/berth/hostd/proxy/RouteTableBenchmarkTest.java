package dev.berth.hostd.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.hostd.exec.ProcessCommandRunner;
import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.Commands;
import dev.berth.testkit.PebbleServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * "A new site routable with N present": hostd's proxy with N records in its route table (loaded
 * from the snapshot at start), each new site's {@link NginxProxy#apply} until its hostname answers
 * 200 through nginx (a new connection per probe), p50/p99; next to the reload path measured in the
 * same run: a plain nginx with the same N sites as server blocks, one more file, {@code nginx -t},
 * SIGHUP, until the new name answers 200. Also nginx's memory (Pss of master and worker) for both.
 * Every site is proxied to one lighttpd in a network namespace this test creates (veth, private /30).
 * Runs only with BERTH_BENCH_ROUTES set (N, e.g. 10000), as root; writes hostd/target/route-bench.txt.
 */
@Tag("host")
class RouteTableBenchmarkTest {
    private static final String NGINX = "/usr/sbin/nginx";

    @Test
    void newSiteRoutableWithNPresent() throws Exception {
        String setting = System.getenv("BERTH_BENCH_ROUTES");
        assumeTrue(setting != null && "root".equals(System.getProperty("user.name")), "set BERTH_BENCH_ROUTES and run as root");
        int present = Integer.parseInt(setting);
        int samples = Integer.parseInt(System.getenv().getOrDefault("BERTH_BENCH_ROUTE_SAMPLES", "200"));
        int reloadSamples = Integer.parseInt(System.getenv().getOrDefault("BERTH_BENCH_RELOAD_SAMPLES", "20"));
        Path root = Files.createTempDirectory("berth-route-bench-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        String namespace = "btroute" + tag;
        String hostSide = "btr" + tag + "a";
        int subnet = ThreadLocalRandom.current().nextInt(1, 250);
        String backend = "10.252." + subnet + ".2";
        StandInSite standIn = null;
        NginxProxy proxy = null;
        Path plain = root.resolve("plain");
        StringBuilder report = new StringBuilder();
        try {
            Path site = root.resolve("site/releases/_welcome");
            Files.createDirectories(site);
            Files.writeString(site.resolve("index.html"), "routed\n");
            standIn = new StandInSite(namespace, hostSide, "10.252." + subnet + ".1", backend, root.resolve("site"), root);

            // The route table: N records in the snapshot, loaded by nginx at start.
            Path prefix = root.resolve("nginx");
            int port = PebbleServer.freePort();
            proxy = new NginxProxy(new ProcessCommandRunner(), NGINX, prefix, true, prefix.resolve("conf/sites"),
                    List.of("127.0.0.1:" + port), "www-data", HttpsSettings.NONE, prefix.resolve("admin"), address -> true);
            List<String> records = new ArrayList<>();
            for (int index = 0; index < present; index++) {
                records.add(RouteRecord.of(spec(UUID.randomUUID(), "p" + index + ".bench", backend), true).encode());
            }
            Files.createDirectories(proxy.routes().snapshot().getParent());
            Files.writeString(proxy.routes().snapshot(), RouteTable.snapshotText(records));
            long loadStart = System.nanoTime();
            proxy.start();
            await(port, "p" + (present - 1) + ".bench");
            double startMillis = (System.nanoTime() - loadStart) / 1e6;
            long tableMemory = pss(proxy.runningPid().orElseThrow());
            List<Double> insert = new ArrayList<>();
            List<Double> applied = new ArrayList<>();
            for (int index = 0; index < samples; index++) {
                String hostname = "n" + index + ".bench";
                long start = System.nanoTime();
                proxy.apply(spec(UUID.randomUUID(), hostname, backend), true);
                applied.add((System.nanoTime() - start) / 1e6);
                await(port, hostname);
                insert.add((System.nanoTime() - start) / 1e6);
            }
            long tableMemoryAfter = pss(proxy.runningPid().orElseThrow());
            long snapshotBytes = Files.size(proxy.routes().snapshot());
            proxy.stop();
            proxy = null;

            // The reload path: the same N sites as server blocks of a plain nginx, one more per sample.
            int plainPort = PebbleServer.freePort();
            Files.createDirectories(plain.resolve("sites"));
            Files.createDirectories(plain.resolve("logs"));
            StringBuilder blocks = new StringBuilder();
            for (int index = 0; index < present; index++) {
                blocks.append(block("p" + index + ".bench", plainPort, backend));
            }
            Files.writeString(plain.resolve("sites/00-present.conf"), blocks);
            Files.writeString(plain.resolve("nginx.conf"), """
                    worker_processes 1;
                    pid %1$s/nginx.pid;
                    error_log %1$s/logs/error.log warn;
                    events { worker_connections 1024; }
                    http {
                        access_log off;
                        server_names_hash_max_size 65536;
                        server_names_hash_bucket_size 128;
                        client_body_temp_path %1$s/tmp-body;
                        proxy_temp_path %1$s/tmp-proxy;
                        fastcgi_temp_path %1$s/tmp-fastcgi;
                        uwsgi_temp_path %1$s/tmp-uwsgi;
                        scgi_temp_path %1$s/tmp-scgi;
                        include %1$s/sites/*.conf;
                    }
                    """.formatted(plain));
            List<String> plainNginx = List.of(NGINX, "-p", plain.toString(), "-c", plain.resolve("nginx.conf").toString());
            Commands.run(plainNginx);
            await(plainPort, "p" + (present - 1) + ".bench");
            long plainMaster = Long.parseLong(Files.readString(plain.resolve("nginx.pid")).trim());
            long reloadMemory = pss(plainMaster);
            List<Double> reload = new ArrayList<>();
            for (int index = 0; index < reloadSamples; index++) {
                String hostname = "n" + index + ".bench";
                long start = System.nanoTime();
                Files.writeString(plain.resolve("sites/n" + index + ".conf"), block(hostname, plainPort, backend));
                List<String> test = new ArrayList<>(plainNginx);
                test.addAll(List.of("-t", "-q"));
                Commands.run(test);
                Commands.run(List.of("kill", "-HUP", Long.toString(plainMaster)));
                await(plainPort, hostname);
                reload.add((System.nanoTime() - start) / 1e6);
            }
            List<String> quit = new ArrayList<>(plainNginx);
            quit.addAll(List.of("-s", "quit"));
            Commands.run(quit);

            double insertP50 = percentile(insert, 50);
            double reloadP50 = percentile(reload, 50);
            report.append(String.format("new site routable with N = %,d present (route table, %d samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    present, samples, insertP50, percentile(insert, 99), Collections.max(insert)));
            report.append(String.format("  of which apply() (validate, snapshot of %,d KiB written, record sent): p50 %.1f ms, p99 %.1f ms%n",
                    snapshotBytes / 1024, percentile(applied, 50), percentile(applied, 99)));
            report.append(String.format("same run, reload path (N = %,d server blocks, file + nginx -t + HUP, %d samples): p50 %.1f ms, p99 %.1f ms%n",
                    present, reloadSamples, reloadP50, percentile(reload, 99)));
            report.append(String.format("ratio route table / reload path (p50): %.3f (%.0fx faster)%n", insertP50 / reloadP50, reloadP50 / insertP50));
            report.append(String.format("nginx start with the %,d-record snapshot until the last record answers: %.0f ms%n", present, startMillis));
            report.append(String.format("nginx memory (Pss, master + worker): route table %.1f MiB (%.1f MiB after %d more), server blocks %.1f MiB%n",
                    tableMemory / 1024.0, tableMemoryAfter / 1024.0, samples, reloadMemory / 1024.0));
            System.out.print(report);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/route-bench.txt"), report.toString());
            assertThat(insert).hasSize(samples);
        } finally {
            if (proxy != null) {
                proxy.stop();
            }
            if (Files.exists(plain.resolve("nginx.pid"))) {
                Commands.exitCode(List.of("kill", "-QUIT", Files.readString(plain.resolve("nginx.pid")).trim()));
            }
            if (standIn != null) {
                standIn.close();
            }
            Commands.exitCode(List.of("rm", "-rf", root.toString()));
        }
    }

    private static SiteSpec spec(UUID siteId, String hostname, String backend) {
        return new SiteSpec(siteId, "bench", UUID.randomUUID(), List.of(hostname), backend, null,
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1);
    }

    private static String block(String hostname, int port, String backend) {
        return "server { listen 127.0.0.1:" + port + "; server_name " + hostname + "; location / { proxy_pass http://"
                + backend + ":80/releases/_welcome/; } }\n";
    }

    /** Probes (a new connection each time, 1 ms apart, at most 30 s) until the hostname answers 200. */
    private static void await(int port, String hostname) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (status(port, hostname) != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(hostname + " never answered 200");
            }
            Thread.sleep(1);
        }
    }

    private static int status(int port, String hostname) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + hostname + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            String line = new String(head, StandardCharsets.US_ASCII);
            return line.startsWith("HTTP/1.1 ") ? Integer.parseInt(line.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Proportional set size (KiB) of a master and its children. */
    private static long pss(long master) {
        long total = pssOf(master);
        for (ProcessHandle child : ProcessHandle.of(master).map(handle -> handle.children().toList()).orElse(List.of())) {
            total += pssOf(child.pid());
        }
        return total;
    }

    private static long pssOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static double percentile(List<Double> values, int percentile) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
