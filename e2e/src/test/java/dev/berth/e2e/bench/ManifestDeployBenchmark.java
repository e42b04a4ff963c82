package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.Archives;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Redeploying a large site with one changed file, on the real stack as a user drives it: a site of
 * N MiB (argument, default 100) of incompressible 256 KiB files and an index page is deployed, then
 * redeployed {@value #ROUNDS} times with only the index page changed, alternately as a whole
 * tar.gz upload (the baseline) and by manifest (the manifest, then the one file the platform lacks).
 * Reports bytes sent by the client and redeploy -> changed page served through nginx for both, the
 * manifest's time including hashing the site on the client. Runs as root, writes
 * target/bench/manifest.json and manifest.txt.
 *
 * <p>{@code mvn -B -pl e2e -Pbench-main -DskipTests verify -Dberth.bench.main=ManifestDeployBenchmark [-Dberth.bench.args=100]}
 */
public final class ManifestDeployBenchmark {
    private static final Duration SERVED_TIMEOUT = Duration.ofMinutes(3);
    private static final int FILE_BYTES = 256 * 1024;
    private static final int ROUNDS = 5;

    private ManifestDeployBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = BenchSupport.sizeArgument(args, 100, 1024);
        BenchSupport.requireStack("ManifestDeployBenchmark");
        Map<String, byte[]> files = new LinkedHashMap<>();
        Random random = new Random(11);
        for (int index = 0; index < mib * 4; index++) {
            byte[] bytes = new byte[FILE_BYTES];
            random.nextBytes(bytes);
            files.put("media/file-" + index + ".bin", bytes);
        }
        long siteBytes = files.values().stream().mapToLong(bytes -> bytes.length).sum();
        try (StackProcess stack = StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                .defaultQuota("diskMib", Math.max(1024, mib * 10))
                .defaultQuota("maxUploadMib", Math.max(200, mib * 2))
                .name("manifest-bench")
                .build()) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String token = BenchSupport.benchTenant(stack);
            String site = BenchSupport.servingSite(stack, token, "big", SERVED_TIMEOUT);
            // The first deploy fills the content store; both ways redeploy from there.
            files.put("index.html", DeployBenchmark.index("first"));
            upload(stack, api, token, site, files, "first");

            List<Double> uploadMillis = new ArrayList<>();
            List<Double> manifestMillis = new ArrayList<>();
            List<Double> hashMillis = new ArrayList<>();
            long uploadSent = 0;
            long manifestSent = 0;
            int manifestFilesSent = 0;
            for (int round = 0; round < ROUNDS; round++) {
                String marker = "upload " + round;
                files.put("index.html", DeployBenchmark.index(marker));
                long start = System.nanoTime();
                uploadSent += upload(stack, api, token, site, files, marker);
                uploadMillis.add((System.nanoTime() - start) / 1e6);

                marker = "manifest " + round;
                files.put("index.html", DeployBenchmark.index(marker));
                start = System.nanoTime();
                Map<String, byte[]> byDigest = new LinkedHashMap<>();
                StringBuilder manifest = new StringBuilder("{\"files\":[");
                for (Map.Entry<String, byte[]> file : files.entrySet()) {
                    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file.getValue()));
                    byDigest.put(digest, file.getValue());
                    manifest.append(manifest.length() > 10 ? "," : "").append("{\"path\":\"").append(file.getKey())
                            .append("\",\"sha256\":\"").append(digest).append("\"}");
                }
                manifest.append("]}");
                hashMillis.add((System.nanoTime() - start) / 1e6);
                ApiCalls.Answer created = api.json("POST", "/sites/" + site + "/deploys/manifest", token, manifest.toString());
                if (created.status() != 202) {
                    throw new IllegalStateException("manifest refused: " + created);
                }
                manifestSent += manifest.length();
                for (JsonNode digest : created.json().path("required")) {
                    byte[] bytes = byDigest.get(digest.asText());
                    ApiCalls.Answer put = api.send("PUT", "/sites/" + site + "/deploys/" + created.json().get("id").asText() + "/files/"
                            + digest.asText(), token, bytes, "application/octet-stream", Map.of());
                    if (put.status() != 200) {
                        throw new IllegalStateException("file refused: " + put);
                    }
                    manifestSent += bytes.length;
                    manifestFilesSent++;
                }
                String served = marker;
                stack.awaitSite(site, "/", response -> response.status() == 200 && response.text().contains(served), SERVED_TIMEOUT);
                manifestMillis.add((System.nanoTime() - start) / 1e6);
            }
            String loadAfter = BenchSupport.loadAverage();

            StringBuilder table = new StringBuilder();
            table.append(String.format("Berth deploy-by-manifest benchmark: a %d MiB site (%d files), redeployed %d times each way with"
                    + " only index.html changed; %d cpus; load %s -> %s%n", mib, files.size(), ROUNDS,
                    Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("%-62s %14d%n", "bytes sent per redeploy, whole tar.gz upload (baseline)", uploadSent / ROUNDS));
            table.append(String.format("%-62s %14d%n", "bytes sent per redeploy, by manifest (manifest + files)", manifestSent / ROUNDS));
            table.append(String.format("%-62s %14.1f%n", "files uploaded per redeploy by manifest", (double) manifestFilesSent / ROUNDS));
            table.append(String.format("%-62s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "max ms"));
            DeployBenchmark.row(table, "baseline: tar.gz upload -> changed page served", uploadMillis);
            DeployBenchmark.row(table, "by manifest (hashing included) -> changed page served", manifestMillis);
            DeployBenchmark.row(table, "  of which hashing the site on the client", hashMillis);
            table.append(String.format("by manifest / upload: bytes %.5f, time p50 %.2f%n", (double) manifestSent / uploadSent,
                    percentile(manifestMillis, 50) / percentile(uploadMillis, 50)));

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("siteMib", mib);
            json.put("siteBytes", siteBytes);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("uploadBytesPerRedeploy", uploadSent / ROUNDS);
            json.put("manifestBytesPerRedeploy", manifestSent / ROUNDS);
            json.put("manifestFilesPerRedeploy", (double) manifestFilesSent / ROUNDS);
            json.put("uploadToServed", BenchSupport.summary(uploadMillis));
            json.put("manifestToServed", BenchSupport.summary(manifestMillis));
            json.put("clientHashing", BenchSupport.summary(hashMillis));
            double perRedeploy = (double) manifestFilesSent / ROUNDS;
            json.put("figures", List.of(
                    BenchSupport.figure("redeploy of a " + mib + " MiB site with one file changed: bytes sent by manifest",
                            manifestSent / ROUNDS, "B",
                            "one file (the changed one)", perRedeploy == 1.0, "whole tar.gz upload (baseline)", uploadSent / ROUNDS,
                            perRedeploy + " files uploaded per redeploy"),
                    BenchSupport.figure("redeploy by manifest -> changed page served, p50 (client hashing included)",
                            percentile(manifestMillis, 50),
                            "ms", null, null, "whole tar.gz upload -> served (baseline)", percentile(uploadMillis, 50),
                            "client hashing p50 " + BenchSupport.round(percentile(hashMillis, 50)) + " ms")));
            BenchSupport.report(table.toString(), json, "target/bench/manifest.json");
        }
    }

    /** Uploads {@code files} as one tar.gz and waits until the page carries {@code marker}; returns the bytes sent. */
    private static long upload(StackProcess stack, ApiCalls api, String token, String site, Map<String, byte[]> files, String marker)
            throws Exception {
        byte[] archive = Archives.tarGz(files);
        ApiCalls.Answer answer = api.upload(token, site, archive, "application/gzip");
        if (answer.status() != 202) {
            throw new IllegalStateException("upload refused: " + answer);
        }
        stack.awaitSite(site, "/", response -> response.status() == 200 && response.text().contains(marker), SERVED_TIMEOUT);
        return archive.length;
    }
}
