package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.Archives;
import dev.berth.testkit.SiteHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Protected sites on the real stack (hostd as root with runc, CNI, cgroups and its own nginx): every
 * answer comes through nginx on loopback, so the client address nginx sees is 127.0.0.1. A password
 * asks with 401 and {@code WWW-Authenticate: Basic}, wrong credentials get 401, the right ones the
 * content (without the container seeing the password's check fail); a path prefix leaves the rest
 * open; an allow-list refusing 127.0.0.1 answers 403 and one allowing it the content; DELETE opens
 * the site again. Hostile values are refused by the API, or travel as nothing but the verifier, and
 * records sent straight to nginx's table are refused by its Lua module.
 */
class ProtectionEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin("admin@berth.localhost", "admin-password-for-protection-tests")
            .name("protection-e2e")
            .build();

    private static SiteHttp.Response get(String site, String path, String username, String password) throws Exception {
        Map<String, String> headers = username == null ? Map.of() : Map.of("Authorization", basic(username, password));
        return SiteHttp.get("127.0.0.1", STACK.proxyPort(), site + ".localhost", path, headers);
    }

    private static String basic(String username, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static ApiCalls.Answer protect(String token, String site, String body) {
        return STACK.calls().json("PUT", "/sites/" + site + "/protection", token, body);
    }

    private static SiteHttp.Response await(String site, String path, Predicate<SiteHttp.Response> accept) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        SiteHttp.Response last = null;
        while (System.nanoTime() < deadline) {
            last = get(site, path, null, null);
            if (accept.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(site + path + " never answered as expected; last: " + last + "\n" + STACK.diagnosis(site));
    }

    @Test
    void aPasswordAPathPrefixAndAnAllowListAreEnforcedByNginxAndDeleteOpensTheSiteAgain() throws Exception {
        ApiCalls api = STACK.calls();
        String token = api.signUpAndLogIn("ada-" + STACK.prefix() + "@example.com", "correct horse battery staple", "ada" + STACK.prefix());
        String site = STACK.uniqueSiteName("stage");
        assertThat(STACK.createSite(token, site).status()).isEqualTo(201);
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
        ApiCalls.Answer deployed = api.upload(token, site, Archives.zip(Archives.texts(Map.of(
                "index.html", "<p>home of " + site + "</p>", "staging/index.html", "<p>staging of " + site + "</p>"))), "application/zip");
        assertThat(deployed.status()).as(deployed.toString()).isEqualTo(202);
        await(site, "/staging/", response -> response.text().contains("staging of " + site));

        ApiCalls.Answer set = protect(token, site, "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        SiteHttp.Response challenge = await(site, "/", response -> response.status() == 401);
        assertThat(challenge.header("WWW-Authenticate")).isEqualTo("Basic realm=\"" + site + ".localhost\", charset=\"UTF-8\"");
        assertThat(challenge.text()).doesNotContain("home of");
        assertThat(get(site, "/", "ada", "wrong password!").status()).isEqualTo(401);
        assertThat(get(site, "/", "eve", PASSWORD).status()).isEqualTo(401);
        SiteHttp.Response right = get(site, "/", "ada", PASSWORD);
        assertThat(right.status()).isEqualTo(200);
        assertThat(right.text()).contains("home of " + site);
        // Cached per worker once verified; a second request is answered the same.
        assertThat(get(site, "/staging/", "ada", PASSWORD).text()).contains("staging of " + site);

        assertThat(protect(token, site, "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/staging\"}")
                .status()).isEqualTo(200);
        await(site, "/", response -> response.status() == 200);
        assertThat(get(site, "/", null, null).text()).contains("home of " + site);
        assertThat(get(site, "/staging/", null, null).status()).isEqualTo(401);
        assertThat(get(site, "/staging", null, null).status()).isEqualTo(401);
        assertThat(get(site, "/%73taging/", null, null).status()).as("the decoded path is matched").isEqualTo(401);
        assertThat(get(site, "//staging/", null, null).status()).as("merged slashes are matched").isEqualTo(401);
        assertThat(get(site, "/x/../staging/", null, null).status()).as("the normalised path is matched").isEqualTo(401);
        assertThat(get(site, "/staging/", "ada", PASSWORD).text()).contains("staging of " + site);

        assertThat(protect(token, site, "{\"allowedAddresses\":[\"192.0.2.0/24\",\"2001:db8::/32\"]}").status()).isEqualTo(200);
        SiteHttp.Response refused = await(site, "/", response -> response.status() == 403);
        assertThat(refused.text()).doesNotContain("home of");
        assertThat(get(site, "/", "ada", PASSWORD).status()).as("no password opens an allow-list").isEqualTo(403);

        assertThat(protect(token, site, "{\"allowedAddresses\":[\"127.0.0.0/8\"]}").status()).isEqualTo(200);
        assertThat(await(site, "/", response -> response.status() == 200).text()).contains("home of " + site);

        assertThat(protect(token, site, "{\"username\":\"ada\",\"password\":\"" + PASSWORD
                + "\",\"allowedAddresses\":[\"127.0.0.1\"]}").status()).isEqualTo(200);
        await(site, "/", response -> response.status() == 401);
        assertThat(get(site, "/", "ada", PASSWORD).status()).isEqualTo(200);

        assertThat(api.send("DELETE", "/sites/" + site + "/protection", token, null, null, Map.of()).status()).isEqualTo(204);
        assertThat(await(site, "/staging/", response -> response.status() == 200).text()).contains("staging of " + site);
        assertThat(api.get("/sites/" + site, token).json().has("protection")).isFalse();
    }

    @Test
    void hostileValuesAreRefusedOrReachTheProxyOnlyAsAVerifierAndHostileRecordsAreRefusedByNginx() throws Exception {
        ApiCalls api = STACK.calls();
        String token = api.signUpAndLogIn("eve-" + STACK.prefix() + "@example.com", "correct horse battery staple", "eve" + STACK.prefix());
        String site = STACK.uniqueSiteName("hostile");
        assertThat(STACK.createSite(token, site).status()).isEqualTo(201);
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
        Path snapshot = STACK.dataDirectory().resolve("nginx/routes/routes.json");

        for (String body : List.of(
                "{\"username\":\"a:b\",\"password\":\"" + PASSWORD + "\"}",
                "{\"username\":\"a\\nb\",\"password\":\"" + PASSWORD + "\"}",
                "{\"username\":\"ada\",\"password\":\"line\\r\\nX-Injected: 1\"}",
                "{\"username\":\"" + "u".repeat(10_000) + "\",\"password\":\"" + PASSWORD + "\"}",
                "{\"username\":\"ada\",\"password\":\"" + "p".repeat(10_000) + "\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/a|b\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/a\\\"}; server {\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/%s.*[\"}",
                "{\"username\":\"ada\",\"password\":\"" + PASSWORD + "\",\"pathPrefix\":\"/" + "a".repeat(10_000) + "\"}",
                "{\"allowedAddresses\":[\"127.0.0.1|x\"]}",
                "{\"allowedAddresses\":[\"0.0.0.0/0\\n\"]}",
                "{\"allowedAddresses\":[\"localhost\"]}")) {
            ApiCalls.Answer refused = protect(token, site, body);
            assertThat(refused.status()).as(body.length() > 200 ? body.substring(0, 200) : body).isEqualTo(400);
            assertThat(refused.problem()).isEqualTo("validation");
        }
        assertThat(get(site, "/", null, null).status()).as("nothing changed").isEqualTo(200);

        // Accepted values full of the table's and Lua's special characters: only their verifier travels.
        String username = "\"|%s.*[ada]'%";
        String password = "p|a\"s%s.*[]()$^ \\ ü☃";
        ApiCalls.Answer set = protect(token, site, "{\"username\":\"" + username.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\",\"password\":\"" + password.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"pathPrefix\":\"/a.b~c-d_e\"}");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        await(site, "/a.b~c-d_e/x", response -> response.status() == 401);
        assertThat(get(site, "/a.b~c-d_e/x", username, password.substring(1)).status()).isEqualTo(401);
        assertThat(get(site, "/a.b~c-d_e/x", username, password).status()).as("the right odd credentials").isEqualTo(404);
        assertThat(get(site, "/", null, null).status()).isEqualTo(200);
        String table = Files.readString(snapshot);
        assertThat(table).doesNotContain("ada").doesNotContain("p|a").contains("pbkdf2-sha256:");

        // Records sent straight to nginx's table: the Lua module refuses every one and keeps the table.
        Path socket = STACK.dataDirectory().resolve("nginx/admin/routes.sock");
        UUID id = UUID.randomUUID();
        String head = "2|" + id + "|serving|r1|10.0.0.1:80||evil.localhost|";
        String verifier = "pbkdf2-sha256:20000:000102030405060708090a0b0c0d0e0f:" + "ab".repeat(32);
        for (String record : List.of(
                head + "|" + verifier.replace("20000", "2000000") + "||",
                head + "|" + verifier.replace("20000", "999") + "||",
                head + "|" + verifier + "x||",
                head + "|md5:" + "ab".repeat(16) + "||",
                head + "|" + verifier + "|staging|",
                head + "|" + verifier + "|/a/../b|",
                head + "|" + verifier + "|//a|",
                head + "|" + verifier + "|/a\"b|",
                head + "|" + verifier + "|/a b|",
                head + "||/only-a-prefix|",
                head + "|||192.0.2.1/24",
                head + "|||192.0.2.0/33",
                head + "|||::1/129",
                head + "|||localhost/32",
                head + "|||1.2.3.0/24;",
                head + "|||" + "10.0.0.0/8,".repeat(50) + "10.0.0.0/8",
                head + "|" + verifier + "||" + "|extra",
                "1|" + id + "|serving|r1|10.0.0.1:80||evil.localhost||" + verifier + "||")) {
            SiteHttp.Response answer = SiteHttp.unix(socket, "PUT", "/routes/" + id, record.getBytes(StandardCharsets.UTF_8),
                    "text/plain");
            assertThat(answer.status()).as(record).isEqualTo(400);
        }
        assertThat(SiteHttp.get("127.0.0.1", STACK.proxyPort(), "evil.localhost", "/").status()).isEqualTo(404);
        assertThat(Files.readString(snapshot)).isEqualTo(table);
    }
}
