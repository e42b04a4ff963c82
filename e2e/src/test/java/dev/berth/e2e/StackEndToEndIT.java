package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.SiteHttp;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3's acceptance through the API, on the real stack (hostd as root with runc, CNI, cgroups and
 * its own nginx): two tenants and three sites, each answering through nginx with its own welcome
 * page; stop gives the 503 page and start 200 again; delete gives the 404 page and leaves nothing on
 * the host (and its address pair goes to the next new site); another tenant's site is a 404
 * through the API. The methods run in order on shared sites.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin("admin@berth.localhost", "admin-password-for-stack-tests")
            .name("stack-e2e")
            .build();

    /** Site name to the owning tenant's access token. */
    private static final Map<String, String> SITES = new LinkedHashMap<>();
    private static String adaToken;
    private static String bobToken;
    private static String adaOnly;
    private static String adaSecond;
    private static String bobOnly;

    @BeforeAll
    static void twoTenantsCreateThreeSites() {
        ApiCalls api = STACK.calls();
        adaToken = api.signUpAndLogIn("ada-" + STACK.prefix() + "@example.com", "correct horse battery staple", "ada" + STACK.prefix());
        bobToken = api.signUpAndLogIn("bob-" + STACK.prefix() + "@example.com", "correct horse battery staple", "bob" + STACK.prefix());
        adaOnly = STACK.uniqueSiteName("blog");
        adaSecond = STACK.uniqueSiteName("shop");
        bobOnly = STACK.uniqueSiteName("docs");
        SITES.put(adaOnly, adaToken);
        SITES.put(adaSecond, adaToken);
        SITES.put(bobOnly, bobToken);
        SITES.forEach((site, token) -> assertThat(STACK.createSite(token, site).status()).isEqualTo(201));
    }

    @Test
    @Order(1)
    void everySiteAnswersThroughNginxWithItsOwnWelcomePage() throws Exception {
        for (String site : SITES.keySet()) {
            SiteHttp.Response page = STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
            assertThat(page.text()).contains("Welcome to " + site);
            for (String other : SITES.keySet()) {
                if (!other.equals(site)) {
                    assertThat(page.text()).doesNotContain(other);
                }
            }
        }
        for (String site : SITES.keySet()) {
            awaitObserved(site, SITES.get(site), "running");
        }
        assertThat(STACK.site("nobody-" + STACK.prefix(), "/").status()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void anotherTenantsSiteAnswers404ThroughTheApiExactlyLikeAMissingOne() {
        ApiCalls api = STACK.calls();
        ApiCalls.Answer foreign = api.get("/sites/" + bobOnly, adaToken);
        ApiCalls.Answer missing = api.get("/sites/missing-" + STACK.prefix(), adaToken);
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.problem()).isEqualTo("not-found").isEqualTo(missing.problem());
        assertThat(api.send("POST", "/sites/" + bobOnly + "/stop", adaToken, null, null, Map.of()).status()).isEqualTo(404);
        assertThat(api.send("DELETE", "/sites/" + bobOnly, adaToken, null, null, Map.of()).status()).isEqualTo(404);
        assertThat(api.get("/sites", adaToken).json().get("items").findValuesAsText("name")).containsExactlyInAnyOrder(adaOnly, adaSecond);
        assertThat(api.get("/sites", bobToken).json().get("items").findValuesAsText("name")).containsExactly(bobOnly);
    }

    @Test
    @Order(3)
    void aStoppedSiteAnswersThe503PageAndAStartedOne200Again() throws Exception {
        ApiCalls api = STACK.calls();
        assertThat(api.send("POST", "/sites/" + adaSecond + "/stop", adaToken, null, null, Map.of()).status()).isEqualTo(202);
        SiteHttp.Response resting = STACK.awaitSite(adaSecond, "/", response -> response.status() == 503, CONVERGE);
        assertThat(resting.text()).contains("This site is resting");
        awaitObserved(adaSecond, adaToken, "stopped");
        // The others keep serving.
        assertThat(STACK.site(adaOnly, "/").status()).isEqualTo(200);
        assertThat(STACK.site(bobOnly, "/").status()).isEqualTo(200);

        assertThat(api.send("POST", "/sites/" + adaSecond + "/start", adaToken, null, null, Map.of()).status()).isEqualTo(202);
        SiteHttp.Response back = STACK.awaitSite(adaSecond, "/", response -> response.status() == 200, CONVERGE);
        assertThat(back.text()).contains("Welcome to " + adaSecond);
        awaitObserved(adaSecond, adaToken, "running");
    }

    @Test
    @Order(4)
    void aDeletedSiteAnswers404AndLeavesNothingOnTheHost() throws Exception {
        ApiCalls api = STACK.calls();
        UUID siteId = STACK.siteId(adaOnly);
        com.fasterxml.jackson.databind.JsonNode before = api.get("/sites/" + adaOnly, adaToken).json();
        UUID tenantId = UUID.fromString(before.get("tenantId").asText());
        int veth = STACK.hostVethIndex(siteId);
        assertThat(STACK.leftovers(siteId, tenantId, veth)).as("a running site's host objects").hasSizeGreaterThanOrEqualTo(7);

        assertThat(api.send("DELETE", "/sites/" + adaOnly, adaToken, null, null, Map.of()).status()).isEqualTo(202);
        SiteHttp.Response gone = STACK.awaitSite(adaOnly, "/", response -> response.status() == 404, CONVERGE);
        assertThat(gone.text()).contains("No site lives here");
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        List<String> left = STACK.leftovers(siteId, tenantId, veth);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = STACK.leftovers(siteId, tenantId, veth);
        }
        assertThat(left).as("host objects left by the deleted site").isEmpty();
        awaitGoneFromApi(adaOnly, adaToken);
        assertThat(STACK.hostdSites().findValuesAsText("name")).doesNotContain(adaOnly).contains(adaSecond, bobOnly);
        // The other sites, of both tenants, still answer.
        assertThat(STACK.site(adaSecond, "/").status()).isEqualTo(200);
        assertThat(STACK.site(bobOnly, "/").status()).isEqualTo(200);
        assertThat(StackProcess.run(List.of("sysctl", "-n", "net.ipv4.ip_forward")).trim()).isEqualTo("0");

        // The address lease is released too: the pool hands out the lowest free pair, which is the
        // deleted site's, and a site of the other tenant serves on it.
        String reuse = STACK.uniqueSiteName("again");
        ApiCalls.Answer created = STACK.createSite(bobToken, reuse);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("ipv4").asText()).isEqualTo(before.get("ipv4").asText());
        assertThat(created.json().get("ipv6").asText()).isEqualTo(before.get("ipv6").asText());
        assertThat(STACK.awaitSite(reuse, "/", response -> response.status() == 200, CONVERGE).text()).contains("Welcome to " + reuse);
    }

    private static void awaitObserved(String site, String token, String state) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            ApiCalls.Answer answer = STACK.calls().get("/sites/" + site, token);
            last = answer.body();
            if (answer.status() == 200 && answer.json().path("observedState").asText().equals(state)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(site + " never observed " + state + " through the API: " + last);
    }

    private static void awaitGoneFromApi(String site, String token) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            if (STACK.calls().get("/sites/" + site, token).status() == 404) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(site + " is still listed by the API after its delete converged");
    }
}
