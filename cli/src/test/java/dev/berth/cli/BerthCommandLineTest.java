package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.cli.FakeApi.Answer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole command line against a fake API on loopback: what each command sends, prints and exits with. */
class BerthCommandLineTest {
    private static final String TOKEN = "berth_pat_abcdefghijklmnopqrstuvwxyz012345";
    private static final String ME = """
            {"userId":"6f1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60","email":"ada@example.com","tenantId":"7a1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60",
             "tenantName":"ada","role":"owner","platformAdmin":false}""";
    private static final String OPERATION_ID = "0b1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60";
    private static final String DEPLOY_ID = "1d1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60";
    private static final String TENANT_ID = "7a1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60";

    @TempDir
    Path config;
    @TempDir
    Path work;
    FakeApi api;
    Map<String, String> env;

    @BeforeEach
    void startFakeApi() {
        api = new FakeApi();
        env = Map.of("BERTH_TOKEN", TOKEN, "BERTH_API_URL", api.url());
    }

    @AfterEach
    void stopFakeApi() {
        api.close();
    }

    static String site(String name, String observed) {
        return """
                {"name":"%s","hostname":"%s.localhost","url":"http://%s.localhost/","tenantId":"%s","ipv4":"10.1.1.2",
                 "ipv6":"fd42:b3f1:7a00:1::2","desiredState":"running","observedState":"%s",
                 "createdAt":"2026-12-01T10:00:00Z","updatedAt":"2026-12-01T10:00:00Z"}""".formatted(name, name, name, TENANT_ID, observed);
    }

    static String operation(String status, String error) {
        return """
                {"id":"%s","kind":"site.stop","status":"%s","target":"blog",%s"createdAt":"2026-12-01T10:00:00Z","updatedAt":"2026-12-01T10:00:01Z"}"""
                .formatted(OPERATION_ID, status, error == null ? "" : "\"error\":\"" + error + "\",");
    }

    static String deploy(String status) {
        return """
                {"id":"%s","site":"blog","source":"upload","status":"%s","live":%s,"bytes":2048,"files":2,"log":["unpacked 2 files"],
                 "createdAt":"2026-12-01T10:00:00Z","updatedAt":"2026-12-01T10:00:01Z"}""".formatted(DEPLOY_ID, status, status.equals("live"));
    }

    @Test
    void loginChecksTheTokenAndKeepsItInTheConfigDirectoryReadableByTheUserOnly() throws Exception {
        api.on("GET /api/v1/me", Answer.json(200, ME));

        Run run = Run.berth(config, Map.of(), TOKEN + "\n", duration -> { }, "login", "--api", api.url() + "/");

        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out).contains("Logged in to " + api.url() + " as ada@example.com (tenant ada)");
        assertThat(api.requests().get(0).header("Authorization")).isEqualTo("Bearer " + TOKEN);
        Path file = config.resolve("berth/config.json");
        assertThat(Files.readString(file)).contains("\"token\" : \"" + TOKEN + "\"").contains("\"api\" : \"" + api.url() + "\"")
                .contains("\"email\" : \"ada@example.com\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        // The saved login is what the next command uses, without any variable.
        api.on("GET /api/v1/sites?limit=200", Answer.json(200, "{\"items\":[" + site("blog", "running") + "]}"));
        Run list = Run.berth(config, Map.of(), "sites", "ls");
        assertThat(list.exitCode).as(list.toString()).isZero();
        assertThat(list.out).contains("blog");
    }

    @Test
    void loginTakesBerthTokenBeforeStandardInputAndARefusedTokenIsNotSaved() {
        api.on("GET /api/v1/me", Answer.problem(401, "{\"type\":\"https://berth.dev/problems/unauthorized\",\"title\":\"Unauthorized\","
                + "\"status\":401,\"detail\":\"the token is not valid\"}"));

        Run run = Run.berth(config, Map.of("BERTH_TOKEN", "berth_pat_revoked"), "berth_pat_from_stdin\n", duration -> { },
                "login", "--api", api.url());

        assertThat(run.exitCode).as(run.toString()).isEqualTo(ExitCodes.AUTH);
        assertThat(api.requests().get(0).header("Authorization")).isEqualTo("Bearer berth_pat_revoked");
        assertThat(run.err).contains("Unauthorized: the token is not valid (HTTP 401)").contains("berth login --api URL");
        assertThat(config.resolve("berth/config.json")).doesNotExist();
    }

    @Test
    void loginWithoutATokenOrWithABadAddressIsAUsageError() {
        assertThat(Run.berth(config, Map.of(), "", duration -> { }, "login", "--api", api.url()).exitCode).isEqualTo(ExitCodes.USAGE);
        Run badUrl = Run.berth(config, Map.of(), TOKEN + "\n", duration -> { }, "login", "--api", "ftp://example.com");
        assertThat(badUrl.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(badUrl.err).contains("http:// or https:// URL");
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void sitesLsReadsEveryPageAndPrintsATableOrJson() {
        api.on("GET /api/v1/sites?limit=200", Answer.json(200, "{\"items\":[" + site("blog", "running") + "],\"nextCursor\":\"abc\"}"));
        api.on("GET /api/v1/sites?cursor=abc&limit=200", Answer.json(200, "{\"items\":[" + site("shop", "stopped") + "]}"));

        Run table = Run.berth(config, env, "sites", "ls");
        assertThat(table.exitCode).as(table.toString()).isZero();
        List<String> lines = table.out.lines().toList();
        assertThat(lines.get(0)).startsWith("NAME").contains("STATE").contains("URL").contains("IPV4");
        assertThat(lines.get(1)).startsWith("blog").contains("running").contains("http://blog.localhost/").contains("10.1.1.2");
        assertThat(lines.get(2)).startsWith("shop").contains("stopped");

        Run json = Run.berth(config, env, "sites", "ls", "--output", "json");
        assertThat(json.exitCode).isZero();
        assertThat(json.out.strip()).startsWith("[").endsWith("]").contains("\"name\" : \"blog\"").contains("\"name\" : \"shop\"")
                .contains("\"createdAt\" : \"2026-12-01T10:00:00Z\"");
    }

    @Test
    void problemsArePrintedInWordsAndMappedToTheDocumentedExitCodes() {
        api.on("POST /api/v1/sites", Answer.problem(409, "{\"type\":\"https://berth.dev/problems/name-taken\",\"title\":\"Name taken\","
                + "\"status\":409,\"detail\":\"a site named blog exists already\"}"));
        Run taken = Run.berth(config, env, "sites", "create", "blog");
        assertThat(taken.exitCode).isEqualTo(ExitCodes.CONFLICT);
        assertThat(taken.err.strip()).isEqualTo("berth: Name taken: a site named blog exists already (HTTP 409)");
        assertThat(api.requests().get(0).header("Idempotency-Key")).isNotBlank();

        api.set("POST /api/v1/sites", Answer.problem(400, "{\"type\":\"https://berth.dev/problems/invalid-request\",\"title\":\"Invalid request\","
                + "\"status\":400,\"errors\":[{\"field\":\"name\",\"message\":\"must be a DNS label\"}]}"));
        Run invalid = Run.berth(config, env, "sites", "create", "Bad_Name");
        assertThat(invalid.exitCode).isEqualTo(ExitCodes.REFUSED);
        assertThat(invalid.err).contains("Invalid request (HTTP 400)").contains("  name: must be a DNS label");

        api.on("POST /api/v1/sites/gone/stop", Answer.problem(404, "{\"type\":\"https://berth.dev/problems/not-found\",\"title\":\"Not found\","
                + "\"status\":404,\"detail\":\"no site named gone\"}"));
        assertThat(Run.berth(config, env, "sites", "stop", "gone").exitCode).isEqualTo(ExitCodes.NOT_FOUND);

        api.on("POST /api/v1/sites/blog/start", Answer.problem(422, "{\"type\":\"https://berth.dev/problems/quota-exceeded\","
                + "\"title\":\"Quota exceeded\",\"status\":422,\"detail\":\"maxRunningSites is 1\"}"));
        assertThat(Run.berth(config, env, "sites", "start", "blog").exitCode).isEqualTo(ExitCodes.CONFLICT);

        api.on("GET /api/v1/sites?limit=200", Answer.problem(500, "{\"type\":\"https://berth.dev/problems/internal\",\"title\":\"Internal error\","
                + "\"status\":500,\"correlationId\":\"4c0ffee0-1111-2222-3333-444455556666\"}"));
        Run broken = Run.berth(config, env, "sites", "ls");
        assertThat(broken.exitCode).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(broken.err).contains("correlation id: 4c0ffee0-1111-2222-3333-444455556666");

        api.on("GET /api/v1/sites/blog/deploys?limit=20", new Answer(502, "text/html", "<html>bad gateway</html>", Map.of()));
        Run gateway = Run.berth(config, env, "deploys", "ls", "--site", "blog");
        assertThat(gateway.exitCode).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(gateway.err).contains("the API answered HTTP 502: <html>bad gateway</html>");
    }

    @Test
    void anApiThatDoesNotAnswerExits7AndAMissingLoginExits3() {
        String closed = api.url();
        api.close();
        Run unreachable = Run.berth(config, Map.of("BERTH_TOKEN", TOKEN, "BERTH_API_URL", closed), "sites", "ls");
        assertThat(unreachable.exitCode).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(unreachable.err).startsWith("berth: cannot reach the API: ");

        Run anonymous = Run.berth(config, Map.of(), "sites", "ls");
        assertThat(anonymous.exitCode).isEqualTo(ExitCodes.AUTH);
        assertThat(anonymous.err).contains("not logged in: run berth login --api URL");
    }

    @Test
    void stopFollowsTheOperationUntilItSucceedsAndAFailedOneExits1() {
        api.on("POST /api/v1/sites/blog/stop", Answer.json(202, operation("pending", null)));
        api.on("GET /api/v1/operations/" + OPERATION_ID, Answer.json(200, operation("running", null)),
                Answer.json(200, operation("succeeded", null)));
        Run stopped = Run.berth(config, env, "sites", "stop", "blog");
        assertThat(stopped.exitCode).as(stopped.toString()).isZero();
        assertThat(stopped.out.strip()).isEqualTo("blog stopped");
        assertThat(api.requests().stream().filter(r -> r.pathAndQuery().startsWith("/api/v1/operations/")).count()).isEqualTo(2);

        api.on("POST /api/v1/sites/shop/stop", Answer.json(202, operation("pending", null)));
        api.set("GET /api/v1/operations/" + OPERATION_ID, Answer.json(200, operation("failed", "the host refused the spec")));
        Run failed = Run.berth(config, env, "sites", "stop", "shop");
        assertThat(failed.exitCode).isEqualTo(ExitCodes.FAILED);
        assertThat(failed.err).contains("site.stop of blog failed: the host refused the spec");

        Run noWait = Run.berth(config, env, "sites", "stop", "shop", "--no-wait", "-o", "json");
        assertThat(noWait.exitCode).isZero();
        assertThat(noWait.out).contains("\"status\" : \"pending\"");
    }

    @Test
    void rmNeedsYesWhenNotAtATerminal() {
        Run refused = Run.berth(config, env, "sites", "rm", "blog");
        assertThat(refused.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err).contains("needs --yes");
        assertThat(api.requests()).isEmpty();

        api.on("DELETE /api/v1/sites/blog", Answer.json(202, operation("succeeded", null)));
        Run deleted = Run.berth(config, env, "sites", "rm", "blog", "--yes");
        assertThat(deleted.exitCode).as(deleted.toString()).isZero();
        assertThat(deleted.out.strip()).isEqualTo("blog deleted");
    }

    @Test
    void deployWithZipPacksADirectoryWithoutLinksOrGitShowsProgressAndWaitsForLive() throws Exception {
        Path site = Files.createDirectories(work.resolve("public"));
        Files.writeString(site.resolve("index.html"), "<h1>hello</h1>");
        Files.createDirectories(site.resolve("css"));
        Files.writeString(site.resolve("css/site.css"), "h1{}");
        Files.createDirectories(site.resolve(".git/objects"));
        Files.writeString(site.resolve(".git/config"), "[core]");
        Path secret = Files.writeString(work.resolve("secret.txt"), "not for the web");
        Files.createSymbolicLink(site.resolve("leak.txt"), secret);
        api.on("POST /api/v1/sites/blog/deploys", Answer.json(202, deploy("installing")));
        api.on("GET /api/v1/sites/blog/deploys/" + DEPLOY_ID, Answer.json(200, deploy("installing")), Answer.json(200, deploy("live")));

        Run run = Run.berth(config, env, "", duration -> { }, "deploy", site.toString(), "--site", "blog", "--zip", "--progress");

        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out.strip()).isEqualTo("deploy " + DEPLOY_ID + " is live on blog (2 files, 2.0 KiB)");
        assertThat(run.err).contains("Packed 2 files").contains("left out 2 symbolic links or .git entries")
                .contains("uploading [").contains("100%");
        FakeApi.Request upload = api.requests().get(0);
        assertThat(upload.header("Content-Type")).isEqualTo("application/zip");
        assertThat(upload.header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(upload.header("Content-Length")).isEqualTo(String.valueOf(upload.body().length));
        List<String> names = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(upload.body()))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                names.add(entry.getName());
                if (entry.getName().equals("index.html")) {
                    assertThat(new String(zip.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("<h1>hello</h1>");
                }
            }
        }
        assertThat(names).containsExactlyInAnyOrder("index.html", "css/site.css");
    }

    @Test
    void deployOfADirectorySendsItsManifestThenOnlyTheFilesThePlatformLacks() throws Exception {
        Path site = Files.createDirectories(work.resolve("public"));
        Files.writeString(site.resolve("index.html"), "<h1>hello</h1>");
        Files.createDirectories(site.resolve("css"));
        Files.writeString(site.resolve("css/site.css"), "h1{}");
        Files.writeString(site.resolve("css/copy.css"), "h1{}");
        Files.createDirectories(site.resolve(".git"));
        Files.writeString(site.resolve(".git/config"), "[core]");
        Files.createSymbolicLink(site.resolve("leak.txt"), Files.writeString(work.resolve("secret.txt"), "not for the web"));
        String indexSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("<h1>hello</h1>".getBytes(StandardCharsets.UTF_8)));
        String uploading = deploy("uploading").replace("\"source\":\"upload\"", "\"source\":\"manifest\"")
                .replace("\"log\":", "\"required\":[\"" + indexSha + "\"],\"log\":");
        api.on("POST /api/v1/sites/blog/deploys/manifest", Answer.json(202, uploading));
        api.on("PUT /api/v1/sites/blog/deploys/" + DEPLOY_ID + "/files/" + indexSha, Answer.json(200, deploy("installing")));
        api.on("GET /api/v1/sites/blog/deploys/" + DEPLOY_ID, Answer.json(200, deploy("live")));

        Run run = Run.berth(config, env, "", duration -> { }, "deploy", site.toString(), "--site", "blog", "--progress");

        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out.strip()).isEqualTo("deploy " + DEPLOY_ID + " is live on blog (2 files, 2.0 KiB)");
        assertThat(run.err).contains("Found 3 files").contains("left out 2 symbolic links or .git entries")
                .contains("sending the 1 the platform lacks (14 B)").contains("100%");
        com.fasterxml.jackson.databind.JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(api.requests().get(0).body());
        List<String> paths = new ArrayList<>();
        manifest.get("files").forEach(file -> paths.add(file.get("path").asText()));
        assertThat(paths).containsExactlyInAnyOrder("index.html", "css/site.css", "css/copy.css");
        FakeApi.Request put = api.requests().get(1);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo("<h1>hello</h1>");
        assertThat(api.requests().stream().filter(request -> request.method().equals("PUT"))).hasSize(1);
    }

    @Test
    void redeployQueuesTheBranchHeadAndWaitsUntilItIsLive() throws Exception {
        String gitDeploy = deploy("queued").replace("\"source\":\"upload\"", "\"source\":\"git\",\"commit\":\"abc123\"");
        api.on("POST /api/v1/sites/blog/redeploy", Answer.json(202, gitDeploy));
        api.on("GET /api/v1/sites/blog/deploys/" + DEPLOY_ID, Answer.json(200, gitDeploy.replace("\"queued\"", "\"live\"")
                .replace("\"live\":false", "\"live\":true")));

        Run run = Run.berth(config, env, "", duration -> { }, "redeploy", "--site", "blog");

        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out.strip()).isEqualTo("deploy " + DEPLOY_ID + " of commit abc123 is live on blog");
        assertThat(api.requests().get(0).method()).isEqualTo("POST");
    }

    @Test
    void buildSetsShowsAndRemovesTheStepAndADeployPrintsTheBuildsLinesAsTheyCome(@TempDir Path work) throws Exception {
        api.on("PUT /api/v1/sites/blog/build", Answer.json(200, "{\"command\":\"hugo --minify\",\"outputDirectory\":\"public\"}"));
        Run set = Run.berth(config, env, "build", "set", "--site", "blog", "--command", "hugo --minify", "--publish", "public");
        assertThat(set.exitCode).as(set.toString()).isZero();
        assertThat(set.out.strip()).isEqualTo("blog: every deploy runs `hugo --minify` and publishes public/");
        assertThat(new String(api.requests().get(0).body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"command\":\"hugo --minify\"", "\"outputDirectory\":\"public\"");
        api.on("GET /api/v1/sites/blog/build", Answer.json(200, "{\"command\":\"hugo --minify\",\"outputDirectory\":\"public\"}"));
        assertThat(Run.berth(config, env, "build", "show", "--site", "blog", "-o", "json").out).contains("\"outputDirectory\" : \"public\"");
        api.on("DELETE /api/v1/sites/blog/build", new Answer(204, "application/json", "", Map.of()));
        assertThat(Run.berth(config, env, "build", "remove", "--site", "blog").exitCode).isZero();
        assertThat(Run.berth(config, env, "build", "set", "--site", "blog", "--command", "hugo").exitCode)
                .as("--publish is required").isEqualTo(ExitCodes.USAGE);

        Path site = Files.createDirectories(work.resolve("sources"));
        Files.writeString(site.resolve("config.toml"), "title = 'x'");
        String building = deploy("building").replace("[\"unpacked 2 files\"]",
                "[\"unpacked 2 files\",\"2026-12-01T10:00:01Z | Start building sites … \"]");
        String built = deploy("live").replace("[\"unpacked 2 files\"]", "[\"unpacked 2 files\",\"2026-12-01T10:00:01Z | Start building sites … \","
                + "\"2026-12-01T10:00:02Z | Total in 41 ms\",\"2026-12-01T10:00:02Z building with `a | b`, publishing public/\"]");
        api.on("POST /api/v1/sites/blog/deploys", Answer.json(202, deploy("building")));
        api.on("GET /api/v1/sites/blog/deploys/" + DEPLOY_ID, Answer.json(200, building), Answer.json(200, built));
        Run deployed = Run.berth(config, env, "", duration -> { }, "deploy", site.toString(), "--site", "blog", "--zip");
        assertThat(deployed.exitCode).as(deployed.toString()).isZero();
        assertThat(deployed.err).containsSubsequence("  | Start building sites", "  | Total in 41 ms").doesNotContain("a | b");
        assertThat(deployed.err.split("Start building sites", -1)).as("each line once").hasSize(2);
    }

    @Test
    void servingSetsTheNamedSwitchesAndKeepsTheOtherAsTheSiteHasIt() throws Exception {
        api.on("GET /api/v1/sites/blog", Answer.json(200, "{\"name\":\"blog\",\"hostname\":\"blog.example.com\","
                + "\"tenantId\":\"0e9d8c7b-6a59-4483-b2a1-0f1e2d3c4b5a\",\"desiredState\":\"running\",\"observedState\":\"running\","
                + "\"serving\":{\"spa\":false,\"cleanUrls\":true},\"createdAt\":\"2026-12-06T02:00:00Z\",\"updatedAt\":\"2026-12-06T02:00:00Z\"}"));
        api.on("PUT /api/v1/sites/blog/serving", Answer.json(200, "{\"spa\":true,\"cleanUrls\":true}"));

        Run run = Run.berth(config, env, "serving", "--site", "blog", "--spa", "true");

        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out.strip()).isEqualTo("blog: spa on, clean URLs on");
        String body = new String(api.requests().get(1).body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(body).contains("\"spa\":true", "\"cleanUrls\":true");
        assertThat(Run.berth(config, env, "serving", "--site", "blog").exitCode).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void protectReadsThePasswordFromStandardInputNeverTheCommandLineAndUnprotectOpensTheSite() throws Exception {
        api.on("PUT /api/v1/sites/blog/protection", Answer.json(200, "{\"passwordProtected\":true,\"username\":\"ada\","
                + "\"pathPrefix\":\"/staging\",\"allowedAddresses\":[\"192.0.2.0/24\"],\"updatedAt\":\"2026-12-06T02:00:00Z\"}"));
        Run run = Run.berth(config, env, "a long shared secret\n", duration -> { }, "protect", "--site", "blog", "--user", "ada",
                "--allow", "192.0.2.7/24", "--path", "/staging");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out.strip()).isEqualTo("blog is protected by a password for ada and addresses 192.0.2.0/24 under /staging");
        String body = new String(api.requests().get(0).body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(body).contains("\"username\":\"ada\"", "\"password\":\"a long shared secret\"", "\"pathPrefix\":\"/staging\"",
                "\"allowedAddresses\":[\"192.0.2.7/24\"]");

        Run nothing = Run.berth(config, env, "", duration -> { }, "protect", "--site", "blog");
        assertThat(nothing.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(Run.berth(config, env, "", duration -> { }, "protect", "--site", "blog", "--user", "ada").exitCode)
                .as("no password on standard input").isEqualTo(ExitCodes.USAGE);

        api.on("DELETE /api/v1/sites/blog/protection", new Answer(204, "application/json", "", Map.of()));
        Run open = Run.berth(config, env, "unprotect", "--site", "blog");
        assertThat(open.exitCode).as(open.toString()).isZero();
        assertThat(open.out.strip()).isEqualTo("blog is open to everybody");
        assertThat(api.requests()).hasSize(2);
    }

    @Test
    void deploySendsAnArchiveAsItIsByItsFirstBytesAndRefusesAnythingElse() throws Exception {
        Path tarGz = Files.write(work.resolve("site.tgz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0});
        api.on("POST /api/v1/sites/blog/deploys", Answer.json(202, deploy("installing")));
        Run run = Run.berth(config, env, "deploy", tarGz.toString(), "-s", "blog", "--no-wait");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out).contains("accepted (installing)");
        assertThat(run.err).doesNotContain("uploading").doesNotContain("Packed");
        assertThat(api.requests().get(0).header("Content-Type")).isEqualTo("application/gzip");
        assertThat(api.requests().get(0).body()).isEqualTo(Files.readAllBytes(tarGz));

        Path text = Files.writeString(work.resolve("notes.txt"), "hello");
        Run refused = Run.berth(config, env, "deploy", text.toString(), "-s", "blog");
        assertThat(refused.exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err).contains("is neither a directory, a zip nor a tar.gz");

        api.on("POST /api/v1/sites/big/deploys", Answer.problem(413, "{\"type\":\"https://berth.dev/problems/payload-too-large\","
                + "\"title\":\"Payload too large\",\"status\":413,\"detail\":\"the upload exceeds maxUploadMib (1)\"}"));
        Run tooLarge = Run.berth(config, env, "deploy", tarGz.toString(), "-s", "big");
        assertThat(tooLarge.exitCode).isEqualTo(ExitCodes.REFUSED);
        assertThat(tooLarge.err).contains("Payload too large: the upload exceeds maxUploadMib (1) (HTTP 413)");
    }

    @Test
    void aFailedDeployPrintsItsLogAndExits1() throws Exception {
        Path zip = Files.write(work.resolve("site.zip"), new byte[] {'P', 'K', 3, 4, 0});
        api.on("POST /api/v1/sites/blog/deploys", Answer.json(202, deploy("installing")));
        api.on("GET /api/v1/sites/blog/deploys/" + DEPLOY_ID, Answer.json(200, deploy("failed").replace("\"live\":false",
                "\"live\":false,\"error\":\"the host is not ready\"")));
        Run run = Run.berth(config, env, "deploy", zip.toString(), "-s", "blog");
        assertThat(run.exitCode).isEqualTo(ExitCodes.FAILED);
        assertThat(run.err).contains("  unpacked 2 files").contains("failed: the host is not ready; the live site is unchanged");
    }

    @Test
    void rollbackWithoutADeployPicksTheOneLiveBeforeTheCurrentOne() {
        String previous = "2e1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60";
        api.on("GET /api/v1/sites/blog/deploys?limit=200", Answer.json(200, "{\"items\":[" + deploy("live") + ","
                + deploy("superseded").replace(DEPLOY_ID, previous) + "]}"));
        api.on("POST /api/v1/sites/blog/deploys/" + previous + "/rollback", Answer.json(202, deploy("installing")));
        api.on("GET /api/v1/sites/blog/deploys/" + DEPLOY_ID, Answer.json(200, deploy("live")));
        Run run = Run.berth(config, env, "rollback", "--site", "blog");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out).contains("blog serves deploy " + previous + " again");

        api.on("GET /api/v1/sites/new/deploys?limit=200", Answer.json(200, "{\"items\":[" + deploy("live") + "]}"));
        assertThat(Run.berth(config, env, "rollback", "--site", "new").exitCode).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void deploysDownloadSavesTheArchiveAndAPrunedReleaseExits4(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory)
            throws Exception {
        byte[] archive = new byte[256];
        for (int i = 0; i < archive.length; i++) {
            archive[i] = (byte) i;
        }
        api.on("GET /api/v1/sites/blog/deploys/" + DEPLOY_ID + "/archive", Answer.gzip(archive));
        java.nio.file.Path saved = directory.resolve("blog.tar.gz");
        Run run = Run.berth(config, env, "deploys", "download", "blog", DEPLOY_ID, "-o", saved.toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(java.nio.file.Files.readAllBytes(saved)).isEqualTo(archive);
        assertThat(run.out).contains("saved deploy " + DEPLOY_ID + " of blog to " + saved);

        String pruned = "2e1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60";
        api.on("GET /api/v1/sites/blog/deploys/" + pruned + "/archive", Answer.problem(410, "{\"type\":\"https://berth.dev/problems/gone\","
                + "\"title\":\"The resource is gone for good\",\"status\":410,\"detail\":\"the release is no longer kept\"}"));
        Run gone = Run.berth(config, env, "deploys", "download", "blog", pruned, "-o", directory.resolve("old.tar.gz").toString());
        assertThat(gone.exitCode).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(gone.err).contains("no longer kept");
        assertThat(directory.resolve("old.tar.gz")).doesNotExist();
    }

    @Test
    void deploysLsPrintsTheHistory() {
        api.on("GET /api/v1/sites/blog/deploys?limit=20", Answer.json(200, "{\"items\":[" + deploy("live") + "]}"));
        Run run = Run.berth(config, env, "deploys", "ls", "--site", "blog");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out.lines().skip(1).findFirst().orElseThrow()).startsWith(DEPLOY_ID).contains("live *").contains("upload");
        assertThat(Run.berth(config, env, "deploys", "ls", "--site", "blog", "-o", "json").out).contains("\"status\" : \"live\"");
    }

    @Test
    void previewsListPrintsEachBranchWithItsUrl() {
        api.on("GET /api/v1/sites/blog/previews", Answer.json(200, "{\"items\":[{\"branch\":\"feature/Login\","
                + "\"site\":\"feature-login--blog\",\"hostname\":\"feature-login--blog.example.net\","
                + "\"url\":\"https://feature-login--blog.example.net/\",\"desiredState\":\"running\",\"observedState\":\"running\","
                + "\"lastDeployStatus\":\"live\",\"createdAt\":\"2026-12-01T10:00:00Z\",\"lastPushAt\":\"2026-12-02T10:00:00Z\","
                + "\"expiresAt\":\"2026-12-09T10:00:00Z\"}]}"));
        Run run = Run.berth(config, env, "previews", "list", "blog");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out.lines().skip(1).findFirst().orElseThrow()).startsWith("feature/Login")
                .contains("https://feature-login--blog.example.net/", "live", "2026-12-09T10:00Z");
        assertThat(Run.berth(config, env, "previews", "ls", "blog", "-o", "json").out).contains("\"site\" : \"feature-login--blog\"");
        api.on("GET /api/v1/sites/nope/previews", Answer.problem(404, "{\"type\":\"https://berth.dev/problems/not-found\","
                + "\"title\":\"Not found\",\"status\":404,\"detail\":\"no site named 'nope'\"}"));
        assertThat(Run.berth(config, env, "previews", "list", "nope").exitCode).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void tokensAskForTheAuthenticatorCodeWhenTheAccountSignsInWithTwoFactors() {
        api.on("POST /api/v1/auth/login",
                Answer.problem(401, "{\"type\":\"https://berth.dev/problems/totp-required\",\"title\":\"A code from the authenticator app is required\","
                        + "\"status\":401,\"detail\":\"send the current code\"}"),
                Answer.json(200, "{\"accessToken\":\"jwt-of-ada\",\"refreshToken\":\"berth_rt_1\",\"expiresIn\":900,\"tokenType\":\"Bearer\"}"));
        api.on("POST /api/v1/auth/logout", new Answer(204, "application/json", "", Map.of()));
        api.on("GET /api/v1/tokens", Answer.json(200, "{\"items\":[]}"));
        Map<String, String> withCode = new java.util.HashMap<>(env);
        withCode.put("BERTH_EMAIL", "ada@example.com");
        withCode.put("BERTH_PASSWORD", "correct horse battery staple");
        withCode.put("BERTH_TOTP_CODE", "123 456");

        Run listed = Run.berth(config, withCode, "tokens", "ls");

        assertThat(listed.exitCode).as(listed.toString()).isZero();
        assertThat(new String(api.requests().get(0).body(), StandardCharsets.UTF_8)).doesNotContain("totpCode");
        assertThat(new String(api.requests().get(1).body(), StandardCharsets.UTF_8))
                .contains("\"password\":\"correct horse battery staple\"").contains("\"totpCode\":\"123456\"");
    }

    @Test
    void tokensLogInWithThePasswordCreatePrintsOnlyTheSecretAndRevokeFindsATokenByName() {
        api.on("POST /api/v1/auth/login", Answer.json(200, "{\"accessToken\":\"jwt-of-ada\",\"refreshToken\":\"berth_rt_1\","
                + "\"expiresIn\":900,\"tokenType\":\"Bearer\"}"));
        api.on("POST /api/v1/auth/logout", new Answer(204, "application/json", "", Map.of()));
        api.on("POST /api/v1/tokens", Answer.json(201, """
                {"id":"3f1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60","name":"ci","prefix":"berth_pat_xy","scopes":["read","write"],
                 "createdAt":"2026-12-01T10:00:00Z","token":"berth_pat_xyz_secret"}"""));
        Map<String, String> withPassword = new java.util.HashMap<>(env);
        withPassword.put("BERTH_EMAIL", "ada@example.com");
        withPassword.put("BERTH_PASSWORD", "correct horse battery staple");

        Run created = Run.berth(config, withPassword, "tokens", "create", "ci", "--scope", "read,write", "--expires-in-days", "30");

        assertThat(created.exitCode).as(created.toString()).isZero();
        assertThat(created.out).isEqualTo("berth_pat_xyz_secret\n");
        FakeApi.Request login = api.requests().get(0);
        assertThat(login.pathAndQuery()).isEqualTo("/api/v1/auth/login");
        assertThat(login.header("Authorization")).as("the login itself carries no token").isNull();
        assertThat(new String(login.body(), StandardCharsets.UTF_8)).contains("\"email\":\"ada@example.com\"");
        FakeApi.Request create = api.requests().get(1);
        assertThat(create.header("Authorization")).as("a token cannot mint tokens: the login session does").isEqualTo("Bearer jwt-of-ada");
        assertThat(new String(create.body(), StandardCharsets.UTF_8))
                .contains("\"name\":\"ci\"").contains("\"scopes\":[\"read\",\"write\"]").contains("\"expiresInDays\":30");
        assertThat(new String(api.requests().get(2).body(), StandardCharsets.UTF_8)).contains("berth_rt_1");

        api.on("GET /api/v1/tokens", Answer.json(200, """
                {"items":[{"id":"3f1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60","name":"ci","prefix":"berth_pat_xy","scopes":["read"],
                 "createdAt":"2026-12-01T10:00:00Z"}]}"""));
        api.on("DELETE /api/v1/tokens/3f1c2b1e-8f6a-4c36-9d0c-1c2b3d4e5f60", new Answer(204, "application/json", "", Map.of()));
        Run revoked = Run.berth(config, withPassword, "tokens", "revoke", "ci");
        assertThat(revoked.exitCode).as(revoked.toString()).isZero();
        assertThat(Run.berth(config, withPassword, "tokens", "revoke", "nope").exitCode).isEqualTo(ExitCodes.NOT_FOUND);
        // The password may come on standard input, the e-mail as an option.
        Run listed = Run.berth(config, env, "correct horse battery staple\n", duration -> { }, "tokens", "ls", "--email", "ada@example.com");
        assertThat(listed.exitCode).as(listed.toString()).isZero();
        assertThat(listed.out).contains("ci").contains("berth_pat_xy...");
        assertThat(Run.berth(config, env, "tokens", "ls").exitCode).as("no account named").isEqualTo(ExitCodes.USAGE);
        api.set("POST /api/v1/auth/login", Answer.problem(401, "{\"type\":\"https://berth.dev/problems/invalid-credentials\","
                + "\"title\":\"The e-mail address or password is wrong\",\"status\":401}"));
        assertThat(Run.berth(config, withPassword, "tokens", "ls").exitCode).isEqualTo(ExitCodes.AUTH);
    }

    @Test
    void adminQuotaSetChangesOnlyTheNamedFieldsWithIfMatch() {
        String quota = "{\"maxSites\":5,\"maxRunningSites\":3,\"cpuMillicores\":1000,\"memoryMib\":256,\"pids\":256,\"diskMib\":1024,"
                + "\"maxUploadMib\":50,\"apiRequestsPerMinute\":600}";
        api.on("GET /api/v1/admin/tenants?limit=200", Answer.json(200, "{\"items\":[{\"id\":\"" + TENANT_ID + "\",\"name\":\"ada\","
                + "\"createdAt\":\"2026-12-01T10:00:00Z\",\"quota\":" + quota + ",\"usage\":{\"sites\":1,\"runningSites\":1}}]}"));
        api.on("GET /api/v1/admin/tenants/" + TENANT_ID + "/quota", new Answer(200, "application/json", quota, Map.of("ETag", "\"v7\"")));
        api.on("PUT /api/v1/admin/tenants/" + TENANT_ID + "/quota", Answer.json(200, quota.replace("\"maxSites\":5", "\"maxSites\":20")));

        Run run = Run.berth(config, env, "admin", "quota", "set", "ada", "--max-sites", "20");

        assertThat(run.exitCode).as(run.toString()).isZero();
        FakeApi.Request put = api.requests().stream().filter(r -> r.method().equals("PUT")).findFirst().orElseThrow();
        assertThat(put.header("If-Match")).isEqualTo("\"v7\"");
        assertThat(new String(put.body(), StandardCharsets.UTF_8)).contains("\"maxSites\":20").contains("\"maxRunningSites\":3");
        assertThat(run.out).contains("maxSites").contains("20");
        assertThat(Run.berth(config, env, "admin", "quota", "get", TENANT_ID, "-o", "json").out).contains("\"maxSites\" : 5");
        assertThat(Run.berth(config, env, "admin", "quota", "set", "ada").exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(Run.berth(config, env, "admin", "quota", "get", "nobody").exitCode).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void adminUsersListsDisablesEnablesAndRemovesAnAccountNamedByItsAddress() {
        String bob = "00000000-0000-0000-0000-0000000000bb";
        String row = "{\"id\":\"" + bob + "\",\"email\":\"bob@example.com\",\"tenantId\":\"" + TENANT_ID
                + "\",\"tenantName\":\"bob\",\"role\":\"owner\",\"platformAdmin\":false,\"createdAt\":\"2026-12-01T10:00:00Z\"";
        api.on("GET /api/v1/admin/users?limit=200", Answer.json(200, "{\"items\":[" + row + "}]}"));
        api.on("PATCH /api/v1/admin/users/" + bob, Answer.json(200, row + ",\"disabledAt\":\"2026-12-06T05:00:00Z\"}"));
        api.on("DELETE /api/v1/admin/users/" + bob, new Answer(204, "application/json", "", Map.of()));

        Run listed = Run.berth(config, env, "admin", "users", "ls");
        assertThat(listed.exitCode).as(listed.toString()).isZero();
        assertThat(listed.out).contains("bob@example.com").contains("active");
        Run disabled = Run.berth(config, env, "admin", "users", "disable", "bob@example.com");
        assertThat(disabled.exitCode).as(disabled.toString()).isZero();
        assertThat(disabled.out).contains("disabled since 2026-12-06T05:00Z");
        FakeApi.Request patch = api.requests().stream().filter(r -> r.method().equals("PATCH")).findFirst().orElseThrow();
        assertThat(new String(patch.body(), StandardCharsets.UTF_8)).contains("\"disabled\":true").doesNotContain("role");
        assertThat(Run.berth(config, env, "admin", "users", "enable", bob).exitCode).isZero();
        assertThat(Run.berth(config, env, "admin", "users", "disable", "nobody@example.com").exitCode).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(Run.berth(config, env, "admin", "users", "rm", "bob@example.com").exitCode).as("no terminal, no --yes")
                .isEqualTo(ExitCodes.USAGE);
        Run removed = Run.berth(config, env, "admin", "users", "rm", "bob@example.com", "--yes");
        assertThat(removed.exitCode).as(removed.toString()).isZero();
        assertThat(api.requests().stream().filter(r -> r.method().equals("DELETE")).count()).isEqualTo(1);
    }

    @Test
    void logsPrintsRecentRequestsOldestFirstAndFollowPrintsEachNewOneOnce() {
        String first = entry("2026-12-01T10:00:01Z", "/a") + "," + entry("2026-12-01T10:00:00Z", "/old");
        String second = entry("2026-12-01T10:00:02Z", "/b") + "," + entry("2026-12-01T10:00:01Z", "/a") + ","
                + entry("2026-12-01T10:00:00Z", "/old");
        api.on("GET /api/v1/sites/blog/access-log?limit=50", Answer.json(200, "{\"items\":[" + first + "]}"));
        api.on("GET /api/v1/sites/blog/access-log?limit=200", Answer.json(200, "{\"items\":[" + second + "]}"));
        int[] polls = {0};
        Run run = Run.berth(config, env, "", duration -> {
            if (++polls[0] > 2) {
                throw new InterruptedException("enough");
            }
        }, "logs", "--site", "blog", "-f");

        List<String> lines = run.out.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("2026-12-01T10:00Z 127.0.0.1 GET /old 200 12B 0.001s \"curl/8\"");
        assertThat(lines.get(1)).contains("GET /a ");
        assertThat(lines.get(2)).contains("GET /b ");

        Run json = Run.berth(config, env, "logs", "--site", "blog", "-o", "json");
        assertThat(json.exitCode).isZero();
        assertThat(json.out.lines().toList()).hasSize(2).allMatch(line -> line.startsWith("{\"time\":"));
    }

    static String entry(String time, String uri) {
        return "{\"time\":\"" + time + "\",\"method\":\"GET\",\"uri\":\"" + uri + "\",\"status\":200,\"bytesSent\":12,"
                + "\"requestSeconds\":0.001,\"remoteAddress\":\"127.0.0.1\",\"userAgent\":\"curl/8\"}";
    }

    @Test
    void completionPrintsABashScriptThatKnowsEveryCommand() {
        Run run = Run.berth(config, Map.of(), "completion", "bash");
        assertThat(run.exitCode).isZero();
        assertThat(run.out).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_berth")
                .contains("login").contains("sites").contains("deploys").contains("rollback").contains("tokens").contains("admin")
                .contains("--output");
        assertThat(Run.berth(config, Map.of(), "completion", "fish").exitCode).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aWrongCommandLineIsAUsageError() {
        assertThat(Run.berth(config, Map.of(), "launch").exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(Run.berth(config, Map.of(), "sites").exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(Run.berth(config, env, "sites", "ls", "-o", "yaml").exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(Run.berth(config, env, "deploy", "x").exitCode).isEqualTo(ExitCodes.USAGE);
        assertThat(Run.berth(config, Map.of(), "--version").out).startsWith("berth ");
        assertThat(api.requests()).isEmpty();
    }
}
