package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testkit.SiteHttp;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's lease on the real stack (hostd as root, its nginx): with {@code fenceAfterSeconds}
 * set, as a node of several has it, the site answers while the API reaches hostd; with the API
 * killed its sites answer the 503 page once the lease has run out (another node may serve them by
 * then), and the API's return serves them again. Then, with the API still away, hostd killed too:
 * nginx alone stops serving when the lease runs out.
 */
class LeaseEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final int LEASE_SECONDS = 4;

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin("admin@berth.localhost", "admin-password-for-lease-tests")
            .hostdEnvironment("BERTH_HOSTD_FENCE_AFTER", Integer.toString(LEASE_SECONDS))
            .name("lease-e2e")
            .build();

    @Test
    void aNodeTheApiNoLongerReachesStopsServingWhenItsLeaseRunsOutAndServesAgainWhenTheApiIsBack() throws Exception {
        ApiCalls api = STACK.calls();
        String token = api.signUpAndLogIn("lea-" + STACK.prefix() + "@example.com", "correct horse battery staple", "lea" + STACK.prefix());
        String site = STACK.uniqueSiteName("lease");
        assertThat(STACK.createSite(token, site).status()).isEqualTo(201);
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
        // Well past a lease: the API's passes (every 2 s) keep renewing it.
        Thread.sleep((LEASE_SECONDS + 2) * 1000L);
        assertThat(STACK.site(site, "/").status()).isEqualTo(200);

        long killed = System.nanoTime();
        STACK.api().kill();
        SiteHttp.Response fenced = STACK.awaitSite(site, "/", response -> response.status() == 503, CONVERGE);
        long fencedAfterMillis = (System.nanoTime() - killed) / 1_000_000;
        assertThat(fenced.text()).contains("resting");
        assertThat(fencedAfterMillis).as("not before the lease ran out").isGreaterThanOrEqualTo((LEASE_SECONDS - 2) * 1000L);

        STACK.api().restart();
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);

        // Without hostd as well, nginx fences by itself.
        STACK.api().kill();
        STACK.killHostd();
        STACK.awaitSite(site, "/", response -> response.status() == 503, CONVERGE);
        STACK.restartHostd(java.util.Map.of());
        STACK.api().restart();
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);

        // nginx restarted while hostd is gone (a crash, an upgrade, the operator): it loads the
        // lease with the route snapshot, so it still stops serving when the lease runs out.
        STACK.api().kill();
        STACK.killHostd();
        restartNginx();
        STACK.awaitSite(site, "/", response -> response.status() == 503, CONVERGE);
        STACK.restartHostd(java.util.Map.of());
        STACK.api().restart();
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
    }

    /** Stops hostd's nginx (gracefully) and starts it again with the same command line. */
    private static void restartNginx() throws Exception {
        java.nio.file.Path pidFile = STACK.dataDirectory().resolve("nginx/run/nginx.pid");
        long pid = Long.parseLong(java.nio.file.Files.readString(pidFile).trim());
        ProcessHandle master = ProcessHandle.of(pid).orElseThrow();
        // The master's title: "nginx: master process /usr/sbin/nginx -p PREFIX -c CONF".
        String title = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", Long.toString(pid), "cmdline")),
                java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').strip();
        java.util.List<String> argv = java.util.List.of(title.replaceFirst("^nginx: master process ", "").split(" "));
        StackProcess.run(java.util.List.of("kill", "-QUIT", Long.toString(pid)));
        master.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
        new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                .waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && (!java.nio.file.Files.exists(pidFile)
                || Long.parseLong(java.nio.file.Files.readString(pidFile).trim()) == pid)) {
            Thread.sleep(50);
        }
    }
}
