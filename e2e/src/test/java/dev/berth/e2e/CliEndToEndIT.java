package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testkit.Archives;
import dev.berth.testkit.GitHttpServer;
import dev.berth.testkit.PrometheusText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code bin/berth} as a user drives it, against the real API and the real hostd (containers,
 * nginx): log in with a personal access token, create a site, deploy a directory and an archive,
 * list deploys, roll back, follow the access log, stop, start, tokens, a platform admin's quota, a
 * suspension (the tenant's write exits 3) with its audit entry,
 * the documented exit codes, delete. Then the operator's view of the same run: both
 * {@code /prometheus} endpoints parsed by a Prometheus parser, and the NDJSON access-log download.
 * The methods run in order on one site.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_EMAIL = "admin@berth.localhost";
    private static final String ADMIN_PASSWORD = "admin-password-for-cli-tests";

    @RegisterExtension
    static final StackProcess STACK = StackProcess.builder()
            .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
            .apiConfiguration("""
                    deploys:
                      gitAllowlist: ["127.0.0.0/8"]
                      gitAllowPlainHttp: true
                    """)
            .name("cli-e2e")
            .build();

    private static Path work;
    private static Path userConfig;
    private static Path adminConfig;
    private static String tenant;
    private static String userAccessToken;
    private static String site;
    private static final List<String> SITES = new ArrayList<>();

    /** One run of bin/berth. */
    record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Run berth(Path config, String stdin, String... args) throws IOException, InterruptedException {
        return berth(config, Map.of(), stdin, args);
    }

    static Run berth(Path config, Map<String, String> variables, String stdin, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "out-", ".txt");
        Path err = Files.createTempFile(work, "err-", ".txt");
        Process process = launch(config, variables, out, err, args);
        try (var in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("berth " + String.join(" ", args) + " did not end within 5 minutes");
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** As a user starts it: the launcher, the user's configuration directory, no Berth variables, no terminal. */
    static Process launch(Path config, Path out, Path err, String... args) throws IOException {
        return launch(config, Map.of(), out, err, args);
    }

    static Process launch(Path config, Map<String, String> variables, Path out, Path err, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("berth.cli.launcher", "../bin/berth"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("BERTH_"));
        env.put("XDG_CONFIG_HOME", config.toString());
        env.put("HOME", work.toString());
        env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.putAll(variables);
        return builder.start();
    }

    static String personalAccessToken(String accessToken, String name) {
        ApiCalls.Answer created = STACK.calls().json("POST", "/tokens", accessToken,
                "{\"name\":\"" + name + "\",\"scopes\":[\"read\",\"write\"]}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("token").asText();
    }

    @BeforeAll
    static void aUserAndTheAdminHaveTokens() throws IOException {
        work = Files.createTempDirectory("berth-cli-e2e-");
        userConfig = Files.createDirectories(work.resolve("user-config"));
        adminConfig = Files.createDirectories(work.resolve("admin-config"));
        tenant = "cli" + STACK.prefix();
        userAccessToken = STACK.calls().signUpAndLogIn("cli-" + STACK.prefix() + "@example.com", "correct horse battery staple", tenant);
        site = STACK.uniqueSiteName("cli");
        SITES.add(site);
    }

    @AfterAll
    static void deleteWhatIsLeft() {
        if (userAccessToken != null) {
            for (String name : SITES) {
                STACK.calls().send("DELETE", "/sites/" + name, userAccessToken, null, null, Map.of());
            }
        }
    }

    @Test
    @Order(1)
    void loginKeepsTheTokenReadableByTheUserOnlyAndAWrongOneExits3() throws Exception {
        Run refused = berth(userConfig, "berth_pat_not_a_real_token\n", "login", "--api", STACK.api().baseUri());
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(3);
        assertThat(refused.err).contains("(HTTP 401)");
        assertThat(userConfig.resolve("berth/config.json")).doesNotExist();

        Run login = berth(userConfig, personalAccessToken(userAccessToken, "cli") + "\n", "login", "--api", STACK.api().baseUri());

        assertThat(login.exitCode).as(login.toString()).isZero();
        assertThat(login.out).contains("as cli-" + STACK.prefix() + "@example.com (tenant " + tenant + ")");
        Path file = userConfig.resolve("berth/config.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Run anonymous = berth(work.resolve("nobody"), "", "sites", "ls");
        assertThat(anonymous.exitCode).isEqualTo(3);
        assertThat(anonymous.err).contains("not logged in");
    }

    @Test
    @Order(2)
    void aSiteIsCreatedListedAndServedThroughNginx() throws Exception {
        Run created = berth(userConfig, "", "sites", "create", site, "--wait");
        assertThat(created.exitCode).as(created.toString()).isZero();
        assertThat(created.out).contains("created " + site).contains("(running)");
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);

        Run table = berth(userConfig, "", "sites", "ls");
        assertThat(table.out.lines().filter(line -> line.startsWith(site + " "))).singleElement()
                .satisfies(line -> assertThat(line).contains("running").contains("http://" + site + ".localhost"));
        JsonNode json = JSON.readTree(berth(userConfig, "", "sites", "ls", "--output", "json").out);
        assertThat(json.isArray()).isTrue();
        assertThat(json.get(0).get("name").asText()).isEqualTo(site);
        assertThat(json.get(0).get("observedState").asText()).isEqualTo("running");

        Run taken = berth(userConfig, "", "sites", "create", site);
        assertThat(taken.exitCode).as(taken.toString()).isEqualTo(5);
        assertThat(taken.err).startsWith("berth: ").contains("(HTTP 409)").doesNotContain("{\"");
        Run missing = berth(userConfig, "", "sites", "stop", "nope-" + STACK.prefix());
        assertThat(missing.exitCode).isEqualTo(4);
    }

    @Test
    @Order(3)
    void aDirectoryAndAnArchiveAreDeployedAndARollbackServesTheFirstAgain() throws Exception {
        Path first = Files.createDirectories(work.resolve("public"));
        Files.writeString(first.resolve("index.html"), "<h1>first " + STACK.prefix() + "</h1>");
        Files.createDirectories(first.resolve("css"));
        Files.writeString(first.resolve("css/site.css"), "h1 { color: teal }");
        Run deployed = berth(userConfig, "", "deploy", first.toString(), "--site", site);
        assertThat(deployed.exitCode).as(deployed.toString()).isZero();
        assertThat(deployed.out).contains("is live on " + site).contains("(2 files");
        assertThat(deployed.err).contains("Found 2 files").contains("sending the 2 the platform lacks").doesNotContain("\r");
        assertThat(STACK.site(site, "/").text()).contains("first " + STACK.prefix());
        assertThat(STACK.site(site, "/css/site.css").text()).contains("teal");

        Path archive = work.resolve("second.tar.gz");
        Files.write(archive, Archives.tarGz(Map.of("site/index.html", Archives.utf8("<h1>second " + STACK.prefix() + "</h1>"))));
        Run second = berth(userConfig, "", "deploy", archive.toString(), "--site", site, "--progress");
        assertThat(second.exitCode).as(second.toString()).isZero();
        assertThat(second.err).contains("uploading [").contains("100%");
        assertThat(STACK.site(site, "/").text()).contains("second " + STACK.prefix());

        JsonNode deploys = JSON.readTree(berth(userConfig, "", "deploys", "ls", "--site", site, "-o", "json").out);
        assertThat(deploys).hasSize(2);
        assertThat(deploys.get(0).get("status").asText()).isEqualTo("live");
        assertThat(deploys.get(1).get("status").asText()).isEqualTo("superseded");

        Run rollback = berth(userConfig, "", "rollback", "--site", site);
        assertThat(rollback.exitCode).as(rollback.toString()).isZero();
        assertThat(rollback.out).contains(site + " serves deploy " + deploys.get(1).get("id").asText() + " again");
        assertThat(STACK.site(site, "/").text()).contains("first " + STACK.prefix());

        // The directory again with one file changed: only that file travels (a deploy by manifest).
        Files.writeString(first.resolve("css/site.css"), "h1 { color: orange }");
        Run changed = berth(userConfig, "", "deploy", first.toString(), "--site", site);
        assertThat(changed.exitCode).as(changed.toString()).isZero();
        assertThat(changed.err).contains("Found 2 files").contains("sending the 1 the platform lacks (20 B)");
        assertThat(STACK.site(site, "/css/site.css").text()).contains("orange");
        assertThat(STACK.site(site, "/").text()).contains("first " + STACK.prefix());

        Path junk = Files.writeString(work.resolve("notes.txt"), "not an archive");
        assertThat(berth(userConfig, "", "deploy", junk.toString(), "--site", site).exitCode).isEqualTo(2);
    }

    @Test
    @Order(4)
    void logsPrintsTheRequestsAndFollowPrintsEachNewOneOnce() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(STACK.site(site, "/seen-" + i).status()).isEqualTo(404);
        }
        Run recent = awaitRun(run -> run.out.contains("GET /seen-2 404"), "logs", "--site", site);
        assertThat(recent.out).contains("GET /seen-0 404").contains("GET /seen-1 404");

        Path out = work.resolve("follow.out");
        Path err = work.resolve("follow.err");
        Process follow = launch(userConfig, out, err, "logs", "--site", site, "-f", "--interval", "0.5", "-n", "1", "-o", "json");
        try {
            awaitFile(out, text -> !text.isBlank());
            for (int i = 0; i < 3; i++) {
                STACK.site(site, "/followed-" + i);
            }
            String followed = awaitFile(out, text -> text.contains("/followed-2"));
            for (int i = 0; i < 3; i++) {
                String uri = "/followed-" + i;
                assertThat(followed.lines().filter(line -> line.contains("\"uri\":\"" + uri + "\""))).as(uri).hasSize(1);
            }
            assertThat(followed.lines()).allMatch(line -> line.startsWith("{\"time\":"));
        } finally {
            follow.destroy();
            follow.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(5)
    void stopAnswersTheRestingPageAndStartServesAgain() throws Exception {
        Run stopped = berth(userConfig, "", "sites", "stop", site);
        assertThat(stopped.exitCode).as(stopped.toString()).isZero();
        assertThat(stopped.out.strip()).isEqualTo(site + " stopped");
        assertThat(STACK.awaitSite(site, "/", response -> response.status() == 503, CONVERGE).text()).contains("resting");
        Run started = berth(userConfig, "", "sites", "start", site);
        assertThat(started.exitCode).as(started.toString()).isZero();
        STACK.awaitSite(site, "/", response -> response.status() == 200, CONVERGE);
    }

    @Test
    @Order(6)
    void tokensAreCreatedListedAndRevokedWithThePasswordSinceATokenCannotMintTokens() throws Exception {
        Run refused = berth(userConfig, Map.of("BERTH_PASSWORD", "not my password at all"), "", "tokens", "ls");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(3);
        // The e-mail address is the one berth login saw; the password comes on standard input.
        Run created = berth(userConfig, "correct horse battery staple\n", "tokens", "create", "ci-" + STACK.prefix(), "--scope", "read");
        assertThat(created.exitCode).as(created.toString()).isZero();
        String secret = created.out.strip();
        assertThat(secret).startsWith("berth_pat_");
        assertThat(STACK.calls().get("/sites", secret).status()).isEqualTo(200);
        Map<String, String> password = Map.of("BERTH_PASSWORD", "correct horse battery staple");
        assertThat(berth(userConfig, password, "", "tokens", "ls").out).contains("ci-" + STACK.prefix());
        Run revoked = berth(userConfig, password, "", "tokens", "revoke", "ci-" + STACK.prefix());
        assertThat(revoked.exitCode).as(revoked.toString()).isZero();
        assertThat(STACK.calls().get("/sites", secret).status()).isEqualTo(401);
    }

    @Test
    @Order(7)
    void anAdminLowersTheTenantsQuotaAndTheNextCreateExits5() throws Exception {
        String adminAccess = STACK.calls().logIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        Run login = berth(adminConfig, personalAccessToken(adminAccess, "cli-admin") + "\n", "login", "--api", STACK.api().baseUri());
        assertThat(login.exitCode).as(login.toString()).isZero();
        assertThat(berth(userConfig, "", "admin", "quota", "get", tenant).exitCode).as("a tenant is no admin").isEqualTo(3);

        Run set = berth(adminConfig, "", "admin", "quota", "set", tenant, "--max-sites", "1", "-o", "json");

        assertThat(set.exitCode).as(set.toString()).isZero();
        assertThat(JSON.readTree(set.out).get("maxSites").asInt()).isEqualTo(1);
        assertThat(JSON.readTree(berth(adminConfig, "", "admin", "quota", "get", tenant, "-o", "json").out).get("maxSites").asInt())
                .isEqualTo(1);
        Run over = berth(userConfig, "", "sites", "create", STACK.uniqueSiteName("over"));
        assertThat(over.exitCode).as(over.toString()).isEqualTo(5);
        assertThat(over.err).contains("(HTTP 422)");
    }

    @Test
    @Order(9)
    void anAdminSuspendsTheTenantWhoseNextWriteExits3ThenReadsItInTheAuditAndUnsuspends() throws Exception {
        Run suspend = berth(adminConfig, "", "admin", "suspend", tenant, "--reason", "cli e2e: abuse report", "-o", "json");
        assertThat(suspend.exitCode).as(suspend.toString()).isZero();
        assertThat(JSON.readTree(suspend.out).get("suspensionReason").asText()).isEqualTo("cli e2e: abuse report");
        Run refused = berth(userConfig, "", "sites", "stop", site, "--no-wait");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(3);
        assertThat(refused.err).contains("(HTTP 403)");
        assertThat(berth(userConfig, "", "sites", "ls").exitCode).as("reads still work").isZero();
        assertThat(berth(userConfig, "", "admin", "suspend", tenant, "--reason", "x").exitCode).as("a tenant is no admin").isEqualTo(3);

        Run audit = berth(adminConfig, "", "admin", "audit", "--tenant", tenant, "--action", "adminSuspendTenant", "-o", "json");
        assertThat(audit.exitCode).as(audit.toString()).isZero();
        assertThat(JSON.readTree(audit.out)).hasSize(1);
        assertThat(JSON.readTree(audit.out).get(0).get("actorLabel").asText()).isEqualTo("cli-admin (" + ADMIN_EMAIL + ")");
        Run table = berth(adminConfig, "", "admin", "audit", "--tenant", tenant, "--limit", "3");
        assertThat(table.out).contains("TIME", "ACTION", "adminSuspendTenant");
        assertThat(berth(adminConfig, "", "admin", "audit", "--since", "yesterday").exitCode).isEqualTo(6);

        Run unsuspend = berth(adminConfig, "", "admin", "unsuspend", tenant);
        assertThat(unsuspend.exitCode).as(unsuspend.toString()).isZero();
        assertThat(unsuspend.out).contains(tenant, "no");
        STACK.awaitSite(site, "/", response -> response.status() == 200, Duration.ofSeconds(30));
    }

    @Test
    @Order(8)
    void bothPrometheusEndpointsReportThisRunAndTheAccessLogDownloadsAsNdjson() throws Exception {
        PrometheusText.Exposition hostd = awaitScrape(STACK.hostdAdminPort(),
                metrics -> metrics.named("berth_site_requests_total", "site", site).stream().anyMatch(sample -> sample.value() >= 6));
        assertThat(hostd.value("berth_site_sent_bytes_total", "site", site)).isPositive();
        assertThat(hostd.value("berth_hostd_sites", "state", "running")).isGreaterThanOrEqualTo(1);
        assertThat(hostd.value("berth_hostd_site_errors", "part", "runtime")).isZero();
        assertThat(hostd.value("berth_site_memory_bytes", "site", site)).isPositive();
        assertThat(hostd.named("jvm_memory_used_bytes", "area", "heap")).isNotEmpty();
        assertThat(raw("http://127.0.0.1:" + STACK.hostdAdminPort() + "/tasks/gc", "POST").statusCode()).isEqualTo(404);

        PrometheusText.Exposition api = awaitScrape(STACK.api().adminPort(),
                metrics -> metrics.value("berth_deploys_finished_total", "outcome", "live") >= 3);
        assertThat(api.value("berth_sites", "state", "running")).isGreaterThanOrEqualTo(1);
        assertThat(api.value("berth_deploy_duration_seconds_count", "outcome", "live")).isGreaterThanOrEqualTo(3);
        assertThat(api.value("berth_sites_unconverged")).isZero();
        assertThat(api.value("io_dropwizard_jetty_MutableServletContextHandler_requests_seconds_count")).isPositive();

        HttpResponse<String> export = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(STACK.api().baseUri()
                        + "/sites/" + site + "/access-log/export")).header("Authorization", "Bearer " + userAccessToken).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Type")).contains("application/x-ndjson");
        List<String> uris = new ArrayList<>();
        for (String line : export.body().lines().toList()) {
            uris.add(JSON.readTree(line).get("uri").asText());
        }
        assertThat(uris).containsSubsequence("/seen-0", "/seen-1", "/seen-2", "/followed-0", "/followed-1", "/followed-2");
    }

    @Test
    @Order(10)
    void aPrivateRepositoryWithAnAccessTokenIsSetShownAndRedeployed() throws Exception {
        Path repository = work.resolve("private-repo");
        try (Git git = Git.init().setDirectory(repository.toFile()).setInitialBranch("main").call();
             GitHttpServer server = new GitHttpServer(git.getRepository())) {
            Files.writeString(repository.resolve("index.html"), "<h1>private " + STACK.prefix() + "</h1>");
            git.add().addFilepattern(".").call();
            git.commit().setMessage("private site").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com").call();
            String accessToken = "glpat-" + STACK.prefix() + "-secret";
            server.requireToken("deployer", accessToken);

            // The token comes on standard input, never on the command line.
            Run set = berth(userConfig, accessToken + "\n", "git", "set", "--site", site, "--repo", server.url(),
                    "--branch", "main", "--token", "--token-user", "deployer");
            assertThat(set.exitCode).as(set.toString()).isZero();
            assertThat(set.out).contains(site + " deploys " + server.url() + " branch main")
                    .contains("access: a token, sent as user deployer").contains("webhook secret (shown once): ")
                    .doesNotContain(accessToken);
            Run shown = berth(userConfig, "", "git", "show", "--site", site, "-o", "json");
            assertThat(shown.exitCode).as(shown.toString()).isZero();
            assertThat(JSON.readTree(shown.out).get("credential").asText()).isEqualTo("token");
            assertThat(shown.out).doesNotContain(accessToken).doesNotContain("secret\"");

            Run redeployed = berth(userConfig, "", "redeploy", "--site", site);
            assertThat(redeployed.exitCode).as(redeployed.toString()).isZero();
            assertThat(redeployed.out).contains("is live on " + site);
            assertThat(STACK.site(site, "/").text()).contains("private " + STACK.prefix());
            assertThat(server.requests()).as("the fetch carried the token (the server refuses anything else)").isNotEmpty();

            // Without the token the private repository refuses the fetch: the deploy fails, the site keeps serving.
            Run publicAgain = berth(userConfig, "", "git", "set", "--site", site, "--repo", server.url(), "--branch", "main");
            assertThat(publicAgain.exitCode).as(publicAgain.toString()).isZero();
            assertThat(publicAgain.out).contains("access: public");
            Run refused = berth(userConfig, "", "redeploy", "--site", site);
            assertThat(refused.exitCode).as(refused.toString()).isNotZero();
            assertThat(STACK.site(site, "/").text()).contains("private " + STACK.prefix());

            Run removed = berth(userConfig, "", "git", "remove", "--site", site);
            assertThat(removed.exitCode).as(removed.toString()).isZero();
            assertThat(berth(userConfig, "", "git", "show", "--site", site).exitCode).as("no source: not found").isEqualTo(4);
        }
    }

    @Test
    @Order(11)
    void aBuildStepSetFromTheCliBuildsADirectoryDeployedByManifestAndTheDeployPrintsTheBuildsLines() throws Exception {
        Run set = berth(userConfig, "", "build", "set", "--site", site, "--command", "mkdocs build", "--publish", "site");
        assertThat(set.exitCode).as(set.toString()).isZero();
        assertThat(set.out).contains("every deploy runs `mkdocs build` and publishes site/");
        Path docs = Files.createDirectories(work.resolve("handbook/docs"));
        Files.writeString(work.resolve("handbook/mkdocs.yml"), "site_name: Handbook " + STACK.prefix() + "\n");
        Files.writeString(docs.resolve("index.md"), "# Built from the CLI\n");
        Run deployed = berth(userConfig, "", "deploy", work.resolve("handbook").toString(), "--site", site);
        assertThat(deployed.exitCode).as(deployed.toString()).isZero();
        assertThat(deployed.err).contains("  | INFO").contains("Documentation built");
        assertThat(STACK.site(site, "/").text()).contains("Built from the CLI", "Handbook " + STACK.prefix());
        assertThat(berth(userConfig, "", "build", "remove", "--site", site).exitCode).isZero();
        assertThat(berth(userConfig, "", "build", "show", "--site", site).exitCode).as("no step: not found").isEqualTo(4);
    }

    @Test
    @Order(12)
    void rmDeletesTheSiteAndItsNameAnswers404() throws Exception {
        assertThat(berth(userConfig, "", "sites", "rm", site).exitCode).as("no --yes without a terminal").isEqualTo(2);
        Run deleted = berth(userConfig, "", "sites", "rm", site, "--yes");
        assertThat(deleted.exitCode).as(deleted.toString()).isZero();
        assertThat(STACK.awaitSite(site, "/", response -> response.status() == 404, CONVERGE).status()).isEqualTo(404);
        assertThat(JSON.readTree(berth(userConfig, "", "sites", "ls", "-o", "json").out)).isEmpty();
        SITES.remove(site);
    }

    private static Run awaitRun(Predicate<Run> accept, String... args) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        Run last = null;
        while (System.nanoTime() < deadline) {
            last = berth(userConfig, "", args);
            if (accept.test(last)) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("berth " + String.join(" ", args) + " never answered as expected; last: " + last);
    }

    private static String awaitFile(Path file, Predicate<String> accept) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.exists(file) ? Files.readString(file) : "";
            if (accept.test(text)) {
                return text;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(file + " never held what was expected: " + (Files.exists(file) ? Files.readString(file) : "(none)"));
    }

    private static HttpResponse<String> raw(String url, String method) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static PrometheusText.Exposition awaitScrape(int adminPort, Predicate<PrometheusText.Exposition> accept) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        PrometheusText.Exposition last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = raw("http://127.0.0.1:" + adminPort + "/prometheus", "GET");
            assertThat(answer.statusCode()).isEqualTo(200);
            last = PrometheusText.parse(answer.body());
            if (accept.test(last)) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the scrape of port " + adminPort + " never showed what was expected: " + last);
    }

}
