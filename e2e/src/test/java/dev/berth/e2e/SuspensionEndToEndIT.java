package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.SiteHttp;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Operator suspension on the real stack (hostd as root with runc, CNI, cgroups and its own nginx):
 * a suspended tenant's sites, the running one and the stopped one, answer the 451 "suspended" page
 * through nginx within 2 s of the API call (the reconciler is nudged, hostd changes one route record,
 * nginx's workers stay the same: no reload), its writes get 403 {@code tenant-suspended}, another tenant's site keeps
 * serving; after unsuspending, the content is back within 2 s. The measured times are printed.
 */
class SuspensionEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final Duration SUSPENSION_BOUND = Duration.ofSeconds(2);
    private static final String ADMIN_EMAIL = "admin@berth.localhost";
    private static final String ADMIN_PASSWORD = "admin-password-for-suspension-tests";

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
            .name("suspension-e2e")
            .build();

    @Test
    void aSuspendedTenantsSitesAnswer451Within2SecondsAndTheirContentReturnsAfterUnsuspend() throws Exception {
        ApiCalls api = STACK.calls();
        String adaToken = api.signUpAndLogIn("ada-" + STACK.prefix() + "@example.com", "correct horse battery staple",
                "ada" + STACK.prefix());
        String bobToken = api.signUpAndLogIn("bob-" + STACK.prefix() + "@example.com", "correct horse battery staple",
                "bob" + STACK.prefix());
        String running = STACK.uniqueSiteName("shop");
        String resting = STACK.uniqueSiteName("blog");
        String neighbour = STACK.uniqueSiteName("docs");
        assertThat(STACK.createSite(adaToken, running).status()).isEqualTo(201);
        assertThat(STACK.createSite(adaToken, resting).status()).isEqualTo(201);
        assertThat(STACK.createSite(bobToken, neighbour).status()).isEqualTo(201);
        for (String site : new String[] {running, resting, neighbour}) {
            STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
        }
        assertThat(api.send("POST", "/sites/" + resting + "/stop", adaToken, null, null, Map.of()).status()).isEqualTo(202);
        STACK.awaitSite(resting, "/", response -> response.status() == 503, CONVERGE);
        String tenantId = api.get("/tenant", adaToken).json().get("id").asText();
        String admin = api.logIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        java.util.Set<Long> workersBefore = nginxWorkers();

        long start = System.nanoTime();
        ApiCalls.Answer suspended = api.json("POST", "/admin/tenants/" + tenantId + "/suspend", admin,
                "{\"reason\":\"e2e: phishing report\"}");
        assertThat(suspended.status()).as(suspended.toString()).isEqualTo(200);
        Duration toSuspendedRunning = awaitFrom(start, running, 451);
        Duration toSuspendedStopped = awaitFrom(start, resting, 451);
        SiteHttp.Response page = STACK.site(running, "/");
        assertThat(page.status()).isEqualTo(451);
        assertThat(page.text()).contains("This site is suspended").doesNotContain("Welcome to " + running);
        assertThat(STACK.site(resting, "/some/page.html").status()).isEqualTo(451);
        assertThat(STACK.site(neighbour, "/").status()).as("another tenant's site keeps serving").isEqualTo(200);

        ApiCalls.Answer write = api.send("POST", "/sites/" + running + "/stop", adaToken, null, null, Map.of());
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.problem()).isEqualTo("tenant-suspended");
        assertThat(api.get("/sites/" + running, adaToken).status()).as("reads still work").isEqualTo(200);

        start = System.nanoTime();
        ApiCalls.Answer lifted = api.send("POST", "/admin/tenants/" + tenantId + "/unsuspend", admin, null, null, Map.of());
        assertThat(lifted.status()).as(lifted.toString()).isEqualTo(200);
        Duration toServing = awaitFrom(start, running, 200);
        Duration toResting = awaitFrom(start, resting, 503);
        assertThat(STACK.site(running, "/").text()).contains("Welcome to " + running);
        // A reload replaces nginx's workers: the same ones mean that neither change reloaded it.
        assertThat(nginxWorkers()).as("nginx's workers after suspend and unsuspend").isEqualTo(workersBefore).isNotEmpty();

        System.out.printf("suspend -> 451: running site %d ms, stopped site %d ms; unsuspend -> content: %d ms (200), %d ms (503)%n",
                toSuspendedRunning.toMillis(), toSuspendedStopped.toMillis(), toServing.toMillis(), toResting.toMillis());
        assertThat(toSuspendedRunning).isLessThanOrEqualTo(SUSPENSION_BOUND);
        assertThat(toSuspendedStopped).isLessThanOrEqualTo(SUSPENSION_BOUND);
        assertThat(toServing).isLessThanOrEqualTo(SUSPENSION_BOUND);
        assertThat(toResting).isLessThanOrEqualTo(SUSPENSION_BOUND);
        assertThat(api.send("POST", "/sites/" + resting + "/start", adaToken, null, null, Map.of()).status()).isEqualTo(202);
    }

    /** Time from {@code start} (just before the API call) until the site answers {@code status}, polled every 20 ms. */
    private static Duration awaitFrom(long start, String site, int status) throws Exception {
        long deadline = start + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            if (STACK.site(site, "/").status() == status) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(20);
        }
        throw new AssertionError(site + " did not answer " + status + " within " + CONVERGE);
    }

    /** The pids of the worker processes of hostd's nginx (its master's children). */
    private static java.util.Set<Long> nginxWorkers() throws Exception {
        long master = Long.parseLong(java.nio.file.Files.readString(STACK.dataDirectory().resolve("nginx/run/nginx.pid")).trim());
        return ProcessHandle.of(master).orElseThrow().children().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
    }
}
