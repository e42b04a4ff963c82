package dev.berth.e2e;

import static dev.berth.testkit.Archives.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.Archives;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The content store on the real stack: a deployed release downloads byte for byte as it was
 * deployed, and a host whose release store was wiped gets the release again from the API and
 * serves the same bytes.
 */
class ContentStoreEndToEndIT {
    private static final Duration LIVE = Duration.ofSeconds(30);
    /** hostd notices a lost release at its next periodic pass, then the API's reconciler refills it. */
    private static final Duration REFILLED = Duration.ofSeconds(120);

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin("admin@berth.localhost", "admin-password-for-content-tests")
            .defaultQuota("apiRequestsPerMinute", 100_000)
            .name("content-e2e")
            .build();

    private static String token;

    @BeforeAll
    static void aTenant() {
        token = STACK.calls().signUpAndLogIn("content-" + STACK.prefix() + "@example.com", "correct horse battery staple",
                "content" + STACK.prefix());
    }

    private static Map<String, byte[]> files(Path tarGz) throws IOException {
        return files(Files.readAllBytes(tarGz));
    }

    private static Map<String, byte[]> files(byte[] tarGz) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(tarGz)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isFile()) {
                    files.put(entry.getName(), tar.readAllBytes());
                }
            }
        }
        return files;
    }

    @Test
    void aWipedReleaseStoreIsRefilledAndTheDownloadIsWhatWasDeployed() throws Exception {
        String site = STACK.uniqueSiteName("store");
        assertThat(STACK.createSite(token, site).status()).isEqualTo(201);
        STACK.awaitSite(site, "/", response -> response.status() == 200, LIVE);

        byte[] page = utf8("<!doctype html><h1>kept in the content store</h1>\n");
        byte[] image = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(image);
        Map<String, byte[]> deployed = new LinkedHashMap<>();
        deployed.put("index.html", page);
        deployed.put("img/large.bin", image);
        deployed.put("css/site.css", utf8("h1 { color: teal }\n"));
        ApiCalls.Answer upload = STACK.calls().upload(token, site, Archives.tarGz(deployed), "application/gzip");
        assertThat(upload.status()).as(upload.toString()).isEqualTo(202);
        String deployId = upload.json().get("id").asText();
        STACK.awaitSite(site, "/img/large.bin", response -> response.status() == 200 && Arrays.equals(response.body(), image), LIVE);

        // The download is the release as deployed: the same files, byte for byte.
        byte[] archive = STACK.calls().download("/sites/" + site + "/deploys/" + deployId + "/archive", token);
        Map<String, byte[]> downloaded = files(archive);
        assertThat(downloaded.keySet()).containsExactlyInAnyOrderElementsOf(deployed.keySet());
        deployed.forEach((name, bytes) -> assertThat(downloaded.get(name)).as(name).isEqualTo(bytes));

        // The host loses the release (a wiped release store, as after a disk replacement).
        UUID siteId = STACK.siteId(site);
        Path releases = STACK.dataDirectory().resolve("sites").resolve(siteId.toString()).resolve("releases");
        try (Stream<Path> installed = Files.list(releases)) {
            // Every release but hostd's own welcome page (_welcome).
            for (Path release : installed.filter(path -> !path.getFileName().toString().startsWith("_")).toList()) {
                deleteTree(release);
            }
        }
        STACK.awaitSite(site, "/img/large.bin", response -> response.status() != 200, LIVE);

        // hostd reports the release missing; the API sends it again from the content store.
        STACK.awaitSite(site, "/img/large.bin", response -> response.status() == 200 && Arrays.equals(response.body(), image), REFILLED);
        STACK.awaitSite(site, "/", response -> response.status() == 200 && Arrays.equals(response.body(), page), LIVE);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
