package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;

import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.Archives;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Bytes on the wire and time to last byte of a typical site, as a browser loads it, through the
 * real stack on its default configuration (hostd's nginx in front of the site's lighttpd). The
 * site: five HTML pages (the project's own documents as pages), the portal's production
 * JavaScript and CSS bundles (real minified code, fingerprinted names), four photographs' worth of
 * incompressible image bytes and a web font. One page load fetches the page and every asset, each
 * on a new connection, one after another. Measured in the same run, on the same site:
 * <ul>
 *   <li>before: {@code Accept-Encoding: identity} (what every client got before compression);</li>
 *   <li>gzip and Brotli: the same load accepting each encoding, served from the compressed copies
 *       hostd makes once after the release is installed;</li>
 *   <li>gzip and Brotli on the fly: the same files on a second site, asked for as {@code /fly/NAME},
 *       which its {@code _redirects} rewrites to {@code /NAME} (200): a rewrite's target is a later
 *       candidate of the serving-rules path, which nginx compresses itself (the copies serve a
 *       path's first candidate only);</li>
 *   <li>revisit: a browser with the first visit cached (Brotli): fingerprinted assets are not
 *       asked for at all ({@code immutable}), the rest is revalidated with its ETag (304).</li>
 * </ul>
 * Loopback has no bandwidth limit, so the time to last byte here is the servers' work; the
 * transfer time on a 10 Mbit/s link is the bytes on the wire computed at that rate.
 * Writes target/bench/fastbytes.json and fastbytes.txt.
 *
 * <p>{@code mvn -B -pl e2e -Pbench-main -DskipTests verify -Dberth.bench.main=FastBytesBenchmark [-Dberth.bench.args=30]}
 */
public final class FastBytesBenchmark {
    private static final Duration SERVED_TIMEOUT = Duration.ofSeconds(60);
    private static final double LINK_BITS_PER_SECOND = 10e6;

    private FastBytesBenchmark() {
    }

    /** One answer as read from the socket: every byte (head and body), its status and head, and the time to its last byte. */
    record Wire(int status, String head, long bytes, double millis) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        int loads = BenchSupport.countArgument(args, 30);
        BenchSupport.requireStack("FastBytesBenchmark");
        Map<String, byte[]> files = site();
        try (StackProcess stack = StackProcess.builder()
                .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                .defaultQuota("apiRequestsPerMinute", 1_000_000)
                .name("bytes-bench")
                .build()) {
            stack.start();
            String loadBefore = BenchSupport.loadAverage();
            ApiCalls api = stack.calls();
            String token = BenchSupport.benchTenant(stack);
            String site = BenchSupport.servingSite(stack, token, "bytes", SERVED_TIMEOUT);
            ApiCalls.Answer answer = api.upload(token, site, Archives.tarGz(files), "application/gzip");
            if (answer.status() != 202) {
                throw new IllegalStateException("upload refused: " + answer);
            }
            String script = files.keySet().stream().filter(name -> name.endsWith(".js")).findFirst().orElseThrow();
            // The copies exist for the whole release at once: the bundle's Brotli copy answers with a length.
            stack.awaitSite(site, "/" + script, response -> "br".equals(response.header("Content-Encoding"))
                    && response.header("Content-Length") != null, SERVED_TIMEOUT, Map.of("Accept-Encoding", "br"));
            String onTheFly = BenchSupport.servingSite(stack, token, "fly", SERVED_TIMEOUT);
            Map<String, byte[]> withRules = new LinkedHashMap<>(files);
            withRules.put("_headers", "/*\n  X-Bench: on-the-fly\n".getBytes(StandardCharsets.UTF_8));
            withRules.put("_redirects", "/fly/*  /:splat  200\n".getBytes(StandardCharsets.UTF_8));
            answer = api.upload(token, onTheFly, Archives.tarGz(withRules), "application/gzip");
            if (answer.status() != 202) {
                throw new IllegalStateException("upload refused: " + answer);
            }
            stack.awaitSite(onTheFly, "/", response -> "on-the-fly".equals(response.header("X-Bench")), SERVED_TIMEOUT);
            String host = site + ".localhost";
            int port = stack.proxyPort();
            List<String> paths = files.keySet().stream().map(name -> "/" + name).toList();

            Map<String, Phase> phases = new LinkedHashMap<>();
            for (String encoding : List.of("identity", "gzip", "br")) {
                phases.put(encoding, load(host, port, paths, encoding, loads, null));
            }
            List<String> flyPaths = paths.stream().map(path -> "/fly" + path).toList();
            for (String encoding : List.of("gzip", "br")) {
                phases.put(encoding + "-fly", load(onTheFly + ".localhost", port, flyPaths, encoding, loads, null));
            }
            // The first visit as the browser cached it: each answer's validators and caching.
            Map<String, Wire> cached = new LinkedHashMap<>();
            for (String path : paths) {
                cached.put(path, fetch(host, port, path, Map.of("Accept-Encoding", "br")));
            }
            phases.put("revisit", load(host, port, paths, "br", loads, cached));
            String loadAfter = BenchSupport.loadAverage();

            long sourceBytes = files.values().stream().mapToLong(bytes -> bytes.length).sum();
            Phase before = phases.get("identity");
            StringBuilder table = new StringBuilder();
            table.append(String.format("Berth fast bytes benchmark: a typical site of %d files, %d bytes (%d pages, JS and CSS bundles,"
                            + " images, a font), %d page loads per phase, each file on a new connection; %d cpus; load %s -> %s%n",
                    files.size(), sourceBytes, 5, loads, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
            table.append(String.format("%-34s %8s %14s %10s %12s %12s %14s%n", "page load", "requests", "bytes on wire", "vs before",
                    "TTLB p50 ms", "TTLB p95 ms", "10 Mbit/s ms"));
            for (Map.Entry<String, Phase> entry : phases.entrySet()) {
                Phase phase = entry.getValue();
                table.append(String.format("%-34s %8d %14d %9.2fx %12.1f %12.1f %14.0f%n", label(entry.getKey()), phase.requests,
                        phase.bytes, (double) before.bytes / phase.bytes, percentile(phase.millis, 50), percentile(phase.millis, 95),
                        phase.bytes * 8 / LINK_BITS_PER_SECOND * 1000));
            }
            table.append("per file, first visit (bytes on wire: identity -> br; Cache-Control):\n");
            for (String path : paths) {
                Wire identity = fetch(host, port, path, Map.of("Accept-Encoding", "identity"));
                Wire brotli = cached.get(path);
                table.append(String.format("  %-40s %9d -> %9d  %s%n", path, identity.bytes, brotli.bytes, brotli.header("Cache-Control")));
            }

            Map<String, Object> json = new LinkedHashMap<>();
            json.put("files", files.size());
            json.put("sourceBytes", sourceBytes);
            json.put("loads", loads);
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            Map<String, Object> byPhase = new LinkedHashMap<>();
            phases.forEach((name, phase) -> byPhase.put(name, Map.of("requests", phase.requests, "bytesOnWire", phase.bytes,
                    "timeToLastByte", BenchSupport.summary(phase.millis))));
            json.put("phases", byPhase);
            Phase gzip = phases.get("gzip");
            Phase brotli = phases.get("br");
            Phase revisit = phases.get("revisit");
            Phase brotliFly = phases.get("br-fly");
            json.put("figures", List.of(
                    BenchSupport.figure("typical site, first visit: bytes on the wire (Brotli)", brotli.bytes, "B", null, null,
                            "uncompressed (identity)", before.bytes, String.format("%.2fx fewer", (double) before.bytes / brotli.bytes)),
                    BenchSupport.figure("typical site, first visit: bytes on the wire (gzip)", gzip.bytes, "B", null, null,
                            "uncompressed (identity)", before.bytes, String.format("%.2fx fewer", (double) before.bytes / gzip.bytes)),
                    BenchSupport.figure("typical site, revisit: bytes on the wire", revisit.bytes, "B", null, null,
                            "uncompressed first visit", before.bytes, String.format("%.1fx fewer, %d requests instead of %d",
                                    (double) before.bytes / revisit.bytes, revisit.requests, before.requests)),
                    BenchSupport.figure("typical site, first visit: time to last byte on loopback, p50 (Brotli copies)",
                            percentile(brotli.millis, 50), "ms", null, null, "uncompressed, p50", percentile(before.millis, 50),
                            "loopback: the servers' work only; on a 10 Mbit/s link the bytes dominate"),
                    BenchSupport.figure("typical site, first visit: time to last byte on loopback, p50 (Brotli on the fly)",
                            percentile(brotliFly.millis, 50), "ms", null, null, "Brotli copies, p50", percentile(brotli.millis, 50),
                            String.format("%.0f B on the wire on the fly vs %d B from the copies", (double) brotliFly.bytes, brotli.bytes))));
            BenchSupport.report(table.toString(), json, "target/bench/fastbytes.json");
        }
    }

    private static String label(String phase) {
        return switch (phase) {
            case "identity" -> "before: uncompressed (identity)";
            case "gzip" -> "gzip (copies)";
            case "br" -> "Brotli (copies)";
            case "gzip-fly" -> "gzip on the fly (nginx, level 5)";
            case "br-fly" -> "Brotli on the fly (nginx, level 5)";
            default -> "revisit (cached, Brotli)";
        };
    }

    /** Bytes and time of {@code loads} page loads. */
    private record Phase(int requests, long bytes, List<Double> millis) {
    }

    /**
     * {@code loads} page loads accepting {@code encoding}; with {@code cached}, as a browser that
     * holds the first visit: an immutable answer is not asked for, the others are revalidated.
     */
    private static Phase load(String host, int port, List<String> paths, String encoding, int loads, Map<String, Wire> cached)
            throws IOException {
        List<Double> millis = new ArrayList<>();
        long bytes = 0;
        int requests = 0;
        for (int round = 0; round < loads + 1; round++) {
            long roundBytes = 0;
            int roundRequests = 0;
            long start = System.nanoTime();
            for (String path : paths) {
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Accept-Encoding", encoding);
                if (cached != null) {
                    Wire first = cached.get(path);
                    String caching = first.header("Cache-Control");
                    if (caching != null && caching.contains("immutable")) {
                        continue;
                    }
                    if (first.header("ETag") != null) {
                        headers.put("If-None-Match", first.header("ETag"));
                    }
                }
                Wire wire = fetch(host, port, path, headers);
                int expected = cached == null ? 200 : 304;
                if (wire.status != expected) {
                    throw new IllegalStateException(path + " answered " + wire.status + ", want " + expected + ":\n" + wire.head);
                }
                if (cached == null && !encoding.equals("identity") && isText(path) && !encoding.equals(wire.header("Content-Encoding"))) {
                    throw new IllegalStateException(path + " was not compressed with " + encoding + ":\n" + wire.head);
                }
                roundBytes += wire.bytes;
                roundRequests++;
            }
            if (round > 0) { // the first round warms the connections' paths and caches up
                millis.add((System.nanoTime() - start) / 1e6);
                bytes = roundBytes;
                requests = roundRequests;
            }
        }
        return new Phase(requests, bytes, millis);
    }

    private static boolean isText(String path) {
        return Stream.of(".html", ".css", ".js").anyMatch(path::endsWith);
    }

    /** One GET on a new connection, every byte of the answer read to the server's close. */
    static Wire fetch(String host, int port, String path, Map<String, String> headers) throws IOException {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 3000);
            socket.setSoTimeout(15_000);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            double millis = (System.nanoTime() - start) / 1e6;
            String text = answer.toString(StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            String head = headEnd < 0 ? text : text.substring(0, headEnd);
            int status = Integer.parseInt(head.substring(9, 12));
            return new Wire(status, head, answer.size(), millis);
        }
    }

    /**
     * The typical site: five pages made of the project's documents, the portal's production
     * bundles under fingerprinted names, images and a font (incompressible bytes, as JPEG, PNG and
     * WOFF2 are), all linked from every page.
     */
    static Map<String, byte[]> site() throws IOException {
        Path root = Path.of(System.getProperty("berth.project.root", "..")).toAbsolutePath().normalize();
        Path assets = root.resolve("portal/target/classes/portal/assets");
        Path script;
        Path style;
        try (Stream<Path> listed = Files.list(assets)) {
            List<Path> bundles = listed.sorted().toList();
            script = bundles.stream().filter(path -> path.toString().endsWith(".js")).findFirst().orElseThrow();
            style = bundles.stream().filter(path -> path.toString().endsWith(".css")).findFirst().orElseThrow();
        } catch (IOException | java.util.NoSuchElementException e) {
            throw new IllegalStateException("the portal's bundles are missing under " + assets.toAbsolutePath() + ": run make build first", e);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<String> documents = List.of("README.md", "docs/architecture.md", "docs/operations.md", "docs/api.md", "docs/security.md");
        String[] pages = {"index.html", "architecture.html", "operations.html", "api.html", "security.html"};
        String scriptName = "assets/" + script.getFileName();
        String styleName = "assets/" + style.getFileName();
        List<String> images = List.of("images/hero.8c41f2ab.jpg", "images/team.jpg", "images/map.png", "images/logo.png");
        for (int index = 0; index < pages.length; index++) {
            String markdown = Files.readString(root.resolve(documents.get(index)));
            StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                    .append("<title>Berth bench page ").append(index).append("</title>\n")
                    .append("<link rel=\"stylesheet\" href=\"/").append(styleName).append("\">\n")
                    .append("<script type=\"module\" src=\"/").append(scriptName).append("\"></script>\n</head><body>\n")
                    .append("<header><nav>");
            for (String page : pages) {
                html.append("<a href=\"/").append(page).append("\">").append(page).append("</a> ");
            }
            html.append("</nav><h1>Berth bench page ").append(index).append("</h1></header>\n<main>\n");
            for (String paragraph : markdown.split("\n\n")) {
                html.append("<p>").append(paragraph.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")).append("</p>\n");
            }
            for (String image : images) {
                html.append("<img src=\"/").append(image).append("\" alt=\"\">\n");
            }
            files.put(pages[index], html.append("</main></body></html>\n").toString().getBytes(StandardCharsets.UTF_8));
        }
        files.put(scriptName, Files.readAllBytes(script));
        files.put(styleName, Files.readAllBytes(style));
        Random random = new Random(16);
        int[] imageBytes = {180_000, 120_000, 90_000, 12_000};
        for (int index = 0; index < images.size(); index++) {
            byte[] bytes = new byte[imageBytes[index]];
            random.nextBytes(bytes);
            files.put(images.get(index), bytes);
        }
        byte[] font = new byte[40_000];
        random.nextBytes(font);
        files.put("fonts/body.woff2", font);
        return files;
    }
}
