package dev.berth.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.e2e.ApiCalls;
import dev.berth.testkit.Archives;
import dev.berth.testkit.GitHttpServer;
import dev.berth.e2e.GitHubPush;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.NamedServer;
import dev.berth.testkit.PebbleServer;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Type;

/**
 * Issue 7's fault suite on one real stack: hostd and the API as root, the API on its own
 * PostgreSQL, hostd's data directory on a small tmpfs, DNS through a real named and HTTPS with a
 * wildcard certificate from Pebble. Each scenario injects one fault and then checks, on top of its
 * own assertions, the invariants of {@link #everyScenarioLeavesTheStackSteady}: every site, deploy
 * and tenant as before or as the completed operation wants, nothing left on the host that no site
 * claims, everything converged within 60 s, and a site of another tenant answering 200 to a reader
 * that never stops (over HTTPS, through nginx) throughout.
 *
 * <p>hostd is killed "at a step" with its test-only failpoint ({@code BERTH_HOSTD_FAILPOINT_DIR}):
 * the scenario writes {@code PHASE:PART:SITE} to the arm file, starts the operation through the API,
 * waits until hostd holds at that step, and sends SIGKILL. The table of scenarios is in
 * e2e/README.md; the run writes its own to {@code target/faults/report.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {
    private static final Duration CONVERGENCE = Duration.ofSeconds(60);
    private static final String ZONE = NamedServer.ZONE;
    private static final List<String> CONVERGE_PARTS = List.of("dns", "content", "cgroups", "network", "runtime", "proxy");

    private static Thread shutdownHook;
    private static Postgres postgres;
    private static NamedServer named;
    private static PebbleServer pebble;
    private static StackProcess stack;
    private static Reader reader;
    private static int httpsPort;
    private static Path failpoints;
    private static Tenant owner;
    private static Tenant neighbour;
    private static boolean namedUp = true;
    private static final Map<String, Expected> SITES = new LinkedHashMap<>();
    private static final List<Gone> DELETED = new ArrayList<>();
    private static final List<String> REPORT = new ArrayList<>();
    private static String startTarget;
    private static String deployTarget;

    private long scenarioStart;
    private String scenarioName;

    record Tenant(String token, UUID id) {
    }

    /** What a site must look like once the stack is steady. */
    static final class Expected {
        final String name;
        final Tenant tenant;
        boolean running = true;
        String page;
        final Map<String, Set<String>> deploys = new LinkedHashMap<>();
        UUID siteId;

        Expected(String name, Tenant tenant) {
            this.name = name;
            this.tenant = tenant;
            this.page = "Welcome to " + name;
        }
    }

    record Gone(String name, UUID siteId, UUID tenantId, int vethIndex) {
    }

    @BeforeAll
    static void startTheStack() throws Exception {
        String missing = StackProcess.missingPrerequisite();
        if (missing == null && !(NamedServer.available() && PebbleServer.available())) {
            missing = "named (bind9) or pebble is not installed";
        }
        if (missing == null && !Postgres.available()) {
            missing = "PostgreSQL is not installed";
        }
        if (missing != null) {
            if ("1".equals(System.getenv("BERTH_REQUIRE_HOST_TESTS"))) {
                throw new IllegalStateException("BERTH_REQUIRE_HOST_TESTS=1 but " + missing);
            }
            Assumptions.abort("fault suite skipped: " + missing);
        }
        // named and Pebble have no hook of their own: a run stopped by a signal must not leave them running.
        shutdownHook = new Thread(() -> {
            try {
                stopEverything();
            } catch (Exception failure) {
                System.err.println("fault suite tear-down: " + failure);
            }
        }, "fault-suite-teardown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            postgres = Postgres.start();
            named = new NamedServer();
            named.start();
            int proxyPort = PebbleServer.freePort();
            httpsPort = PebbleServer.freePort();
            pebble = new PebbleServer(named.address(), proxyPort, Map.of("PEBBLE_WFE_NONCEREJECT", "0", "PEBBLE_AUTHZREUSE", "100"));
            failpoints = Files.createTempDirectory("berth-faults-failpoint-");
            stack = StackProcess.builder()
                    .admin("admin@berth.localhost", "admin-password-for-the-fault-suite")
                    .defaultQuota("maxSites", 30)
                    .defaultQuota("maxRunningSites", 30)
                    .defaultQuota("apiRequestsPerMinute", 1_000_000)
                    .defaultQuota("maxUploadMib", 64)
                    .defaultQuota("diskMib", 256)
                    .apiConfiguration("""
                            deploys:
                              publicBaseUrl: http://127.0.0.1
                              gitAllowlist: ["127.0.0.0/8"]
                              gitAllowPlainHttp: true
                            """)
                    .postgresUrl(postgres.url)
                    .dataDirectoryTmpfsMib(96)
                    .proxyPort(proxyPort)
                    .dnsAndTls(named, pebble, httpsPort)
                    // The renewal scenarios force and watch hostd's own renewal.
                    .hostdEnvironment("BERTH_TLS_ISSUANCE", "local")
                    .hostdEnvironment("BERTH_HOSTD_FAILPOINT_DIR", failpoints.toString())
                    // Only start-up speed matters here (hostd restarts some 30 times, the API twice).
                    .hostdJvmOption("-XX:TieredStopAtLevel=1")
                    .apiJvmOption("-XX:TieredStopAtLevel=1")
                    .name("faults")
                    .build();
            stack.start();
            awaitCertificate(null);
            owner = tenant("owner");
            neighbour = tenant("neighbour");
            reader = new Reader(pebble.issuingRootPem());
            Expected read = create(neighbour, "reader");
            startTarget = create(owner, "start").name;
            deployTarget = create(owner, "deploy").name;
            awaitSteadyOrFail("set-up", System.nanoTime());
            reader.site = read.name;
            reader.start(read.name + "." + ZONE, httpsPort);
        } catch (Exception | Error failure) {
            stopEverything();
            throw failure;
        }
    }

    @AfterAll
    static synchronized void stopEverything() throws Exception {
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
        }
        try {
            if (reader != null) {
                reader.stop();
                reader = null;
            }
            writeReport();
        } finally {
            // Called twice when start-up failed (by it, then by JUnit): each part is closed once.
            try {
                if (stack != null) {
                    stack.close();
                    stack = null;
                }
            } finally {
                if (pebble != null) {
                    pebble.close();
                    pebble = null;
                }
                if (named != null) {
                    named.close();
                    named = null;
                }
                if (postgres != null) {
                    postgres.stop();
                    postgres = null;
                }
                if (failpoints != null) {
                    StackProcess.run(List.of("rm", "-rf", failpoints.toString()));
                    failpoints = null;
                }
            }
        }
    }

    @BeforeEach
    void beginScenario(TestInfo info) {
        scenarioName = info.getDisplayName();
        faultEnd = 0;
        scenarioStart = System.nanoTime();
        reader.checkpoint();
    }

    /** The invariants every scenario must leave behind (see the class comment). */
    @AfterEach
    void everyScenarioLeavesTheStackSteady() throws Exception {
        long convergedMillis = awaitSteadyOrFail(scenarioName, faultEnd);
        Reader.Tally tally = reader.checkpoint();
        String row = String.format("| %s | %d | %d | %d | %d |", scenarioName, convergedMillis,
                (System.nanoTime() - scenarioStart) / 1_000_000, tally.ok(), tally.failures().size());
        REPORT.add(row);
        progress(row + (tally.failures().isEmpty() ? "" : " " + tally.failures()));
        assertThat(tally.failures()).as("the other tenant's site answered something else than 200 during " + scenarioName)
                .isEmpty();
        assertThat(tally.ok()).as("the reader kept reading").isPositive();
    }

    private long faultEnd;

    /** Marks the moment the fault is over (the cause removed, the process restarted): convergence is timed from here. */
    private void faultOver() {
        faultEnd = System.nanoTime();
    }

    // ---------------------------------------------------------------- kill -9 of hostd at every step

    @Test
    @Order(5)
    @DisplayName("HTTPS answers over HTTP/2, compressed")
    void httpsAnswersOverHttp2Compressed(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        String host = reader.site + "." + ZONE;
        Path roots = work.resolve("roots.pem");
        Files.writeString(roots, reader.rootsPem());
        // curl (built with nghttp2) negotiates by ALPN as a browser does; --resolve keeps it on loopback.
        Process curl = new ProcessBuilder("curl", "-sS", "--http2", "--cacert", roots.toString(),
                "--resolve", host + ":" + httpsPort + ":127.0.0.1", "-H", "Accept-Encoding: br, gzip",
                "-o", "/dev/null", "-D", "-", "-w", "%{http_version} %{http_code}\n",
                "https://" + host + ":" + httpsPort + "/").redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(output).isZero();
        assertThat(output).as("protocol and status").endsWith("2 200\n");
        assertThat(output).as("the page compressed with Brotli").containsIgnoringCase("content-encoding: br");
    }

    @ParameterizedTest(name = "hostd kill -9 during create at {0}")
    @ValueSource(strings = {"dns", "content", "cgroups", "network", "runtime", "proxy"})
    @Order(10)
    void hostdKilledDuringCreate(String part) throws Exception {
        String name = stack.uniqueSiteName("c" + part.substring(0, 3));
        killHostdAt("converge:" + part + ":" + name, () -> {
            create(owner, name);
            return null;
        });
    }

    /**
     * A stop, then a start, each killed at {@code part} when that step runs for it (a stop has no
     * cgroups or network step: it is then a plain stop). The stack must be steady after each.
     */
    @ParameterizedTest(name = "hostd kill -9 during stop and start at {0}")
    @ValueSource(strings = {"dns", "content", "cgroups", "network", "runtime", "proxy"})
    @Order(20)
    void hostdKilledDuringStopAndStart(String part) throws Exception {
        if (List.of("cgroups", "network").contains(part)) {
            stopSite(startTarget);
        } else {
            killHostdAt("converge:" + part + ":" + startTarget, () -> stopSite(startTarget));
        }
        awaitSteadyOrFail("stop at " + part, faultEnd);
        killHostdAt("converge:" + part + ":" + startTarget, () -> startSite(startTarget));
    }

    /**
     * A create that claims a slot of hostd's warm pool, killed at each stage of the claim; then a
     * start of a stopped site (its files move into the slot's directory), killed while they are
     * there. The site must come up serving its own files, with nothing of the slot left over.
     */
    @ParameterizedTest(name = "hostd kill -9 during a warm pool claim at {0}")
    @ValueSource(strings = {"cgroups", "network", "directory", "commit", "start:directory"})
    @Order(30)
    void hostdKilledDuringAWarmPoolClaim(String stage) throws Exception {
        stack.awaitWarmPool(Duration.ofSeconds(60));
        if (stage.startsWith("start:")) {
            stopSite(startTarget);
            awaitSteadyOrFail("stop before a claim", faultEnd);
            stack.awaitWarmPool(Duration.ofSeconds(60));
            killHostdAt("claim:" + stage.substring("start:".length()) + ":" + startTarget, () -> startSite(startTarget));
            return;
        }
        String name = stack.uniqueSiteName("w" + stage.substring(0, 3));
        killHostdAt("claim:" + stage + ":" + name, () -> {
            create(owner, name);
            return null;
        });
    }

    @ParameterizedTest(name = "hostd kill -9 during deploy at {0}")
    @ValueSource(strings = {"install", "dns", "content", "cgroups", "network", "runtime", "proxy"})
    @Order(40)
    void hostdKilledDuringDeploy(String part) throws Exception {
        Expected site = SITES.get(deployTarget);
        String marker = "deploy at " + part + " " + UUID.randomUUID();
        byte[] archive = Archives.zip(Map.of("index.html", Archives.utf8("<!doctype html><h1>" + marker + "</h1>\n")));
        String arm = part.equals("install") ? "install:content:" + deployTarget : "converge:" + part + ":" + deployTarget;
        ApiCalls.Answer[] answer = new ApiCalls.Answer[1];
        Thread upload = new Thread(() -> answer[0] = stack.calls().upload(site.tenant.token(), deployTarget, archive, "application/zip"));
        killHostdAt(arm, () -> {
            upload.start();
            return null;
        });
        upload.join(30_000);
        assertThat(answer[0]).as("the upload got an answer").isNotNull();
        if (part.equals("install")) {
            // hostd died while the API streamed the release to it: the deploy fails cleanly, the old page stays.
            assertThat(answer[0].status()).as(answer[0].toString()).isEqualTo(503);
            assertThat(answer[0].contentType()).startsWith("application/problem+json");
            String failed = latestDeploy(site);
            site.deploys.put(failed, Set.of("failed"));
        } else {
            // Accepted before hostd died: the completed operation wants it live.
            assertThat(answer[0].status()).as(answer[0].toString()).isEqualTo(202);
            expectLive(site, answer[0].json().get("id").asText(), marker);
        }
    }

    @Test
    @Order(45)
    @DisplayName("hostd kill -9 during deploy while extracting the release")
    void hostdKilledWhileExtractingARelease() throws Exception {
        Expected site = SITES.get(deployTarget);
        // Many small files, so that extraction lasts long enough to be caught in the middle.
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int index = 0; index < 4000; index++) {
            files.put("f/" + index + ".txt", Archives.utf8(UUID.randomUUID().toString().repeat(60)));
        }
        String marker = "extracted " + UUID.randomUUID();
        files.put("index.html", Archives.utf8("<h1>" + marker + "</h1>"));
        byte[] archive = Archives.zip(files);
        Path releases = stack.dataDirectory().resolve("sites").resolve(site.siteId.toString()).resolve("releases");
        ApiCalls.Answer[] answer = new ApiCalls.Answer[1];
        Thread upload = new Thread(() -> answer[0] = stack.calls().upload(site.tenant.token(), deployTarget, archive, "application/zip"));
        upload.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        boolean caught = false;
        while (!caught && System.nanoTime() < deadline && upload.isAlive()) {
            try (var entries = Files.list(releases)) {
                caught = entries.anyMatch(path -> path.getFileName().toString().startsWith(".incoming-"));
            }
        }
        assertThat(caught).as("hostd was caught extracting the release").isTrue();
        stack.killHostd();
        upload.join(30_000);
        assertThat(answer[0].status()).as(answer[0].toString()).isEqualTo(503);
        site.deploys.put(latestDeploy(site), Set.of("failed"));
        stack.restartHostd(Map.of());
        faultOver();
        // What the user does with "retry in a few seconds": the same upload now goes live.
        ApiCalls.Answer retried = stack.calls().upload(site.tenant.token(), deployTarget, archive, "application/zip");
        assertThat(retried.status()).as(retried.toString()).isEqualTo(202);
        expectLive(site, retried.json().get("id").asText(), marker);
    }

    @ParameterizedTest(name = "hostd kill -9 during delete at {0}")
    @ValueSource(strings = {"proxy", "runtime", "network", "cgroups", "content", "dns"})
    @Order(50)
    void hostdKilledDuringDelete(String part) throws Exception {
        Expected victim = SITES.values().stream().filter(site -> site.name.startsWith("c")).findFirst()
                .orElseGet(() -> create(owner, stack.uniqueSiteName("d" + part.substring(0, 3))));
        awaitSteadyOrFail("before delete at " + part, System.nanoTime());
        int veth = stack.hostVethIndex(victim.siteId);
        killHostdAt("remove:" + part + ":" + victim.siteId, () -> {
            ApiCalls.Answer deleted = stack.calls().send("DELETE", "/sites/" + victim.name, victim.tenant.token(), null, null, Map.of());
            assertThat(deleted.status()).as(deleted.toString()).isEqualTo(202);
            SITES.remove(victim.name);
            DELETED.add(new Gone(victim.name, victim.siteId, victim.tenant.id(), veth));
            return null;
        });
    }

    @Test
    @Order(60)
    @DisplayName("hostd kill -9 while idle: every container kept")
    void hostdKilledWhileIdleKeepsEveryContainer() throws Exception {
        awaitSteadyOrFail("before the idle kill", System.nanoTime());
        Map<UUID, Long> before = containerPids();
        stack.killHostd();
        stack.restartHostd(Map.of());
        faultOver();
        awaitSteadyOrFail(scenarioName, faultEnd);
        assertThat(containerPids()).as("recover() re-attaches: no container restarted").isEqualTo(before);
    }

    // ---------------------------------------------------------------- kill -9 of the API

    @Test
    @Order(70)
    @DisplayName("API kill -9 after an upload was accepted, before it is live")
    void apiKilledAfterAcceptingAnUploadBeforeItIsLive() throws Exception {
        Expected site = SITES.get(deployTarget);
        String marker = "accepted then the API died " + UUID.randomUUID();
        String point = "converge:proxy:" + deployTarget;
        arm(point);
        ApiCalls.Answer accepted = stack.calls().upload(site.tenant.token(), deployTarget,
                Archives.zip(Map.of("index.html", Archives.utf8("<h1>" + marker + "</h1>"))), "application/zip");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        awaitReached(point);
        assertThat(stack.calls().get("/sites/" + deployTarget + "/deploys/" + accepted.json().get("id").asText(), site.tenant.token())
                .json().get("status").asText()).isEqualTo("installing");
        stack.api().kill();
        Files.createFile(failpoints.resolve("release"));
        Files.deleteIfExists(failpoints.resolve("reached"));
        stack.api().restart();
        faultOver();
        expectLive(site, accepted.json().get("id").asText(), marker);
    }

    @Test
    @Order(71)
    @DisplayName("API kill -9 with a webhook deploy queued and fetching")
    void apiKilledWithAWebhookDeployQueued(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Expected site = SITES.get(deployTarget);
        String marker = "pushed then the API died " + UUID.randomUUID();
        try (Git git = Git.init().setDirectory(work.resolve("repo").toFile()).setInitialBranch("main").call();
             GitHttpServer server = new GitHttpServer(git.getRepository())) {
            Files.createDirectories(work.resolve("repo/public"));
            Files.writeString(work.resolve("repo/public/index.html"), "<h1>" + marker + "</h1>");
            git.add().addFilepattern(".").call();
            String commit = git.commit().setMessage("site").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com")
                    .setSign(false).call().getName();
            ApiCalls.Answer source = stack.calls().json("PUT", "/sites/" + deployTarget + "/git", site.tenant.token(),
                    "{\"repositoryUrl\":\"" + server.url() + "\",\"branch\":\"main\",\"path\":\"public\"}");
            assertThat(source.status()).as(source.toString()).isEqualTo(200);
            byte[] payload = GitHubPush.payload("refs/heads/main", commit, server.url());
            server.hold();
            ApiCalls.Answer queued = stack.calls().send("POST", "/hooks/git/" + deployTarget, null, payload, "application/json",
                    GitHubPush.headers(payload, source.json().get("secret").asText()));
            assertThat(queued.status()).as(queued.toString()).isEqualTo(202);
            assertThat(queued.json().get("outcome").asText()).isEqualTo("queued");
            awaitTrue("the API's worker fetches from the Git server", () -> server.heldRequests() > 0);
            stack.api().kill();
            server.release();
            stack.api().restart();
            faultOver();
            expectLive(site, queued.json().get("deployId").asText(), marker);
            awaitSteadyOrFail(scenarioName, faultEnd);
        }
        ApiCalls.Answer removed = stack.calls().send("DELETE", "/sites/" + deployTarget + "/git", site.tenant.token(), null, null, Map.of());
        assertThat(removed.status()).as(removed.toString()).isEqualTo(204);
    }

    // ---------------------------------------------------------------- nginx, named, Pebble, PostgreSQL, disk, container

    @Test
    @Order(80)
    @DisplayName("a broken include file during a deploy: the route table needs no nginx -t")
    void aDeployGoesLiveWithoutReadingNginxsIncludeDirectory() throws Exception {
        Path broken = stack.dataDirectory().resolve("nginx/conf/sites/zz-fault-suite.conf");
        Files.writeString(broken, "this is not an nginx directive;\n");
        try {
            Expected site = SITES.get(deployTarget);
            String marker = "deployed behind a broken nginx config " + UUID.randomUUID();
            ApiCalls.Answer accepted = stack.calls().upload(site.tenant.token(), deployTarget,
                    Archives.zip(Map.of("index.html", Archives.utf8("<h1>" + marker + "</h1>"))), "application/zip");
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            String id = accepted.json().get("id").asText();
            // A deploy changes the site's route record only: no configuration is tested or reloaded.
            expectLive(site, id, marker);
            assertThat(hostdSite(deployTarget).path("errors").has("proxy")).isFalse();
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    @Test
    @Order(81)
    @DisplayName("a broken include file during a create: a new site under the wildcard needs no nginx -t either")
    void aNewSiteUnderTheWildcardGoesLiveWithoutReadingNginxsIncludeDirectory() throws Exception {
        Path broken = stack.dataDirectory().resolve("nginx/conf/sites/zz-fault-suite.conf");
        Files.writeString(broken, "server { listen 127.0.0.1:1; unknown_directive on; }\n");
        try {
            Expected site = create(owner, stack.uniqueSiteName("ngx"));
            // The platform certificate's one file serves every name under it: a create sets a route record only.
            awaitTrue(site.name + " serves over HTTPS", () -> https(site.name).status() == 200);
            assertThat(hostdSite(site.name).path("errors").has("proxy")).isFalse();
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    @Test
    @Order(90)
    @DisplayName("named down during a create and a delete")
    void namedDownRecordsConvergeWhenItIsBack() throws Exception {
        Expected victim = SITES.values().stream().filter(site -> site.name.startsWith("ngx")).findFirst().orElseThrow();
        int veth = stack.hostVethIndex(victim.siteId);
        named.stop();
        namedUp = false;
        try {
            Expected created = create(owner, stack.uniqueSiteName("dns"));
            awaitHostdError(created.name, "dns");
            awaitTrue("the new site serves meanwhile", () -> https(created.name).status() == 200);
            ApiCalls.Answer deleted = stack.calls().send("DELETE", "/sites/" + victim.name, victim.tenant.token(), null, null, Map.of());
            assertThat(deleted.status()).isEqualTo(202);
            SITES.remove(victim.name);
            DELETED.add(new Gone(victim.name, victim.siteId, victim.tenant.id(), veth));
            // The API forgets a deleted site once hostd no longer holds it, i.e. after hostd's
            // clean-up ran, its DNS part failing: named must come back only after that.
            awaitTrue("the API forgets the deleted site while named is down",
                    () -> stack.calls().get("/sites/" + victim.name, victim.tenant.token()).status() == 404);
        } finally {
            named.start();
            namedUp = true;
        }
        faultOver();
    }

    @Test
    @Order(100)
    @DisplayName("Pebble answering errors to a renewal")
    void pebbleAnsweringErrorsKeepsTheOldCertificateUntilItRecovers() throws Exception {
        String before = awaitCertificate(null);
        pebble.stopProcess();
        pebble.restart(Map.of("PEBBLE_WFE_NONCEREJECT", "100"));
        reader.trust(pebble.issuingRootPem());
        SiteHttp.Response renewal = stack.hostd("POST", "/v1/certificates/platform/renewal");
        JsonNode failed = platformCertificate();
        assertThat(failed.path("state").asText()).as(renewal.toString()).isEqualTo("failed");
        assertThat(failed.path("lastError").asText()).isNotBlank();
        assertThat(failed.path("serialNumber").asText()).as("the old certificate is kept").isEqualTo(before);
        assertThat(servedSerial(reader.site)).as("and still served").isEqualTo(before);
        pebble.stopProcess();
        pebble.restart(Map.of());
        reader.trust(pebble.issuingRootPem());
        faultOver();
        String after = awaitCertificate(before);
        awaitTrue("the renewed certificate is served", () -> servedSerial(reader.site).equals(after));
    }

    @Test
    @Order(110)
    @DisplayName("PostgreSQL crashed and restarted under the API")
    void postgresRestartedUnderTheApi() throws Exception {
        postgres.crash();
        try {
            ApiCalls.Answer down = stack.calls().get("/sites", owner.token());
            assertThat(down.status()).as("no answer from a database that is down: " + down).isGreaterThanOrEqualTo(500);
        } finally {
            postgres.resume();
        }
        faultOver();
        awaitTrue("the API answers from PostgreSQL again", () -> stack.calls().get("/sites", owner.token()).status() == 200);
        create(owner, stack.uniqueSiteName("pg"));
    }

    @Test
    @Order(120)
    @DisplayName("disk full in hostd's data directory during a deploy")
    void diskFullInTheDataDirectoryFailsTheDeployCleanly() throws Exception {
        Expected site = SITES.get(deployTarget);
        Path filler = stack.dataDirectory().resolve("fault-suite-filler");
        try {
            fill(filler);
            String marker = "after the disk was full " + UUID.randomUUID();
            byte[] archive = Archives.zip(Map.of("index.html", Archives.utf8("<h1>" + marker + "</h1>"),
                    "big.bin", incompressible(4 * 1024 * 1024)));
            ApiCalls.Answer refused = stack.calls().upload(site.tenant.token(), deployTarget, archive, "application/zip");
            assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            site.deploys.put(latestDeploy(site), Set.of("failed"));
            assertThat(https(deployTarget).text()).as("the live site keeps serving").contains(site.page);
            assertThat(stack.inventory().strayFiles()).as("nothing half-written").isEmpty();
            Files.delete(filler);
            faultOver();
            ApiCalls.Answer accepted = stack.calls().upload(site.tenant.token(), deployTarget, archive, "application/zip");
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            expectLive(site, accepted.json().get("id").asText(), marker);
        } finally {
            Files.deleteIfExists(filler);
        }
    }

    @Test
    @Order(130)
    @DisplayName("a site's server killed (kill -9 of the container's process)")
    void aKilledSiteServerIsRestartedWithBackoff() throws Exception {
        JsonNode before = hostdSite(startTarget);
        UUID siteId = SITES.get(startTarget).siteId;
        long pid = containerPids().get(siteId);
        StackProcess.run(List.of("kill", "-9", Long.toString(pid)));
        faultOver();
        // hostd's observed state is read without waiting for a convergence in progress: the restart
        // is only done once a new container runs, whatever "state" says meanwhile.
        awaitTrue("hostd restarts the container and counts it", () -> {
            JsonNode observed = hostdSite(startTarget);
            Long restarted = containerPids().get(siteId);
            return observed.path("restarts").asInt() == before.path("restarts").asInt() + 1
                    && !observed.path("lastExit").asText().isBlank() && "running".equals(observed.path("state").asText())
                    && restarted != null && restarted != pid;
        });
    }

    // ---------------------------------------------------------------- helpers

    /** Arms the failpoint, runs {@code trigger}, kills hostd when it holds there, restarts it. */
    private void killHostdAt(String point, Callable<Object> trigger) throws Exception {
        arm(point);
        trigger.call();
        awaitReached(point);
        stack.killHostd();
        Files.deleteIfExists(failpoints.resolve("reached"));
        stack.restartHostd(Map.of());
        faultOver();
    }

    private static void arm(String point) throws IOException {
        Files.deleteIfExists(failpoints.resolve("reached"));
        Files.deleteIfExists(failpoints.resolve("release"));
        Files.writeString(failpoints.resolve("arm"), point);
    }

    /** Waits until hostd holds at the armed point (it may already be there: it consumes the arm file on reaching it). */
    private static void awaitReached(String point) throws Exception {
        awaitTrue("hostd reaches the failpoint " + point, () -> Files.exists(failpoints.resolve("reached")));
    }

    private static Tenant tenant(String label) {
        String token = stack.calls().signUpAndLogIn(label + "-" + stack.prefix() + "@example.com", "correct horse battery staple",
                label + stack.prefix());
        return new Tenant(token, UUID.fromString(stack.calls().get("/tenant", token).json().get("id").asText()));
    }

    private static Expected create(Tenant tenant, String label) {
        String name = label.contains("-") ? label : stack.uniqueSiteName(label);
        ApiCalls.Answer created = stack.createSite(tenant.token(), name);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Expected site = new Expected(name, tenant);
        SITES.put(name, site);
        return site;
    }

    private static Object stopSite(String name) {
        ApiCalls.Answer stopped = stack.calls().send("POST", "/sites/" + name + "/stop", SITES.get(name).tenant.token(), null, null, Map.of());
        assertThat(stopped.status()).as(stopped.toString()).isEqualTo(202);
        SITES.get(name).running = false;
        return null;
    }

    private static Object startSite(String name) {
        ApiCalls.Answer started = stack.calls().send("POST", "/sites/" + name + "/start", SITES.get(name).tenant.token(), null, null, Map.of());
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        SITES.get(name).running = true;
        return null;
    }

    /** The completed deploy is what the site must serve; every earlier live deploy becomes superseded. */
    private static void expectLive(Expected site, String deployId, String marker) {
        site.deploys.replaceAll((id, statuses) -> statuses.contains("live") || statuses.contains("installing")
                ? Set.of("superseded") : statuses);
        site.deploys.put(deployId, Set.of("live"));
        site.page = marker;
    }

    private static String latestDeploy(Expected site) {
        return stack.calls().get("/sites/" + site.name + "/deploys?limit=1", site.tenant.token()).json().get("items").get(0)
                .get("id").asText();
    }

    private static String status(Expected site, String deployId) {
        return stack.calls().get("/sites/" + site.name + "/deploys/" + deployId, site.tenant.token()).json().get("status").asText();
    }

    private static SiteHttp.Response https(String name) throws Exception {
        return SiteHttp.https("127.0.0.1", httpsPort, name + "." + ZONE, "/", reader.context());
    }

    private static JsonNode hostdSite(String name) throws IOException {
        for (JsonNode site : stack.hostdSites()) {
            if (site.path("name").asText().equals(name)) {
                return site;
            }
        }
        return null;
    }

    /** Waits until hostd reports an error in {@code part} of the site (its observed {@code errors}). */
    private static void awaitHostdError(String siteName, String part) throws Exception {
        awaitTrue(siteName + " reports errors." + part, () -> {
            JsonNode observed = hostdSite(siteName);
            return observed != null && observed.path("errors").has(part);
        });
    }

    private static JsonNode platformCertificate() throws IOException {
        JsonNode all = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stack.hostd("GET", "/v1/certificates").body());
        for (JsonNode certificate : all.isArray() ? all : all.path("items")) {
            if ("platform".equals(certificate.path("name").asText())) {
                return certificate;
            }
        }
        throw new IllegalStateException("hostd has no platform certificate: " + all);
    }

    /** Waits until the platform certificate is active with a serial other than {@code notSerial}; returns its serial. */
    private static String awaitCertificate(String notSerial) throws Exception {
        String[] serial = new String[1];
        awaitTrue("the wildcard certificate is active" + (notSerial == null ? "" : " and renewed"), () -> {
            JsonNode certificate = platformCertificate();
            serial[0] = certificate.path("serialNumber").asText();
            return "active".equals(certificate.path("state").asText()) && !serial[0].isBlank() && !serial[0].equals(notSerial);
        });
        return serial[0];
    }

    private static String servedSerial(String name) throws Exception {
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", httpsPort);
             javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) reader.context().getSocketFactory()
                     .createSocket(plain, name + "." + ZONE, httpsPort, true)) {
            socket.startHandshake();
            return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
        }
    }

    private static Map<UUID, Long> containerPids() throws IOException {
        Map<UUID, Long> pids = new java.util.TreeMap<>();
        for (UUID siteId : stack.inventory().containers()) {
            String state = StackProcess.run(List.of("runc", "--root", stack.runDirectory().resolve("runc").toString(), "state",
                    stack.containerId(siteId)));
            JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(state.substring(state.indexOf('{')));
            pids.put(siteId, json.get("pid").asLong());
        }
        return pids;
    }

    private static byte[] incompressible(int size) {
        byte[] bytes = new byte[size];
        new java.util.Random(7).nextBytes(bytes);
        return bytes;
    }

    /**
     * Writes zeros until the data directory's file system is full and stays full for a second:
     * work that held space when it filled (compressed copies under way) gives that space back as
     * it fails, and the deploy under test must not find it.
     */
    private static void fill(Path filler) throws Exception {
        java.nio.file.FileStore disk = Files.getFileStore(filler.getParent());
        byte[] chunk = new byte[64 * 1024];
        int fullFor = 0;
        for (int round = 0; round < 150 && fullFor < 5; round++) {
            try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                while (true) {
                    out.write(chunk);
                }
            } catch (IOException full) {
                assertThat(full.getMessage()).as("the data directory filled up").containsIgnoringCase("space");
            }
            Thread.sleep(200);
            fullFor = disk.getUsableSpace() < chunk.length ? fullFor + 1 : 0;
        }
        assertThat(fullFor).as("the data directory stays full").isEqualTo(5);
    }

    private static void awaitTrue(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + CONVERGENCE.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.call()) {
                    return;
                }
            } catch (Exception notYet) {
                last = notYet;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(what + " did not happen within " + CONVERGENCE.toSeconds() + " s" + (last == null ? "" : ": " + last));
    }

    /** Polls until {@link #problems()} is empty; returns the milliseconds since {@code since}, or fails after 60 s. */
    private static long awaitSteadyOrFail(String scenario, long since) throws Exception {
        long start = since == 0 ? System.nanoTime() : since;
        long deadline = start + CONVERGENCE.toNanos();
        List<String> problems;
        do {
            problems = problems();
            if (problems.isEmpty()) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        String message = "not converged within " + CONVERGENCE.toSeconds() + " s after " + scenario + ":\n  "
                + String.join("\n  ", problems);
        progress(message);
        throw new AssertionError(message);
    }

    /** Everything that differs from the expected state now; empty when the stack is steady. */
    private static List<String> problems() throws Exception {
        List<String> problems = new ArrayList<>();
        // The API: every tenant's sites, their desired and observed state, their deploys.
        for (Tenant tenant : List.of(owner, neighbour)) {
            ApiCalls.Answer tenantRow = stack.calls().get("/tenant", tenant.token());
            if (tenantRow.status() != 200 || !tenantRow.json().get("id").asText().equals(tenant.id().toString())) {
                problems.add("tenant " + tenant.id() + ": " + tenantRow);
                continue;
            }
            ApiCalls.Answer list = stack.calls().get("/sites?limit=100", tenant.token());
            if (list.status() != 200) {
                problems.add("GET /sites: " + list);
                continue;
            }
            Set<String> names = new TreeSet<>();
            for (JsonNode item : list.json().get("items")) {
                String name = item.get("name").asText();
                names.add(name);
                Expected expected = SITES.get(name);
                if (expected == null) {
                    continue;
                }
                String wanted = expected.running ? "running" : "stopped";
                if (!item.get("desiredState").asText().equals(wanted) || !item.get("observedState").asText().equals(wanted)
                        || !item.path("lastError").asText().isEmpty()) {
                    problems.add("API site " + name + ": desired " + item.get("desiredState") + ", observed "
                            + item.get("observedState") + ", lastError " + item.path("lastError") + "; want " + wanted);
                }
            }
            Set<String> wantedNames = SITES.values().stream().filter(site -> site.tenant == tenant).map(site -> site.name)
                    .collect(Collectors.toCollection(TreeSet::new));
            if (!names.equals(wantedNames)) {
                problems.add("API sites of tenant " + tenant.id() + ": " + names + ", want " + wantedNames);
            }
        }
        for (Expected site : SITES.values()) {
            if (site.deploys.isEmpty()) {
                continue;
            }
            JsonNode items = stack.calls().get("/sites/" + site.name + "/deploys?limit=100", site.tenant.token()).json().path("items");
            Map<String, String> statuses = new LinkedHashMap<>();
            items.forEach(item -> statuses.put(item.get("id").asText(), item.get("status").asText()));
            site.deploys.forEach((id, allowed) -> {
                if (!allowed.contains(statuses.get(id))) {
                    problems.add("deploy " + id + " of " + site.name + " is " + statuses.get(id) + ", want " + allowed);
                }
            });
        }
        // hostd: every spec converged at its generation without errors, and nothing else.
        Map<UUID, Expected> byId = new LinkedHashMap<>();
        Set<String> hostdNames = new TreeSet<>();
        for (JsonNode observed : stack.hostdSites()) {
            String name = observed.path("name").asText();
            hostdNames.add(name);
            Expected expected = SITES.get(name);
            if (expected == null) {
                continue;
            }
            expected.siteId = UUID.fromString(observed.path("siteId").asText());
            byId.put(expected.siteId, expected);
            String wanted = expected.running ? "running" : "stopped";
            if (!observed.path("state").asText().equals(wanted) || observed.path("appliedGeneration").asLong() != observed.path("desiredGeneration")
                    .asLong() || !observed.path("errors").isEmpty()) {
                problems.add("hostd site " + name + ": " + observed);
            }
        }
        if (!hostdNames.equals(new TreeSet<>(SITES.keySet()))) {
            problems.add("hostd holds " + hostdNames + ", want " + SITES.keySet());
        }
        // What is served, through nginx over HTTPS.
        for (Expected site : SITES.values()) {
            try {
                SiteHttp.Response response = https(site.name);
                if (site.running ? response.status() != 200 || !response.text().contains(site.page) : response.status() != 503) {
                    problems.add("https://" + site.name + "." + ZONE + "/ answered " + response + (site.running ? ", want 200 with "
                            + site.page : ", want the 503 page"));
                }
            } catch (IOException | java.security.GeneralSecurityException failure) {
                problems.add("https://" + site.name + "." + ZONE + "/: " + failure);
            }
        }
        // DNS: A and AAAA for every site, none for deleted ones.
        if (namedUp) {
            for (Expected site : SITES.values()) {
                List<String> a = named.answers(site.name + "." + ZONE, Type.A);
                List<String> aaaa = named.answers(site.name + "." + ZONE, Type.AAAA);
                if (!a.equals(List.of("127.0.0.1")) || aaaa.size() != 1
                        || !java.net.InetAddress.getByName(aaaa.get(0)).equals(java.net.InetAddress.getByName("::1"))) {
                    problems.add("DNS records of " + site.name + ": A " + a + ", AAAA " + aaaa);
                }
            }
            for (Gone gone : DELETED) {
                if (!named.answers(gone.name() + "." + ZONE, Type.A).isEmpty()) {
                    problems.add("DNS records of deleted " + gone.name() + " remain");
                }
            }
        }
        // The host: no object that no site claims, nothing half-written.
        StackProcess.Inventory inventory = stack.inventory();
        Set<UUID> all = byId.keySet();
        Set<UUID> running = byId.values().stream().filter(site -> site.running).map(site -> site.siteId)
                .collect(Collectors.toCollection(TreeSet::new));
        check(problems, "runc containers", inventory.containers(), running);
        check(problems, "bundles", inventory.bundles(), running);
        check(problems, "specs", inventory.specs(), all);
        check(problems, "content directories", inventory.content(), all);
        check(problems, "proxy routes", inventory.routes(), all);
        // Every site of the suite is under the platform certificate, whose one file serves them all.
        check(problems, "nginx files of sites", inventory.nginxFiles(), Set.of());
        if (!inventory.certificateFiles().equals(Set.of("platform"))) {
            problems.add("nginx files of certificates " + inventory.certificateFiles() + ", want [platform]");
        }
        if (!all.containsAll(inventory.netns()) || !inventory.netns().containsAll(running)) {
            problems.add("netns " + inventory.netns() + " for sites " + all + ", running " + running);
        }
        if (!all.containsAll(inventory.cgroups())) {
            problems.add("cgroups " + inventory.cgroups() + " for sites " + all);
        }
        if (inventory.bridgePorts() != inventory.netns().size()) {
            problems.add(inventory.bridgePorts() + " bridge ports for " + inventory.netns().size() + " netns");
        }
        if (!inventory.strayFiles().isEmpty()) {
            problems.add("half-written or unknown files: " + inventory.strayFiles());
        }
        for (Gone gone : DELETED) {
            List<String> left = stack.leftovers(gone.siteId(), gone.tenantId(), gone.vethIndex());
            if (!left.isEmpty()) {
                problems.add("deleted site " + gone.name() + " left " + left);
            }
        }
        return problems;
    }

    private static void check(List<String> problems, String what, Set<UUID> found, Set<UUID> wanted) {
        if (!found.equals(wanted)) {
            problems.add(what + " " + found + ", want " + wanted);
        }
    }

    /** One line to target/faults/progress.log at once (Failsafe shows the test's output only at the end). */
    private static void progress(String line) {
        try {
            Path log = Path.of("target/faults/progress.log");
            Files.createDirectories(log.getParent());
            Files.writeString(log, java.time.Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the report at the end has the same rows
        }
    }

    private static void writeReport() throws IOException {
        if (REPORT.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add("| scenario | converged after the fault (ms) | scenario total (ms) | reader 200s | reader failures |");
        lines.add("|---|---|---|---|---|");
        lines.addAll(REPORT);
        Path report = Path.of("target/faults/report.md");
        Files.createDirectories(report.getParent());
        Files.write(report, lines, StandardCharsets.UTF_8);
        System.out.println(String.join("\n", lines));
    }
}
