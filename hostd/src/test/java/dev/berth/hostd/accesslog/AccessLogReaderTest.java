package dev.berth.hostd.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.hostprotocol.AccessLogEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tail and request counting on real files written the way nginx's berth_json format writes them. */
class AccessLogReaderTest {
    @TempDir
    Path logs;

    private final UUID site = UUID.randomUUID();

    private AccessLogReader reader() {
        return new AccessLogReader(id -> logs.resolve(id + ".access.json"));
    }

    private static String line(int n) {
        return "{\"time\":\"2026-11-29T04:00:%02d+00:00\",\"host\":\"alpha.localhost\",\"remoteAddress\":\"127.0.0.1\",\"method\":\"GET\","
                .formatted(n % 60)
                + "\"uri\":\"/page-" + n + "?q=\\\"x\\\"\",\"status\":200,\"bytesSent\":" + (100 + n) + ",\"requestSeconds\":0.002,"
                + "\"upstreamAddress\":\"10.1.1.5:80\",\"upstreamSeconds\":\"0.001\",\"userAgent\":\"curl/7.88\"}\n";
    }

    private void append(String text) throws IOException {
        Files.writeString(logs.resolve(site + ".access.json"), text, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void tailReturnsTheLastLinesNewestFirstParsed() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 30; i++) {
            text.append(line(i));
        }
        append(text.toString());
        List<AccessLogEntry> entries = reader().tail(site, 5);
        assertThat(entries).extracting(AccessLogEntry::uri)
                .containsExactly("/page-30?q=\"x\"", "/page-29?q=\"x\"", "/page-28?q=\"x\"", "/page-27?q=\"x\"", "/page-26?q=\"x\"");
        assertThat(entries.get(0).status()).isEqualTo(200);
        assertThat(entries.get(0).bytesSent()).isEqualTo(130);
        assertThat(entries.get(0).userAgent()).isEqualTo("curl/7.88");
        assertThat(reader().tail(site, 200)).hasSize(30);
    }

    @Test
    void aLineStillBeingWrittenAndDamagedLinesAreSkipped() throws IOException {
        append(line(1) + "not json at all\n" + line(2) + "{\"time\":\"2026-11-29T04:00:03+00:00\",\"uri\":\"/half");
        assertThat(reader().tail(site, 10)).extracting(AccessLogEntry::uri)
                .containsExactly("/page-2?q=\"x\"", "/page-1?q=\"x\"");
    }

    @Test
    void tailLooksNoFurtherBackThanItsWindowAndAcrossChunks() throws IOException {
        StringBuilder text = new StringBuilder();
        int count = 0;
        while (text.length() < AccessLogReader.MAX_TAIL_BYTES + 100_000) {
            text.append(line(++count));
        }
        append(text.toString());
        List<AccessLogEntry> entries = reader().tail(site, 200);
        assertThat(entries).hasSize(200);
        assertThat(entries.get(0).uri()).startsWith("/page-" + count + "?");
        assertThat(entries.get(199).uri()).startsWith("/page-" + (count - 199) + "?");
    }

    @Test
    void aSiteWithoutALogHasNoEntriesAndBadLineCountsAreRefused() throws IOException {
        assertThat(reader().tail(site, 10)).isEmpty();
        assertThatThrownBy(() -> reader().tail(site, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reader().tail(site, 201)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSymbolicLinkInPlaceOfTheLogIsNotFollowed() throws IOException {
        Path secret = Files.writeString(logs.resolve("secret.txt"), line(1));
        Files.createSymbolicLink(logs.resolve(site + ".access.json"), secret);
        assertThatThrownBy(() -> reader().tail(site, 10)).isInstanceOf(IOException.class);
    }

    @Test
    void requestsCountsLinesAppendedSinceTheFirstLookAndSurvivesTruncation() throws IOException {
        AccessLogReader reader = reader();
        append(line(1) + line(2));
        assertThat(reader.requests(site)).isZero();
        append(line(3) + line(4) + line(5));
        assertThat(reader.requests(site)).isEqualTo(3);
        append("{\"time\":\"partial");
        assertThat(reader.requests(site)).isEqualTo(3);
        append("\"}\n");
        assertThat(reader.requests(site)).isEqualTo(4);
        Files.writeString(logs.resolve(site + ".access.json"), line(6));
        assertThat(reader.requests(site)).isEqualTo(5);
        Files.delete(logs.resolve(site + ".access.json"));
        assertThat(reader.requests(site)).isEqualTo(5);
        append(line(7) + line(8));
        assertThat(reader.requests(site)).isEqualTo(7);
        reader.retainOnly(Set.of());
        assertThat(reader.requests(site)).isZero();
    }

    @Test
    void trafficSumsTheBytesNginxSentAndATenantsUriCannotForgeThem() throws IOException {
        AccessLogReader reader = reader();
        append(line(1));
        assertThat(reader.traffic(site)).isEqualTo(new AccessLogReader.Traffic(0, 0));
        // A request whose URI tries to smuggle the key: nginx escapes its quotes (escape=json).
        append(line(2).replace("/page-2", "/x\\\"bytesSent\\\":999999") + line(3) + "{\"time\":\"2026-11-29T04:00:04+00:00\",\"bytesSent\":7");
        assertThat(reader.traffic(site)).isEqualTo(new AccessLogReader.Traffic(2, 102 + 103));
        append("0,\"status\":200}\n");
        assertThat(reader.traffic(site)).isEqualTo(new AccessLogReader.Traffic(3, 102 + 103 + 70));
        assertThat(reader.requests(site)).isEqualTo(3);
    }

    @Test
    void bytesSentReadsOnlyItsOwnField() {
        byte[] line = "{\"uri\":\"/a\",\"bytesSent\":1234,\"requestSeconds\":0.1}".getBytes(StandardCharsets.US_ASCII);
        assertThat(AccessLogReader.bytesSent(line, line.length)).isEqualTo(1234);
        byte[] none = "{\"uri\":\"/a\"}".getBytes(StandardCharsets.US_ASCII);
        assertThat(AccessLogReader.bytesSent(none, none.length)).isZero();
    }

    @Test
    void rangeFindsItsStartInALargeLogAndToleratesSlightlyOutOfOrderLines() throws IOException {
        // Three hours of one request a second (~1.6 MB), the way several nginx workers interleave: a
        // request that took two seconds is logged after one that ended later.
        StringBuilder text = new StringBuilder();
        java.time.Instant start = java.time.Instant.parse("2026-12-04T07:00:00Z");
        for (int second = 0; second < 3 * 3600; second++) {
            int stamped = second % 100 == 50 ? second - 2 : second;
            text.append("{\"time\":\"").append(start.plusSeconds(stamped).atOffset(java.time.ZoneOffset.ofHours(1)))
                    .append("\",\"method\":\"GET\",\"uri\":\"/").append(second).append("\",\"status\":200,\"bytesSent\":1}\n");
            if (second == 4000) {
                text.append("not json\n");
            }
        }
        append(text.toString());
        List<String> uris = new java.util.ArrayList<>();

        int count = reader().range(site, start.plusSeconds(3600), start.plusSeconds(3660), 1000, entry -> uris.add(entry.uri()));

        assertThat(count).isEqualTo(60);
        assertThat(uris).hasSize(60).doesNotHaveDuplicates();
        assertThat(uris.stream().map(uri -> Integer.parseInt(uri.substring(1)))).allMatch(s -> s >= 3600 && s < 3660);
        assertThat(reader().range(site, start, start.plusSeconds(7200), 10, entry -> { })).isEqualTo(10);
        assertThat(reader().range(UUID.randomUUID(), start, start.plusSeconds(1), 10, entry -> { })).isZero();
        assertThatThrownBy(() -> reader().range(site, start, start, 10, entry -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reader().range(site, start, start.plusSeconds(1), 100_001, entry -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
