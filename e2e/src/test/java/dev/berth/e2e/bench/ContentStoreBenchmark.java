package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.Archives;
import dev.berth.testkit.HostCleanup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * The content store on the real stack, in two series. Across sites: N sites (argument, default 10)
 * of one tenant share a theme (about 1.2 MB of incompressible assets) and each has pages of its
 * own; each is deployed once by upload. Across releases: one more site is deployed 50 times, each
 * release the theme and its pages with one page changed (a typical edit), all 50 kept
 * ({@code deploys.releasesKept: 50}). Each series reports what the store grew by
 * ({@code berth_content_store_bytes} from the API's /prometheus) next to the sum of the releases'
 * bytes, which full copies would take (the deduplication ratio), and upload -> served through
 * nginx next to a floor measured in the same run: the same files copied into place for a plain
 * nginx and {@code nginx -s reload}. Runs as root, writes target/bench/content.json and content.txt.
 *
 * <p>{@code mvn -B -pl e2e -Pbench-main -DskipTests verify -Dberth.bench.main=ContentStoreBenchmark [-Dberth.bench.args=10]}
 */
public final class ContentStoreBenchmark {
    private static final Duration SERVED_TIMEOUT = Duration.ofSeconds(60);
    private static final int THEME_FILES = 24;
    private static final int THEME_FILE_BYTES = 48 * 1024;
    private static final int OWN_PAGES = 3;
    private static final int OWN_PAGE_BYTES = 8 * 1024;
    /** The releases of the one site deployed again and again, all kept. */
    static final int RELEASES = 50;

    private ContentStoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int sites = BenchSupport.countArgument(args, 10);
        BenchSupport.requireStack("ContentStoreBenchmark");
        Map<String, byte[]> theme = theme(7);
        Path work = Files.createTempDirectory("berth-e2e-content-bench-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (StackProcess stack = StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                .apiConfiguration("deploys:\n  releasesKept: " + RELEASES + "\n")
                .defaultQuota("maxSites", sites + 5)
                .defaultQuota("maxRunningSites", sites + 5)
                .defaultQuota("diskMib", 4096)
                .name("content-bench")
                .build();
             DeployBenchmark.PlainNginx floor = new DeployBenchmark.PlainNginx(work.resolve("nginx"))) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String token = api.signUpAndLogIn("bench-" + stack.prefix() + "@example.com", "correct horse battery staple",
                    "bench" + stack.prefix());
            long storeBefore = storeBytes(stack);

            List<Double> uploadMillis = new ArrayList<>();
            List<Double> floorMillis = new ArrayList<>();
            long releaseBytes = 0;
            long archiveBytes = 0;
            for (int index = 0; index < sites; index++) {
                String site = stack.uniqueSiteName("theme");
                BenchSupport.createSite(stack, token, site, System.nanoTime());
                stack.awaitSite(site, "/", response -> response.status() == 200, SERVED_TIMEOUT);
                Map<String, byte[]> files = new LinkedHashMap<>(theme);
                Random own = new Random(1000 + index);
                for (int page = 0; page < OWN_PAGES; page++) {
                    byte[] bytes = new byte[OWN_PAGE_BYTES];
                    own.nextBytes(bytes);
                    files.put("pages/page-" + page + ".bin", bytes);
                }
                String marker = "site " + index + " of " + sites;
                files.put("index.html", DeployBenchmark.index(marker));
                releaseBytes += files.values().stream().mapToLong(bytes -> bytes.length).sum();
                byte[] archive = Archives.tarGz(files);
                archiveBytes += archive.length;

                long start = System.nanoTime();
                ApiCalls.Answer answer = api.upload(token, site, archive, "application/gzip");
                if (answer.status() != 202) {
                    throw new IllegalStateException("upload refused: " + answer);
                }
                stack.awaitSite(site, "/", response -> response.status() == 200 && response.text().contains(marker), SERVED_TIMEOUT);
                uploadMillis.add((System.nanoTime() - start) / 1e6);
                Map<String, byte[]> floorFiles = new LinkedHashMap<>(files);
                floorFiles.remove("index.html");
                floorMillis.add(floor.deployUntilServed(floorFiles, marker));
            }
            long stored = storeBytes(stack) - storeBefore;
            double dedup = (double) releaseBytes / stored;

            // One site, RELEASES near-identical releases: each changes one of its pages.
            String series = stack.uniqueSiteName("edits");
            BenchSupport.createSite(stack, token, series, System.nanoTime());
            stack.awaitSite(series, "/", response -> response.status() == 200, SERVED_TIMEOUT);
            long seriesBefore = storeBytes(stack);
            long seriesBytes = 0;
            List<Double> seriesMillis = new ArrayList<>();
            // A theme of its own, so that the store's growth counts the first release in full.
            Map<String, byte[]> edited = new LinkedHashMap<>(theme(8));
            Random edits = new Random(99);
            for (int page = 0; page < OWN_PAGES; page++) {
                byte[] bytes = new byte[OWN_PAGE_BYTES];
                edits.nextBytes(bytes);
                edited.put("pages/page-" + page + ".bin", bytes);
            }
            for (int release = 0; release < RELEASES; release++) {
                byte[] changed = new byte[OWN_PAGE_BYTES];
                edits.nextBytes(changed);
                edited.put("pages/page-" + (release % OWN_PAGES) + ".bin", changed);
                String marker = "release " + release + " of " + RELEASES;
                edited.put("index.html", DeployBenchmark.index(marker));
                seriesBytes += edited.values().stream().mapToLong(bytes -> bytes.length).sum();
                long start = System.nanoTime();
                ApiCalls.Answer answer = api.upload(token, series, Archives.tarGz(edited), "application/gzip");
                if (answer.status() != 202) {
                    throw new IllegalStateException("upload refused: " + answer);
                }
                stack.awaitSite(series, "/", response -> response.status() == 200 && response.text().contains(marker), SERVED_TIMEOUT);
                seriesMillis.add((System.nanoTime() - start) / 1e6);
            }
            long seriesStored = storeBytes(stack) - seriesBefore;
            double seriesDedup = (double) seriesBytes / seriesStored;
            String loadAfter = BenchSupport.loadAverage();

            StringBuilder table = new StringBuilder();
            table.append(String.format("Berth content store benchmark: %d sites sharing a %.2f MB theme (%d files), %d own pages each;"
                            + " %d cpus; load %s -> %s%n", sites, theme.values().stream().mapToLong(b -> b.length).sum() / 1e6,
                    theme.size(), OWN_PAGES + 1, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("%-62s %14d%n", "sum of the releases' bytes", releaseBytes));
            table.append(String.format("%-62s %14d%n", "sum of the uploaded tar.gz archives", archiveBytes));
            table.append(String.format("%-62s %14d%n", "content store (distinct file bytes)", stored));
            table.append(String.format("%-62s %13.2fx%n", "deduplication: releases / store", dedup));
            table.append(String.format("%-62s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            DeployBenchmark.row(table, "upload (tar.gz, stored) -> served through nginx", uploadMillis);
            DeployBenchmark.row(table, "floor: copy files + plain nginx -s reload -> served", floorMillis);
            table.append(String.format("upload p50 / floor p50: %.1fx%n", percentile(uploadMillis, 50) / percentile(floorMillis, 50)));
            table.append(String.format("%n%d releases of one site, one page changed in each (all kept):%n", RELEASES));
            table.append(String.format("%-62s %14d%n", "full copies (sum of the releases' bytes)", seriesBytes));
            table.append(String.format("%-62s %14d%n", "content store growth (distinct file bytes)", seriesStored));
            table.append(String.format("%-62s %13.2fx%n", "deduplication: full copies / store", seriesDedup));
            table.append(String.format("%-62s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            DeployBenchmark.row(table, "upload of the next release -> served through nginx", seriesMillis);

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("sites", sites);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("releaseBytes", releaseBytes);
            json.put("archiveBytes", archiveBytes);
            json.put("storeBytes", stored);
            json.put("deduplicationRatio", dedup);
            json.put("uploadToServed", BenchSupport.summary(uploadMillis));
            json.put("floorCopyReloadToServed", BenchSupport.summary(floorMillis));
            json.put("releases", RELEASES);
            json.put("releasesFullCopyBytes", seriesBytes);
            json.put("releasesStoreBytes", seriesStored);
            json.put("releasesDeduplicationRatio", seriesDedup);
            json.put("releaseUploadToServed", BenchSupport.summary(seriesMillis));
            json.put("figures", List.of(
                    BenchSupport.figure(RELEASES + " near-identical releases of one site: content store growth", seriesStored, "B",
                            null, null, RELEASES + " full copies", seriesBytes,
                            String.format("%.1fx smaller than full copies", seriesDedup)),
                    BenchSupport.figure(sites + " sites sharing a theme: content store growth", stored, "B", null, null,
                            "sum of the releases", releaseBytes, String.format("%.1fx smaller", dedup)),
                    BenchSupport.figure("upload -> served through nginx, p50", percentile(uploadMillis, 50), "ms", null, null,
                            "copy files + plain nginx -s reload, p50", percentile(floorMillis, 50), null)));
            BenchSupport.report(table.toString(), json, "target/bench/content.json");
        } finally {
            HostCleanup.deleteTree(work);
        }
    }

    /** The shared theme: incompressible assets (fonts, images) and a stylesheet. */
    private static Map<String, byte[]> theme(long seed) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Random random = new Random(seed);
        for (int index = 0; index < THEME_FILES; index++) {
            byte[] bytes = new byte[THEME_FILE_BYTES];
            random.nextBytes(bytes);
            files.put("theme/asset-" + index + ".bin", bytes);
        }
        files.put("theme/theme.css", ("body { font-family: serif; color: #" + seed + "22 }\n").repeat(200).getBytes(StandardCharsets.UTF_8));
        return files;
    }

    /** The API's {@code berth_content_store_bytes}, read from its /prometheus on the admin connector. */
    private static long storeBytes(StackProcess stack) throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + stack.api().adminPort() + "/prometheus")).GET().build(), HttpResponse.BodyHandlers.ofString());
        return metrics.body().lines().filter(line -> line.startsWith("berth_content_store_bytes "))
                .map(line -> (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim()))
                .findFirst().orElseThrow(() -> new IllegalStateException("the API reports no berth_content_store_bytes"));
    }
}
