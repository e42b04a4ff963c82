package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.Archives;
import dev.berth.testkit.SiteHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Serving rules on the real stack (hostd as root with runc, CNI, cgroups and its own nginx): a
 * release's {@code _redirects} and {@code _headers}, its {@code 404.html} and the site's SPA and
 * clean-URL switches, each answered through nginx. A deploy with a bad rule fails with the rule's
 * line and the live release keeps serving; records with hostile rules sent straight to nginx's
 * table are refused by its Lua module.
 */
class ServingRulesEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin("admin@berth.localhost", "admin-password-for-serving-rules-tests")
            .name("rules-e2e")
            .build();

    private static SiteHttp.Response get(String site, String path) throws Exception {
        return SiteHttp.get("127.0.0.1", STACK.proxyPort(), site + ".localhost", path);
    }

    private static SiteHttp.Response await(String site, String path, Predicate<SiteHttp.Response> accept) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        SiteHttp.Response last = null;
        while (System.nanoTime() < deadline) {
            last = get(site, path);
            if (accept.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(site + path + " never answered as expected; last: " + last + "\n" + STACK.diagnosis(site));
    }

    private static byte[] release(String site, String redirects) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("index.html", "<p>home of " + site + "</p>");
        files.put("about.html", "<p>about " + site + "</p>");
        files.put("shadowed.html", "<p>the file under a forced rule</p>");
        files.put("articles/2024/hello.html", "<p>article hello of 2024</p>");
        files.put("404.html", "<p>custom not found of " + site + "</p>");
        files.put("_redirects", redirects);
        files.put("_headers", """
                /*
                  X-Frame-Options: DENY
                /about
                  X-Served-By-Rule: about-block
                """);
        return Archives.zip(Archives.texts(files));
    }

    private static final String REDIRECTS = """
            # moved pages
            /old-page          /about               301
            /blog/*            /posts/:splat        302
            /news/:year/:slug  /articles/:year/:slug.html 200
            /shadowed.html     /about.html          200!
            /elsewhere         https://example.com/landing 308
            """;

    @Test
    void redirectsHeadersTheCustom404SpaFallbackCleanUrlsAndRewritesAreServedByNginxAndABadRuleFailsTheDeploy() throws Exception {
        ApiCalls api = STACK.calls();
        String token = api.signUpAndLogIn("ada-" + STACK.prefix() + "@example.com", "correct horse battery staple", "ada" + STACK.prefix());
        String site = STACK.uniqueSiteName("rules");
        assertThat(STACK.createSite(token, site).status()).isEqualTo(201);
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
        ApiCalls.Answer deployed = api.upload(token, site, release(site, REDIRECTS), "application/zip");
        assertThat(deployed.status()).as(deployed.toString()).isEqualTo(202);
        SiteHttp.Response home = await(site, "/", response -> response.text().contains("home of " + site));

        // A header block per path pattern: /* on every answer, /about's only there.
        assertThat(home.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(home.header("X-Served-By-Rule")).isNull();

        SiteHttp.Response moved = get(site, "/old-page?ref=mail");
        assertThat(moved.status()).isEqualTo(301);
        assertThat(moved.header("Location")).endsWith("/about?ref=mail");
        SiteHttp.Response splat = get(site, "/blog/2023/a%20b");
        assertThat(splat.status()).isEqualTo(302);
        assertThat(splat.header("Location")).endsWith("/posts/2023/a%20b");
        SiteHttp.Response away = get(site, "/elsewhere");
        assertThat(away.status()).isEqualTo(308);
        assertThat(away.header("Location")).isEqualTo("https://example.com/landing");

        SiteHttp.Response rewritten = get(site, "/news/2024/hello");
        assertThat(rewritten.status()).isEqualTo(200);
        assertThat(rewritten.text()).contains("article hello of 2024");
        SiteHttp.Response forced = get(site, "/shadowed.html");
        assertThat(forced.text()).as("a forced rule wins over the file").contains("about " + site);
        assertThat(get(site, "/about.html").text()).as("an existing file shadows no forced rule").contains("about " + site);

        SiteHttp.Response missing = get(site, "/no/such/page");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.text()).contains("custom not found of " + site);
        assertThat(get(site, "/_redirects").status()).as("the rule files are not served").isEqualTo(404);
        assertThat(get(site, "/_headers").text()).doesNotContain("X-Frame-Options");
        assertThat(get(site, "/about").status()).as("clean URLs are off").isEqualTo(404);

        ApiCalls.Answer clean = api.json("PUT", "/sites/" + site + "/serving", token, "{\"spa\":false,\"cleanUrls\":true}");
        assertThat(clean.status()).as(clean.toString()).isEqualTo(200);
        SiteHttp.Response about = await(site, "/about", response -> response.status() == 200);
        assertThat(about.text()).contains("about " + site);
        assertThat(about.header("X-Served-By-Rule")).isEqualTo("about-block");
        assertThat(about.header("X-Frame-Options")).isEqualTo("DENY");
        SiteHttp.Response bare = get(site, "/about.html");
        assertThat(bare.status()).isEqualTo(301);
        assertThat(bare.header("Location")).endsWith("/about");
        assertThat(get(site, "/app/settings").status()).as("no SPA yet").isEqualTo(404);

        assertThat(api.json("PUT", "/sites/" + site + "/serving", token, "{\"spa\":true,\"cleanUrls\":true}").status()).isEqualTo(200);
        SiteHttp.Response app = await(site, "/app/settings", response -> response.status() == 200);
        assertThat(app.text()).contains("home of " + site);
        assertThat(app.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(api.get("/sites/" + site, token).json().get("serving").toString()).isEqualTo("{\"spa\":true,\"cleanUrls\":true}");

        // A bad rule on line 4: the deploy fails naming it, the live release keeps serving.
        ApiCalls.Answer refused = api.upload(token, site, release(site, """
                # line 1
                /a /b
                /c /d 302
                /x /y; return 200 "pwned" 301
                """), "application/zip");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.problem()).isEqualTo("content-refused");
        assertThat(refused.json().get("detail").asText()).startsWith("_redirects line 4: ");
        ApiCalls.Answer deploys = api.get("/sites/" + site + "/deploys", token);
        assertThat(deploys.json().get("items").get(0).get("status").asText()).isEqualTo("failed");
        assertThat(deploys.json().get("items").get(0).get("error").asText()).contains("_redirects line 4");
        assertThat(get(site, "/news/2024/hello").text()).contains("article hello of 2024");
        assertThat(get(site, "/old-page").status()).isEqualTo(301);
    }

    @Test
    void recordsWithHostileRulesSentStraightToNginxAreRefusedByItsLuaModule() throws Exception {
        Path socket = STACK.dataDirectory().resolve("nginx/admin/routes.sock");
        Path snapshot = STACK.dataDirectory().resolve("nginx/routes/routes.json");
        String table = Files.readString(snapshot);
        UUID id = UUID.randomUUID();
        String head = "3|" + id + "|serving|r1|10.0.0.1:80||evil.localhost|||||";
        for (String rules : List.of(
                "r~200~0~/a~https%3A%2F%2Fevil.example%2F",
                "r~301~0~/a~%2F%2Fevil.example%2F",
                "r~301~0~/a~javascript%3Aalert(1)",
                "r~301~0~/a~%2Fb%0D%0ASet-Cookie%3A%20x%3D1",
                "r~301~0~/a~%2Fb%5Cc",
                "r~418~0~/a~%2Fb",
                "r~301~2~/a~%2Fb",
                "r~301~0~a~%2Fb",
                "r~301~0~/a/%2F~%2Fb",
                "r~301~0~/a/%00~%2Fb",
                "r~301~0~/a/..~%2Fb",
                "r~301~0~/a/*/b~%2Fb",
                "r~301~0~/a~%2Fb%zz",
                "h~/*~Set-Cookie~x%3D1",
                "h~/*~X-Accel-Redirect~%2Fetc%2Fpasswd",
                "h~/*~X-A~a%0D%0ASet-Cookie%3A%20x",
                "h~/*~X-A~a%00b",
                "h~/*~X%20A~b",
                "h~/*~X-A",
                "x~/*~X-A~b",
                "r~301~0~/a~%2Fb,h~/*~Content-Length~0")) {
            String record = head + rules;
            SiteHttp.Response answer = SiteHttp.unix(socket, "PUT", "/routes/" + id, record.getBytes(StandardCharsets.UTF_8), "text/plain");
            assertThat(answer.status()).as(record).isEqualTo(400);
        }
        // Bytes outside the record's grammar never get as far as the rules.
        for (String raw : List.of("r~301~0~/a~/b;}", "r~301~0~/a~/b\"", "h~/*~X-A~a\nb", "h~/*~X-A~a b", "r~301~0~/(.*)~/b")) {
            SiteHttp.Response answer = SiteHttp.unix(socket, "PUT", "/routes/" + id, (head + raw).getBytes(StandardCharsets.UTF_8),
                    "text/plain");
            assertThat(answer.status()).as(raw).isEqualTo(400);
        }
        assertThat(SiteHttp.get("127.0.0.1", STACK.proxyPort(), "evil.localhost", "/").status()).isEqualTo(404);
        assertThat(Files.readString(snapshot)).isEqualTo(table);
    }
}
