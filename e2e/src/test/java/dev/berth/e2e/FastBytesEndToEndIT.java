package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.Archives;
import dev.berth.testkit.SiteHttp;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a browser gets from a site through the real stack (hostd as root, runc, lighttpd in the
 * container, hostd's nginx): text compressed with gzip or Brotli as the client accepts, images
 * as they are; ETag and Last-Modified with 304 answers to revalidations; Range requests; the
 * default Cache-Control (immutable for fingerprinted assets, revalidated for the rest) and a
 * site's own from its {@code _headers}.
 */
class FastBytesEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";
    private static final String REVALIDATE = "public, max-age=0, must-revalidate";

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin("admin@berth.localhost", "admin-password-for-fast-bytes-tests")
            .name("bytes-e2e")
            .build();

    private static SiteHttp.Response get(String site, String path, Map<String, String> headers) throws Exception {
        return SiteHttp.get("127.0.0.1", STACK.proxyPort(), site + ".localhost", path, headers);
    }

    private static String page(String site) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><head><title>" + site + "</title></head><body>\n");
        for (int line = 0; line < 200; line++) {
            html.append("<p class=\"entry\">Entry ").append(line).append(" of the release of ").append(site).append(".</p>\n");
        }
        return html.append("</body></html>\n").toString();
    }

    private static byte[] gunzip(byte[] body) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }

    @Test
    void textIsCompressedImagesAreNotRevalidationsAre304RangesArePartialAndCachingFollowsFingerprints() throws Exception {
        ApiCalls api = STACK.calls();
        String token = api.signUpAndLogIn("bea-" + STACK.prefix() + "@example.com", "correct horse battery staple", "bea" + STACK.prefix());
        String site = STACK.uniqueSiteName("bytes");
        assertThat(STACK.createSite(token, site).status()).isEqualTo(201);
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);

        String html = page(site);
        String script = "export function entry(n) { return 'entry ' + n; }\n".repeat(100);
        byte[] image = new byte[20_000];
        new Random(7).nextBytes(image);
        Map<String, byte[]> files = new LinkedHashMap<>(Archives.texts(Map.of(
                "index.html", html,
                "app.3f2a9c1b.js", script,
                "assets/index-Dk3aZ9qB.css", "body { margin: 0; color: #222; }\n".repeat(40),
                "custom/page.html", html)));
        files.put("logo.png", image);
        ApiCalls.Answer deployed = api.upload(token, site, Archives.zip(files), "application/zip");
        assertThat(deployed.status()).as(deployed.toString()).isEqualTo(202);
        STACK.awaitSite(site, "/", response -> response.text().contains("Entry 199 of the release of " + site), CONVERGE);

        // Identity: the file's bytes, a strong ETag, Last-Modified, revalidated on each use.
        SiteHttp.Response plain = get(site, "/", Map.of());
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("Content-Encoding")).isNull();
        assertThat(plain.text()).isEqualTo(html);
        String etag = plain.header("ETag");
        assertThat(etag).as(plain.toString()).startsWith("\"");
        assertThat(plain.header("Last-Modified")).isNotNull();
        assertThat(plain.header("Cache-Control")).isEqualTo(REVALIDATE);

        // Compressed copies, made by hostd after the release is installed and served as they are:
        // a strong ETag of their own and a length, unlike nginx's compression on the fly.
        SiteHttp.Response brotli = STACK.awaitSite(site, "/", response -> "br".equals(response.header("Content-Encoding"))
                && response.header("Content-Length") != null, CONVERGE, Map.of("Accept-Encoding", "gzip;q=0.5, br"));
        assertThat(brotli.header("ETag")).startsWith("\"").isNotEqualTo(etag);
        assertThat(brotli.header("Content-Type")).startsWith("text/html");
        assertThat(brotli.header("Vary")).containsIgnoringCase("Accept-Encoding");
        assertThat(brotli.header("Cache-Control")).isEqualTo(REVALIDATE);
        SiteHttp.Response gzip = get(site, "/", Map.of("Accept-Encoding", "gzip, br;q=0"));
        assertThat(gzip.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(gzip.header("Content-Type")).startsWith("text/html");
        assertThat(new String(gunzip(gzip.body()), StandardCharsets.UTF_8)).isEqualTo(html);
        assertThat(gzip.body().length).isLessThan(html.length() / 5);
        assertThat(brotli.body().length).isLessThan(gzip.body().length);
        assertThat(get(site, "/index.html", Map.of("Accept-Encoding", "gzip")).body()).isEqualTo(gzip.body());

        // Revalidations: 304 without a body, for the identity and the compressed representation.
        SiteHttp.Response unchanged = get(site, "/", Map.of("If-None-Match", etag));
        assertThat(unchanged.status()).as(unchanged.toString()).isEqualTo(304);
        assertThat(unchanged.body()).isEmpty();
        assertThat(unchanged.header("Cache-Control")).isEqualTo(REVALIDATE);
        SiteHttp.Response unchangedGzip = get(site, "/", Map.of("Accept-Encoding", "gzip", "If-None-Match", gzip.header("ETag")));
        assertThat(unchangedGzip.status()).as(unchangedGzip.toString()).isEqualTo(304);
        assertThat(unchangedGzip.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(get(site, "/", Map.of("Accept-Encoding", "br", "If-None-Match", gzip.header("ETag"))).status())
                .as("another representation's ETag").isEqualTo(200);
        assertThat(get(site, "/missing.html", Map.of("Accept-Encoding", "br")).status()).isEqualTo(404);
        SiteHttp.Response since = get(site, "/", Map.of("If-Modified-Since", plain.header("Last-Modified")));
        assertThat(since.status()).isEqualTo(304);

        // Images pass as they are, whatever the client accepts.
        SiteHttp.Response logo = get(site, "/logo.png", Map.of("Accept-Encoding", "gzip, br"));
        assertThat(logo.header("Content-Type")).isEqualTo("image/png");
        assertThat(logo.header("Content-Encoding")).isNull();
        assertThat(logo.body()).isEqualTo(image);

        // Range: the asked bytes only, never compressed.
        SiteHttp.Response range = get(site, "/logo.png", Map.of("Range", "bytes=100-199", "Accept-Encoding", "gzip"));
        assertThat(range.status()).as(range.toString()).isEqualTo(206);
        assertThat(range.header("Content-Range")).isEqualTo("bytes 100-199/20000");
        assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(image, 100, 200));
        SiteHttp.Response textRange = get(site, "/index.html", Map.of("Range", "bytes=0-9", "Accept-Encoding", "gzip"));
        assertThat(textRange.status()).isEqualTo(206);
        assertThat(textRange.header("Content-Encoding")).isNull();
        assertThat(textRange.text()).isEqualTo(html.substring(0, 10));

        // Caching: fingerprinted names (webpack's hex, Vite's /assets/ hash) are immutable; a
        // site's _headers replaces the default.
        SiteHttp.Response fingerprinted = get(site, "/app.3f2a9c1b.js", Map.of("Accept-Encoding", "gzip"));
        assertThat(fingerprinted.header("Content-Type")).startsWith("text/javascript");
        assertThat(fingerprinted.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(fingerprinted.header("Cache-Control")).isEqualTo(IMMUTABLE);
        assertThat(get(site, "/assets/index-Dk3aZ9qB.css", Map.of()).header("Cache-Control")).isEqualTo(IMMUTABLE);
        assertThat(get(site, "/logo.png", Map.of()).header("Cache-Control")).isEqualTo(REVALIDATE);
        assertThat(get(site, "/no/such/page", Map.of()).header("Cache-Control")).as("no default on a 404").isNull();

        // The same with serving rules (the proxy's other path): a site's _headers replaces the default.
        files.put("_headers", Archives.utf8("/custom/*\n  Cache-Control: no-store\n"));
        ApiCalls.Answer withRules = api.upload(token, site, Archives.zip(files), "application/zip");
        assertThat(withRules.status()).as(withRules.toString()).isEqualTo(202);
        STACK.awaitSite(site, "/custom/page.html", response -> "no-store".equals(response.header("Cache-Control")), CONVERGE);
        assertThat(get(site, "/app.3f2a9c1b.js", Map.of()).header("Cache-Control")).isEqualTo(IMMUTABLE);
        assertThat(get(site, "/", Map.of()).header("Cache-Control")).isEqualTo(REVALIDATE);
        // A site with rules is served from the copies too, once hostd made them: a strong ETag and a
        // length (the copy's), the rules' headers on it.
        SiteHttp.Response custom = STACK.awaitSite(site, "/custom/page.html", response -> "gzip".equals(response.header("Content-Encoding"))
                && response.header("Content-Length") != null, CONVERGE, Map.of("Accept-Encoding", "gzip"));
        assertThat(custom.status()).isEqualTo(200);
        assertThat(custom.header("Cache-Control")).isEqualTo("no-store");
        assertThat(custom.header("Content-Type")).startsWith("text/html");
        assertThat(custom.header("ETag")).as("the copy's, not nginx's weak one").startsWith("\"");
        assertThat(new String(gunzip(custom.body()), StandardCharsets.UTF_8)).isEqualTo(html);
        SiteHttp.Response brotliRoot = get(site, "/", Map.of("Accept-Encoding", "br"));
        assertThat(brotliRoot.header("Content-Encoding")).isEqualTo("br");
        assertThat(brotliRoot.body()).isEqualTo(brotli.body());
        assertThat(get(site, "/index.html", Map.of("Accept-Encoding", "gzip", "Range", "bytes=0-9")).text())
                .as("a range: the file as it is").isEqualTo(html.substring(0, 10));
        assertThat(get(site, "/logo.png", Map.of("Accept-Encoding", "gzip, br")).body()).isEqualTo(image);
        SiteHttp.Response missing = get(site, "/no/such/page", Map.of("Accept-Encoding", "br"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("Cache-Control")).as("no default on a 404").isNull();
    }
}
