package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.Databases;
import dev.berth.api.support.TestApp;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every answer, the portal's and the API's, carries the browser security headers; the portal needs no inline script. */
@ExtendWith(DropwizardExtensionsSupport.class)
class SecurityHeadersOnH2Test {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));
    private static final Pattern SCRIPT = Pattern.compile("<script\\b([^>]*)>(.*?)</script>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static void assertCommonHeaders(HttpResponse<String> response) {
        String where = response.uri().getPath() + " " + response.statusCode();
        assertThat(header(response, "X-Content-Type-Options")).as(where).isEqualTo("nosniff");
        assertThat(header(response, "Referrer-Policy")).as(where).isEqualTo("no-referrer");
        assertThat(header(response, "X-Frame-Options")).as(where).isEqualTo("DENY");
        assertThat(header(response, "Content-Security-Policy")).as(where).contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
    }

    @Test
    void apiAnswersAndProblemsLoadNothingAndCannotBeFramed() throws Exception {
        for (String path : List.of("/api/v1/health", "/api/v1/sites", "/api/v1/no-such-thing", "/api/v1/openapi.yaml")) {
            HttpResponse<String> response = get(path);
            assertCommonHeaders(response);
            assertThat(header(response, "Content-Security-Policy")).as(path).startsWith("default-src 'none'");
        }
    }

    @Test
    void thePortalRunsOnlyItsOwnScriptFilesAndItsPageHoldsNoInlineScript() throws Exception {
        for (String path : List.of("/", "/sites/blog", "/tokens")) {
            HttpResponse<String> page = get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertCommonHeaders(page);
            assertThat(header(page, "Content-Security-Policy")).contains("script-src 'self'").contains("default-src 'none'");
            Matcher scripts = SCRIPT.matcher(page.body());
            int found = 0;
            while (scripts.find()) {
                found++;
                assertThat(scripts.group(2)).as("inline script in " + path).isBlank();
                assertThat(scripts.group(1)).as("script of " + path).containsPattern("\\bsrc=\"/[^/]");
                String source = scripts.group(1).replaceAll("(?s).*\\bsrc=\"([^\"]+)\".*", "$1");
                HttpResponse<String> asset = get(source);
                assertThat(asset.statusCode()).as(source).isEqualTo(200);
                assertCommonHeaders(asset);
            }
            assertThat(found).as("the built portal's scripts in " + path).isPositive();
            assertThat(page.body()).as("inline event handlers or script URLs in " + path)
                    .doesNotContainPattern("(?i)\\son[a-z]+\\s*=").doesNotContainIgnoringCase("javascript:");
        }
    }
}
