package dev.berth.hostd.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.Archives;
import dev.berth.testkit.Commands;
import dev.berth.testkit.InertContent;
import dev.berth.testkit.SiteHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * hostd on the real host: runc, the CNI bridge plugin, cgroups and nginx, driven through its Unix
 * socket like the API does. Needs root. Every object carries this run's unique prefix and is removed
 * afterwards, also when a test fails (and by the next run if this JVM is killed).
 *
 * <p>Traffic goes only to 127.0.0.1 (the test's nginx), hostd's socket, and addresses on the bridge
 * this test created.
 */
@Tag("host")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostdHostTest {
    private static final UUID TENANT_A = UUID.randomUUID();
    private static final UUID TENANT_B = UUID.randomUUID();
    private static TestHost host;
    private static Thread shutdownHook;
    private static final Map<String, Site> SITES = new LinkedHashMap<>();

    record Site(UUID id, String name, UUID tenant, int address) {
        String hostname() {
            return name + ".localhost";
        }
    }

    private static final Map<UUID, Long> GENERATIONS = new java.util.concurrent.ConcurrentHashMap<>();

    /** With BERTH_REQUIRE_HOST_TESTS set (CI), a missing prerequisite fails instead of skipping. */
    private static void require(boolean condition, String message) {
        if (System.getenv("BERTH_REQUIRE_HOST_TESTS") != null) {
            assertThat(condition).as(message).isTrue();
        } else {
            assumeTrue(condition, message);
        }
    }

    @BeforeAll
    static void startHostd() throws Exception {
        require("root".equals(System.getProperty("user.name")), "host tests need root");
        for (String tool : List.of("/usr/sbin/runc", "/usr/sbin/nginx", "/usr/lib/cni/bridge", "/usr/sbin/lighttpd",
                "/usr/sbin/nft", "/usr/bin/nsenter", "/usr/bin/curl")) {
            require(Files.isExecutable(Path.of(tool)), tool + " is required");
        }
        require(SiteProbe.available(), "gcc and the static C library (gcc, libc6-dev) are required for the site probe");
        host = TestHost.create();
        shutdownHook = new Thread(host::destroy);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        // The /24 over four bridges of /26 (a bridge holds at most 1,024 ports; a big host has
        // several): PREFIX carries .1-.61 (own address .62), PREFIX-1 .65-.125 (.126), and so on.
        host.bridgePrefixLength = 26;
        host.start();
        String run = host.prefix;
        SITES.put("a1", new Site(UUID.randomUUID(), run + "-a1", TENANT_A, 11));
        SITES.put("a2", new Site(UUID.randomUUID(), run + "-a2", TENANT_A, 12));
        SITES.put("b1", new Site(UUID.randomUUID(), run + "-b1", TENANT_B, 70));
    }

    @AfterAll
    static void cleanUp() {
        if (host != null) {
            host.destroy();
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
    }

    private static String spec(Site site, boolean running, String release) {
        long generation = GENERATIONS.merge(site.id(), 1L, Long::sum);
        return """
                {"siteId":"%s","name":"%s","tenantId":"%s","hostnames":["%s"],"ipv4":"%s","ipv6":"%s",
                 "siteLimits":{"cpuMillicores":500,"memoryMib":32,"pids":32},
                 "tenantLimits":{"cpuMillicores":1000,"memoryMib":128,"pids":128},
                 "running":%s,"release":%s,"generation":%d}
                """.formatted(site.id(), site.name(), site.tenant(), site.hostname(), host.ipv4(site.address()),
                host.ipv6(site.address()), running, release == null ? "null" : "\"" + release + "\"", generation);
    }

    private static void put(Site site, boolean running, String release) throws IOException {
        SiteHttp.Response response = host.hostd("PUT", "/v1/sites/" + site.id(), spec(site, running, release));
        assertThat(response.status()).as(response.text()).isIn(200, 202);
    }

    private static JsonNode observed(Site site) throws IOException {
        return host.hostdJson("GET", "/v1/sites/" + site.id(), null);
    }

    private static void awaitState(Site site, String state) throws Exception {
        String[] last = {""};
        await("site " + site.name() + " " + state, () -> "last observed " + last[0], () -> {
            JsonNode observed = observed(site);
            last[0] = observed.toString();
            return state.equals(observed.path("state").asText())
                    && observed.path("appliedGeneration").asLong() == GENERATIONS.get(site.id());
        });
    }

    private static void awaitPage(Site site, int status, String contains) throws Exception {
        String[] last = {""};
        await(site.hostname() + " answers " + status, () -> "last response " + last[0], () -> {
            SiteHttp.Response response = host.proxy(site.hostname(), "/");
            last[0] = response.status() + " " + response.text();
            return response.status() == status && response.text().contains(contains);
        });
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        host.await(what, Duration.ofSeconds(20), condition);
    }

    private static void await(String what, java.util.function.Supplier<String> detail, Callable<Boolean> condition)
            throws Exception {
        host.await(what, Duration.ofSeconds(20), detail, condition);
    }

    private static String sysctl(String path) throws IOException {
        return Files.readString(Path.of("/proc/sys", path)).trim();
    }

    @Test
    @Order(1)
    void twoTenantsThreeSitesEachAnswerThroughNginxWithTheirOwnPage() throws Exception {
        String forwardingBefore = sysctl("net/ipv4/ip_forward");
        for (Site site : SITES.values()) {
            put(site, true, null);
        }
        for (Site site : SITES.values()) {
            awaitState(site, "running");
            awaitPage(site, 200, "Welcome to " + site.name());
            // Converged means nginx's old workers no longer accept: no 404 from the old configuration.
            assertEveryAnswer(site, 100, "Welcome to " + site.name());
        }
        for (Site site : SITES.values()) {
            SiteHttp.Response upload = SiteHttp.unix(host.socket, "PUT", "/v1/sites/" + site.id() + "/releases/r1",
                    Archives.tar(Archives.texts(Map.of("index.html", "<h1>own page of " + site.name() + "</h1>", "about/index.html", "about " + site.name()))),
                    "application/x-tar");
            assertThat(upload.status()).as(upload.text()).isEqualTo(201);
            put(site, true, "r1");
        }
        for (Site site : SITES.values()) {
            // A release goes live with nginx's reload (the proxy names releases/r1): once hostd reports
            // the generation applied, every listener (v4 and v6) answers with it.
            awaitState(site, "running");
            awaitPage(site, 200, "own page of " + site.name());
            assertThat(host.proxy(site.hostname(), "/about/").text()).contains("about " + site.name());
            // A directory without its slash is redirected to the site's own path, not the release's.
            SiteHttp.Response redirect = host.proxy(site.hostname(), "/about");
            assertThat(redirect.status()).isEqualTo(301);
            assertThat(redirect.headers()).containsIgnoringCase("location: http://" + site.hostname() + ":" + host.proxyPort + "/about/")
                    .doesNotContain("/releases/");
            if (TestHost.hasIpv6Loopback()) {
                SiteHttp.Response v6 = SiteHttp.tcp("::1", host.proxyPort, "GET", site.hostname(), "/", null, null);
                assertThat(v6.text()).contains("own page of " + site.name());
            }
            awaitListenBacklog(site, 1024);
            JsonNode observed = observed(site);
            assertThat(observed.path("memoryBytes").asLong()).isPositive();
            assertThat(observed.path("pids").asInt()).isPositive();
            // What the site keeps on disk: the welcome page and r1.
            assertThat(observed.path("diskBytes").asLong())
                    .isGreaterThan(("<h1>own page of " + site.name() + "</h1>" + "about " + site.name()).length());
        }
        Site first = SITES.values().iterator().next();
        Path accessLog = host.dataDirectory.resolve("nginx/logs/sites/" + first.id() + ".access.json");
        await("access log of " + first.name(), () -> Files.exists(accessLog) && !Files.readAllLines(accessLog).isEmpty());
        JsonNode logLine = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                Files.readAllLines(accessLog).get(Files.readAllLines(accessLog).size() - 1));
        assertThat(logLine.path("host").asText()).isEqualTo(first.hostname());
        assertThat(logLine.path("status").asInt()).isEqualTo(200);
        assertThat(host.proxy("unknown-" + host.prefix + ".localhost", "/").status()).isEqualTo(404);
        assertThat(host.proxy("unknown-" + host.prefix + ".localhost", "/").text()).contains("No site lives here");
        assertThat(sysctl("net/ipv4/ip_forward")).isEqualTo(forwardingBefore).isEqualTo("0");
        assertThat(sysctl("net/ipv6/conf/all/forwarding")).isEqualTo("0");
        // Each site sits on the bridge of its address's slice; every bridge exists and is guarded.
        String second = host.bridge() + "-1";
        assertThat(sitePorts(host.bridge())).hasSize(2);
        assertThat(sitePorts(second)).hasSize(1);
        assertThat(Commands.run(List.of("ip", "-o", "addr", "show", "dev", second))).contains(host.ipv4(126) + "/26")
                .contains("fd00:b5e7:" + Integer.toHexString(host.octet) + "::7e/122");
        // The guard's forward chain drops whatever would be forwarded from or to any of the bridges.
        String guard = Commands.run(List.of("nft", "list", "table", "inet", host.prefix + "_guard"));
        String bridges = "{ \"" + String.join("\", \"", host.bridge(), second, host.bridge() + "-2", host.bridge() + "-3") + "\" }";
        String forward = guard.substring(guard.indexOf("chain forward"));
        assertThat(forward).contains("hook forward")
                .containsPattern(java.util.regex.Pattern.quote("iifname " + bridges + " counter packets ") + "\\d+ bytes \\d+ drop")
                .containsPattern(java.util.regex.Pattern.quote("oifname " + bridges + " counter packets ") + "\\d+ bytes \\d+ drop");
        // The socket sits alone in a directory only root and the API's group may enter.
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(host.socket.getParent())))
                .isEqualTo("rwxr-x---");
        try (var entries = Files.list(host.socket.getParent())) {
            assertThat(entries.map(path -> path.getFileName().toString()).toList()).containsExactly("hostd.sock");
        }
        JsonNode hostInfo = host.hostdJson("GET", "/v1/host", null);
        assertThat(hostInfo.path("bridge").asText()).isEqualTo(String.join(" ", host.bridge(), second, host.bridge() + "-2",
                host.bridge() + "-3"));
        assertThat(hostInfo.path("runcVersion").asText()).contains("runc");
        assertThat(hostInfo.path("healthy").asBoolean()).isTrue();
    }

    @Test
    @Order(2)
    void aNewReleaseIsServedWithoutRestartingTheContainer() throws Exception {
        Site site = SITES.get("a1");
        int pidBefore = observedPid(site);
        // The generation is reported applied only once the route record names releases/r2.
        deploy(site, "r2", "second release of " + site.name(), 50);
        assertThat(observedPid(site)).isEqualTo(pidBefore);
        assertThat(Files.readString(routeSnapshot())).contains("3|" + site.id() + "|serving|r2|");
    }

    private static Path routeSnapshot() {
        return host.dataDirectory.resolve("nginx/routes/routes.json");
    }

    /** nginx's master and its workers now: a reload replaces every worker. */
    private static java.util.Set<Long> nginxProcesses() throws IOException {
        long master = Long.parseLong(Files.readString(host.dataDirectory.resolve("nginx/run/nginx.pid")).trim());
        java.util.Set<Long> processes = new java.util.TreeSet<>(List.of(master));
        ProcessHandle.of(master).orElseThrow().children().forEach(child -> processes.add(child.pid()));
        return processes;
    }

    @Test
    @Order(4)
    void createDeployStopStartAndDeleteChangeTheRouteTableAndReloadNothing() throws Exception {
        Site site = new Site(UUID.randomUUID(), host.prefix + "-r1", TENANT_B, 71);
        java.util.Set<Long> before = nginxProcesses();
        assertThat(before).hasSizeGreaterThan(1);

        put(site, true, null);
        awaitState(site, "running");
        // Running means routed and listening: the very first request is answered, not refused.
        assertThat(host.proxy(site.hostname(), "/").status()).isEqualTo(200);
        awaitPage(site, 200, "Welcome to " + site.name());

        deploy(site, "r1", "routed release of " + site.name(), 20);

        put(site, false, "r1");
        awaitState(site, "stopped");
        assertThat(host.proxy(site.hostname(), "/").status()).isEqualTo(503);
        put(site, true, "r1");
        awaitState(site, "running");
        assertEveryAnswer(site, 20, "routed release of " + site.name());

        SiteHttp.Response deleted = host.hostd("DELETE", "/v1/sites/" + site.id(), null);
        assertThat(deleted.status()).as(deleted.text()).isIn(200, 202, 204);
        assertGone(site);
        assertThat(host.proxy(site.hostname(), "/").status()).isEqualTo(404);
        assertThat(Files.readString(routeSnapshot())).doesNotContain(site.id().toString());

        // The same master and the same workers throughout: not one reload.
        assertThat(nginxProcesses()).isEqualTo(before);
        assertThat(host.dataDirectory.resolve("nginx/conf/sites/" + site.id() + ".conf")).doesNotExist();
    }

    @Test
    @Order(4)
    void aHostileRecordSentStraightToTheTableIsRefusedAndChangesNothing() throws Exception {
        Site neighbour = SITES.get("b1");
        Path socket = host.dataDirectory.resolve("nginx/admin/routes.sock");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                .isEqualTo("rwx------");
        String snapshot = Files.readString(routeSnapshot());
        UUID id = UUID.randomUUID();
        for (String record : List.of(
                "1|" + id + "|serving|r1|10.0.0.1:80||evil.localhost|;} server { listen 81; }",
                "1|" + id + "|serving|../../etc|10.0.0.1:80||evil.localhost|",
                "1|" + id + "|serving|r1|10.0.0.1:80||" + neighbour.hostname() + "|",
                "2|" + id + "|serving|r1|10.0.0.1:80||evil.localhost|",
                "1|" + id + "|serving|r1|10.0.0.1:80||evil.localhost\n|")) {
            SiteHttp.Response answer = SiteHttp.unix(socket, "PUT", "/routes/" + id,
                    record.getBytes(java.nio.charset.StandardCharsets.US_ASCII), "text/plain");
            assertThat(answer.status()).as(record).isEqualTo(400);
        }
        assertThat(host.proxy("evil.localhost", "/").status()).isEqualTo(404);
        assertThat(host.proxy(neighbour.hostname(), "/").status()).isEqualTo(200);
        assertThat(Files.readString(routeSnapshot())).isEqualTo(snapshot);
    }

    /** Uploads a release holding one page, deploys it and checks {@code count} answers in a row serve it. */
    private static void deploy(Site site, String release, String page, int count) throws Exception {
        SiteHttp.Response upload = SiteHttp.unix(host.socket, "PUT", "/v1/sites/" + site.id() + "/releases/" + release,
                Archives.tar(Archives.texts(Map.of("index.html", page))), "application/x-tar");
        assertThat(upload.status()).isEqualTo(201);
        put(site, true, release);
        awaitState(site, "running");
        assertEveryAnswer(site, count, page);
    }

    /** {@code count} requests in a row, each answered 200 with {@code contains}. */
    private static void assertEveryAnswer(Site site, int count, String contains) throws IOException {
        for (int index = 0; index < count; index++) {
            SiteHttp.Response response = host.proxy(site.hostname(), "/");
            assertThat(response.status() + " " + response.text()).as("request %d of %d", index + 1, count)
                    .startsWith("200 ").contains(contains);
        }
    }

    private static int observedPid(Site site) throws IOException {
        String state = Commands.stdout(List.of("runc", "--root", host.runDirectory.resolve("runc").toString(), "state",
                host.prefix + "-" + site.id()));
        return com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(state).path("pid").asInt();
    }

    @Test
    @Order(3)
    void contentThatAServerCouldRunIsServedAsItsBytesAndNeverRuns() throws Exception {
        Site b1 = SITES.get("b1");
        Map<String, String> files = new LinkedHashMap<>();
        InertContent.files().forEach(file -> files.put(file.path(), file.text()));
        SiteHttp.Response upload = SiteHttp.unix(host.socket, "PUT", "/v1/sites/" + b1.id() + "/releases/inert", Archives.tar(Archives.texts(files)),
                "application/x-tar");
        assertThat(upload.status()).as(upload.text()).isEqualTo(201);
        put(b1, true, "inert");
        awaitState(b1, "running");
        awaitPage(b1, 200, "nothing here runs");

        // The reproduction of the exploit: an httpd.conf mapping *.sh to /bin/sh next to x.sh made
        // busybox httpd answer GET /x.sh with "uid=1000(site)" and a listing of /. Now: the script's bytes.
        SiteHttp.Response exploit = host.proxy(b1.hostname(), "/x.sh");
        assertThat(exploit.status()).isEqualTo(200);
        assertThat(exploit.body()).isEqualTo(files.get("x.sh").getBytes(StandardCharsets.UTF_8));
        for (InertContent.File file : InertContent.files()) {
            SiteHttp.Response answer = host.proxy(b1.hostname(), "/" + file.path());
            assertNoProgramOutput(file.path(), answer);
            assertThat(answer.status()).as(file.path()).isEqualTo(200);
            assertThat(answer.body()).as(file.path()).isEqualTo(file.bytes());
        }
        for (String directory : InertContent.directories()) {
            SiteHttp.Response answer = host.proxy(b1.hostname(), "/" + directory);
            assertNoProgramOutput(directory, answer);
            assertThat(answer.status()).as(directory + " (no index, no listing)").isIn(403, 404);
        }
        for (String path : List.of("/x.sh/extra", "/cgi-bin/x.cgi/extra?x=1", "/x.sh?id", "/page.shtml", "/run.cgi%3F")) {
            assertNoProgramOutput(path, host.proxy(b1.hostname(), path));
        }
        SiteHttp.Response posted = SiteHttp.tcp("127.0.0.1", host.proxyPort, "POST", b1.hostname(), "/x.sh",
                "a=1".getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded");
        assertNoProgramOutput("POST /x.sh", posted);
        if (posted.status() == 200) {
            assertThat(posted.body()).isEqualTo(files.get("x.sh").getBytes(StandardCharsets.UTF_8));
        }

        put(b1, true, "r1");
        awaitState(b1, "running");
        awaitPage(b1, 200, "own page of " + b1.name());
    }

    private static void assertNoProgramOutput(String what, SiteHttp.Response answer) {
        for (String output : InertContent.PROGRAM_OUTPUT) {
            assertThat(answer.text()).as(what + " answered " + answer.status()).doesNotContain(output);
        }
    }

    @Test
    @Order(4)
    void invalidSpecsAreRefusedBeforeAnythingIsCreated() throws Exception {
        Site clash = new Site(UUID.randomUUID(), host.prefix + "-clash", TENANT_B, 11);
        SiteHttp.Response usedAddress = host.hostd("PUT", "/v1/sites/" + clash.id(), spec(clash, true, null));
        assertThat(usedAddress.status()).isEqualTo(422);
        assertThat(usedAddress.text()).contains("already used by another site");
        Site outside = new Site(UUID.randomUUID(), host.prefix + "-out", TENANT_B, 30);
        String outsideSpec = spec(outside, true, null).replace(host.ipv4(30), "192.168.77.30");
        SiteHttp.Response outsideSubnet = host.hostd("PUT", "/v1/sites/" + outside.id(), outsideSpec);
        assertThat(outsideSubnet.status()).isEqualTo(422);
        assertThat(outsideSubnet.text()).contains("must be a host address of");
        assertThat(Files.exists(Path.of("/var/run/netns", host.prefix + "-" + clash.id()))).isFalse();
        assertThat(Files.exists(Path.of("/var/run/netns", host.prefix + "-" + outside.id()))).isFalse();
        assertThat(host.hostd("GET", "/v1/sites/" + clash.id(), null).status()).isEqualTo(404);
    }

    @Test
    @Order(5)
    void aStoppedSiteShowsThe503PageAndStartsAgain() throws Exception {
        Site site = SITES.get("a2");
        put(site, false, "r1");
        awaitState(site, "stopped");
        awaitPage(site, 503, "This site is resting");
        assertThat(Commands.exitCode(List.of("runc", "--root", host.runDirectory.resolve("runc").toString(), "state",
                host.prefix + "-" + site.id()))).isNotZero();
        assertThat(host.proxy(SITES.get("b1").hostname(), "/").status()).isEqualTo(200);
        put(site, true, "r1");
        awaitState(site, "running");
        awaitPage(site, 200, "own page of " + site.name());
    }

    /** argv run by the host in the site's network namespace only (the host's own binaries). */
    private static List<String> inNetwork(Site site, String... argv) throws IOException {
        List<String> command = new ArrayList<>(List.of("nsenter", "-t", Integer.toString(observedPid(site)), "-n"));
        command.addAll(List.of(argv));
        return command;
    }

    /** A TCP connection from {@code site}'s network namespace to ADDRESS:PORT, given 2 s (curl, exit 0 if it answered). */
    private static Process connectFrom(Site site, String address, int port) throws IOException {
        String host = address.contains(":") ? "[" + address + "]" : address;
        return new ProcessBuilder(inNetwork(site, "curl", "-s", "-o", "/dev/null", "--connect-timeout", "2", "--max-time", "3",
                "http://" + host + ":" + port + "/releases/_welcome/")).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    private static final int ENOSYS = 38;

    @Test
    @Order(6)
    void fromInsideAContainerASiteIsConfined() throws Exception {
        Site a1 = SITES.get("a1");
        Site a2 = SITES.get("a2");
        Site b1 = SITES.get("b1");
        int pid = observedPid(a1);
        // The server as the host sees it: an unprivileged host uid of its own, no capabilities,
        // no_new_privs, a seccomp filter, no core dumps; inside, uid 1000.
        String status = Files.readString(Path.of("/proc", Integer.toString(pid), "status"));
        String uidLine = status.lines().filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow();
        long hostUid = Long.parseLong(uidLine.split("\\s+")[1]);
        assertThat(hostUid).isGreaterThanOrEqualTo(100_000);
        String[] uidMap = Files.readString(Path.of("/proc", Integer.toString(pid), "uid_map")).trim().split("\\s+");
        assertThat(hostUid - Long.parseLong(uidMap[1]) + Long.parseLong(uidMap[0])).isEqualTo(1000);
        assertThat(status).contains("NoNewPrivs:\t1").contains("CapEff:\t0000000000000000")
                .contains("CapBnd:\t0000000000000000").contains("Seccomp:\t2");
        assertThat(Files.readString(Path.of("/proc", Integer.toString(pid), "limits")))
                .containsPattern("Max core file size\\s+0\\s+0\\s+bytes");
        assertThat(Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline")).replace('\0', ' ').trim())
                .isEqualTo("/usr/sbin/lighttpd -D -f /etc/lighttpd.conf");
        // Whatever the server prints goes nowhere (lighttpd's error log is its stderr).
        for (String stream : List.of("1", "2")) {
            assertThat(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "fd", stream))).hasToString("/dev/null");
        }

        // The same confinement, seen by a process of its own in a container made from a1's very
        // configuration: the filter answers ENOSYS to everything a static server does not need.
        Map<String, String> probe = SiteProbe.run(host, a1.id(), "/srv/current/index.html", host.socket.toString());
        assertThat(probe).containsEntry("uid", "1000").containsEntry("gid", "1000").containsEntry("NoNewPrivs", "1")
                .containsEntry("Seccomp", "2").containsEntry("CapEff", "0000000000000000").containsEntry("CapPrm", "0000000000000000")
                .containsEntry("CapBnd", "0000000000000000").containsEntry("CapAmb", "0000000000000000")
                .containsEntry("core", "0/0").containsEntry("raise_core", "1");
        int erofs = 30;
        int eacces = 13;
        for (String write : List.of("write_content", "create_in_content", "create_in_root", "write_proc_sys")) {
            assertThat(probe.get(write)).as(write).isIn(Integer.toString(erofs), Integer.toString(eacces));
        }
        assertThat(probe).containsEntry("stat_host_path", "2");
        for (String denied : List.of("mount", "umount2", "unshare", "setns", "fork", "clone", "clone3", "execveat", "kill", "ptrace",
                "process_vm_readv", "keyctl", "add_key", "bpf", "perf_event_open", "io_uring_setup", "userfaultfd", "chroot",
                "setuid", "prctl", "personality", "memfd_create", "mknodat", "pidfd_open", "ioctl_tiocsti", "socket_unix",
                "socket_netlink", "socket_packet", "connect")) {
            assertThat(probe.get(denied)).as(denied).isEqualTo(Integer.toString(ENOSYS));
        }
        for (String allowed : List.of("getpid", "socket_inet", "socket_inet6", "ioctl_fionread", "read_content")) {
            assertThat(probe.get(allowed)).as(allowed).isEqualTo("0");
        }

        // The root file system holds the server, its libraries and its configuration, nothing else.
        try (var walk = Files.walk(host.dataDirectory.resolve("rootfs"))) {
            List<String> files = walk.filter(path -> !Files.isDirectory(path))
                    .map(path -> "/" + host.dataDirectory.resolve("rootfs").relativize(path)).toList();
            assertThat(files).contains("/usr/sbin/lighttpd", "/etc/lighttpd.conf")
                    .allMatch(file -> file.equals("/usr/sbin/lighttpd") || file.equals("/etc/lighttpd.conf") || file.contains(".so"));
        }

        // The network, from a1's own namespace with the host's curl: neither a2 on the same bridge nor
        // b1 on another bridge, over IPv4 and IPv6, while the host reaches both. A service on the
        // host's bridge address answers the host, not a site.
        assertThat(SiteHttp.tcp(host.ipv4(b1.address()), 80, "GET", "x", "/releases/_welcome/", null, null).status()).isEqualTo(200);
        assertThat(SiteHttp.tcp(host.ipv4(a2.address()), 80, "GET", "x", "/releases/_welcome/", null, null).status()).isEqualTo(200);
        try (java.net.ServerSocket hostService = new java.net.ServerSocket()) {
            hostService.bind(new java.net.InetSocketAddress(host.ipv4(62), 0));
            try (java.net.Socket fromHost = new java.net.Socket(host.ipv4(62), hostService.getLocalPort())) {
                assertThat(fromHost.isConnected()).isTrue();
            }
            Map<String, Process> attempts = new LinkedHashMap<>();
            attempts.put("a1 to a2 (same bridge, IPv4)", connectFrom(a1, host.ipv4(a2.address()), 80));
            attempts.put("a1 to a2 (same bridge, IPv6)", connectFrom(a1, host.ipv6(a2.address()), 80));
            attempts.put("a1 to b1 (other bridge, IPv4)", connectFrom(a1, host.ipv4(b1.address()), 80));
            attempts.put("a1 to b1 (other bridge, IPv6)", connectFrom(a1, host.ipv6(b1.address()), 80));
            attempts.put("a1 to a host service", connectFrom(a1, host.ipv4(62), hostService.getLocalPort()));
            for (Map.Entry<String, Process> attempt : attempts.entrySet()) {
                Process curl = attempt.getValue();
                String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(curl.waitFor(10, TimeUnit.SECONDS)).isTrue();
                // curl's "could not connect" (7) or "timed out" (28): it ran in the namespace and got no connection.
                assertThat(curl.exitValue()).as(attempt.getKey() + " must find no way through: " + output).isIn(7, 28);
            }
        }
    }

    @Test
    @Order(7)
    void aForkBombStopsAtThePidsLimitAndOtherSitesKeepAnswering() throws Exception {
        Site a2 = SITES.get("a2");
        Path pidsCgroup = siteCgroup(a2, "pids");
        // The site's server cannot fork at all (seccomp, above): a host process (Debian's Essential
        // perl) joins the site's pids cgroup and forks until the kernel refuses, reads the count,
        // then kills and reaps its own children, so that no zombie keeps counting against the limit.
        List<String> bomb = List.of("perl", "-e", """
                open(my $procs, '>', $ARGV[0]) or die; print $procs $$; close $procs;
                my @children;
                for (1 .. 200) {
                    my $child = fork;
                    if (!defined $child) { print "fork failed: $!\\n"; last; }
                    if ($child == 0) { sleep 60; exit 0; }
                    push @children, $child;
                }
                open(my $count, '<', $ARGV[1]) or die; my $current = <$count>; print "pids.current $current";
                kill 'KILL', @children; waitpid($_, 0) for @children; print "reaped\\n";
                """, pidsCgroup.resolve("cgroup.procs").toString(), pidsCgroup.resolve("pids.current").toString());
        Process process = new ProcessBuilder(bomb).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        try {
            java.util.regex.Matcher counted = java.util.regex.Pattern.compile("pids.current (\\d+)").matcher(output);
            assertThat(counted.find()).as(output).isTrue();
            assertThat(Long.parseLong(counted.group(1))).isLessThanOrEqualTo(32);
            assertThat(output).contains("fork failed: Resource temporarily unavailable").contains("reaped");
            assertThat(host.proxy(SITES.get("b1").hostname(), "/").status()).isEqualTo(200);
            assertThat(host.proxy(SITES.get("a1").hostname(), "/").status()).isEqualTo(200);
        } finally {
            int serverPid = observedPid(a2);
            for (String line : Files.readAllLines(pidsCgroup.resolve("cgroup.procs"))) {
                int pid = Integer.parseInt(line.trim());
                if (pid != serverPid) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        awaitPage(a2, 200, "own page of " + a2.name());
    }

    /** The site's cgroup directory of one controller (v1) or the unified one (v2). */
    private static Path siteCgroup(Site site, String controller) {
        Path v1 = Path.of("/sys/fs/cgroup", controller, host.prefix, "tenant-" + site.tenant(), "site-" + site.id());
        return Files.isDirectory(v1) ? v1 : Path.of("/sys/fs/cgroup", host.prefix, "tenant-" + site.tenant(), "site-" + site.id());
    }

    private static long oomKills(Site site) throws IOException {
        Path memory = siteCgroup(site, "memory");
        Path events = Files.exists(memory.resolve("memory.oom_control")) ? memory.resolve("memory.oom_control") : memory.resolve("memory.events");
        return Files.readAllLines(events).stream().filter(line -> line.startsWith("oom_kill "))
                .mapToLong(line -> Long.parseLong(line.substring("oom_kill ".length()).trim())).findFirst().orElse(0);
    }

    @Test
    @Order(8)
    void aMemoryHogIsOomKilledAloneWhileTheSitesKeepAnswering() throws Exception {
        Site a2 = SITES.get("a2");
        int serverPid = observedPid(a2);
        // Memory limits cover swap at the site and at the tenant (memsw on v1, swap.max on v2).
        assertNoSwap(siteCgroup(a2, "memory"), 32L << 20);
        assertNoSwap(siteCgroup(a2, "memory").getParent(), 128L << 20);
        // A host process (perl) joins the site's memory and pids cgroups and grows past its 32 MiB.
        List<String> hog = List.of("perl", "-e", """
                for my $procs (@ARGV) { open(my $file, '>', $procs) or die; print $file $$; close $file; }
                my $x = 'a' x 200_000_000; print "survived\\n";
                """, siteCgroup(a2, "memory").resolve("cgroup.procs").toString(), siteCgroup(a2, "pids").resolve("cgroup.procs").toString());
        Process process = new ProcessBuilder(hog).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).doesNotContain("survived");
        assertThat(process.exitValue()).as("exit of the hog: %s", output).isEqualTo(128 + 9);
        assertThat(oomKills(a2)).isPositive();
        assertThat(observedPid(a2)).isEqualTo(serverPid);
        awaitPage(a2, 200, "own page of " + a2.name());
        assertThat(host.proxy(SITES.get("b1").hostname(), "/").status()).isEqualTo(200);
        assertThat(host.proxy(SITES.get("a1").hostname(), "/").status()).isEqualTo(200);
    }

    /** The cgroup's memory limit is {@code bytes} and memory + swap is limited to the same (v1), or swap to 0 (v2). */
    private static void assertNoSwap(Path memoryCgroup, long bytes) throws IOException {
        if (Files.exists(memoryCgroup.resolve("memory.limit_in_bytes"))) {
            assertThat(Files.readString(memoryCgroup.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(bytes));
            if (Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))) {
                assertThat(Files.readString(memoryCgroup.resolve("memory.memsw.limit_in_bytes")).trim()).isEqualTo(Long.toString(bytes));
            }
        } else if (Files.exists(memoryCgroup.resolve("memory.swap.max"))) {
            assertThat(Files.readString(memoryCgroup.resolve("memory.swap.max")).trim()).isEqualTo("0");
        }
    }

    @Test
    @Order(9)
    void aKilledServerIsRestarted() throws Exception {
        Site b1 = SITES.get("b1");
        int pid = observedPid(b1);
        int restartsBefore = observed(b1).path("restarts").asInt();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await("b1 restarted", () -> observed(b1).path("restarts").asInt() > restartsBefore
                && "running".equals(observed(b1).path("state").asText()));
        awaitPage(b1, 200, "own page of " + b1.name());
        assertThat(observedPid(b1)).isNotEqualTo(pid);
        assertThat(observed(b1).path("lastExit").asText()).contains("exited");
        awaitListenBacklog(b1, 1024);
    }

    /**
     * Until the site's server listens on :80 for IPv4 and IPv6 with the backlog it was configured
     * for; {@code ss} (the host's, in the site's network namespace) shows a listener's backlog as Send-Q.
     */
    private static void awaitListenBacklog(Site site, int backlog) throws Exception {
        String[] listeners = new String[1];
        await("listen backlog " + backlog + " of " + site.name(), () -> listeners[0], () -> {
            listeners[0] = Commands.run(inNetwork(site, "ss", "-Hltn"));
            List<String> ports = listeners[0].lines().map(line -> line.trim().split("\\s+"))
                    .filter(columns -> columns.length >= 4 && columns[2].equals(Integer.toString(backlog)))
                    .map(columns -> columns[3]).toList();
            return ports.contains("0.0.0.0:80") && ports.contains("[::]:80");
        });
    }

    @Test
    @Order(10)
    void hostdKilledInTheMiddleOfACreateConvergesWithoutOrphans() throws Exception {
        Site late = new Site(UUID.randomUUID(), host.prefix + "-late", TENANT_B, 40);
        SITES.put("late", late);
        put(late, true, null);
        host.kill9();
        // While hostd is down, a1's spec disappears (as if deleted): its objects become orphans.
        Site a1 = SITES.remove("a1");
        Files.delete(host.dataDirectory.resolve("specs").resolve(a1.id() + ".json"));
        host.start();
        awaitState(late, "running");
        awaitPage(late, 200, "Welcome to " + late.name());
        for (Site site : SITES.values()) {
            awaitPage(site, 200, site.name());
        }
        awaitPage(a1, 404, "No site lives here");
        assertGone(a1);
    }

    @Test
    @Order(11)
    void afterAHostRebootEverySiteComesBackFromTheStoredSpecs() throws Exception {
        host.kill9();
        // What a reboot takes away: containers, namespaces, the bridge and its guard (all volatile).
        Commands.run(List.of("runc", "--root", host.runDirectory.resolve("runc").toString(), "list", "-q"))
                .lines().filter(id -> id.startsWith(host.prefix + "-"))
                .forEach(id -> Commands.exitCode(List.of("runc", "--root", host.runDirectory.resolve("runc").toString(),
                        "delete", "--force", id)));
        for (Site site : SITES.values()) {
            Commands.exitCode(List.of("ip", "netns", "delete", host.prefix + "-" + site.id()));
        }
        Commands.exitCode(List.of("nft", "delete", "table", "inet", host.prefix + "_guard"));
        Commands.exitCode(List.of("ip", "link", "delete", "dev", host.bridge()));
        Commands.exitCode(List.of("ip", "link", "delete", "dev", host.bridge() + "-1"));
        host.start();
        for (Site site : SITES.values()) {
            awaitPage(site, 200, site.name());
        }
        assertThat(Commands.exitCode(List.of("nft", "list", "table", "inet", host.prefix + "_guard"))).isZero();
        for (String bridge : List.of(host.bridge(), host.bridge() + "-1")) {
            String ports = Commands.stdout(List.of("ip", "-d", "link", "show", "master", bridge));
            assertThat(ports).contains("isolated on").doesNotContain("isolated off");
        }

        // The operator splits the subnet differently (two /25 instead of four /26): on restart
        // b1 (.70) moves to the first bridge while its container keeps running, the bridges past
        // the plan go, and the old, more specific routes with them.
        int b1Pid = observedPid(SITES.get("b1"));
        host.stop();
        host.bridgePrefixLength = 25;
        host.start();
        for (Site site : SITES.values()) {
            awaitPage(site, 200, site.name());
        }
        await("b1 on the first bridge", () -> sitePorts(host.bridge()).size() == 3);
        assertThat(observedPid(SITES.get("b1"))).isEqualTo(b1Pid);
        assertThat(sitePorts(host.bridge() + "-1")).isEmpty();
        assertThat(Commands.exitCode(List.of("ip", "link", "show", "dev", host.bridge() + "-2"))).isNotZero();
        assertThat(Commands.run(List.of("ip", "-o", "-4", "addr", "show", "dev", host.bridge()))).contains(host.ipv4(126) + "/25")
                .doesNotContain("/26");
        assertThat(Commands.run(List.of("ip", "-4", "route", "get", host.ipv4(70)))).contains("dev " + host.bridge() + " ");
        for (Site site : SITES.values()) {
            assertThat(SiteHttp.tcp(host.ipv4(site.address()), 80, "GET", "x", "/current/", null, null).status()).isEqualTo(200);
        }
    }

    @Test
    @Order(12)
    void deletedSitesLeaveNothingBehind() throws Exception {
        for (Site site : SITES.values()) {
            SiteHttp.Response response = host.hostd("DELETE", "/v1/sites/" + site.id(), null);
            assertThat(response.status()).isEqualTo(204);
            assertThat(host.hostd("DELETE", "/v1/sites/" + site.id(), null).status()).isEqualTo(204);
        }
        for (Site site : SITES.values()) {
            awaitPage(site, 404, "No site lives here");
            assertGone(site);
        }
        assertThat(sitePorts(host.bridge())).isEmpty();
        assertThat(sitePorts(host.bridge() + "-1")).isEmpty();
        try (var tenants = Files.list(Path.of("/sys/fs/cgroup/memory", host.prefix))) {
            // The warm pool's slots have a cgroup of their own beside the tenants'.
            assertThat(tenants.filter(Files::isDirectory).filter(path -> !path.getFileName().toString().equals("pool")).toList())
                    .isEmpty();
        }
        assertThat(sysctl("net/ipv4/ip_forward")).isEqualTo("0");
    }

    @Test
    @Order(13)
    void aDeletedSitesNeighbourEntriesAreFlushedAndItsAddressServesANewSiteAtOnce() throws Exception {
        // The keeper keeps a port on the bridge: without any port the bridge loses its carrier and
        // the kernel drops its neighbour entries by itself, which is not the case a busy host is in.
        // The bridge's own MAC is fixed as well: else it follows its lowest port's, and its change on a
        // port's removal flushes every neighbour entry of the bridge by chance.
        Commands.run(List.of("ip", "link", "set", "dev", host.bridge(), "address", "02:00:5e:10:00:fe"));
        Site keeper = new Site(UUID.randomUUID(), host.prefix + "-k1", TENANT_A, 31);
        Site victim = new Site(UUID.randomUUID(), host.prefix + "-v1", TENANT_B, 32);
        for (Site site : List.of(keeper, victim)) {
            put(site, true, null);
        }
        for (Site site : List.of(keeper, victim)) {
            awaitState(site, "running");
            awaitPage(site, 200, "Welcome to " + site.name());
        }
        String ipv4 = host.ipv4(victim.address());
        List<String> showV4 = List.of("ip", "-4", "neigh", "show", "to", ipv4, "dev", host.bridge());
        List<String> showV6 = List.of("ip", "-6", "neigh", "show", "to", host.ipv6(victim.address()), "dev", host.bridge());
        assertThat(Commands.run(showV4)).as("the proxy's traffic left a neighbour entry").isNotBlank();
        assertThat(host.hostd("DELETE", "/v1/sites/" + victim.id(), null).status()).isEqualTo(204);
        awaitPage(victim, 404, "No site lives here");
        assertGone(victim);
        assertThat(Commands.run(showV4).trim()).isEmpty();
        assertThat(Commands.run(showV6).trim()).isEmpty();

        // An entry that is still there (a MAC no port has, REACHABLE for ~30 s) is flushed on attach.
        Commands.run(List.of("ip", "-4", "neigh", "replace", ipv4, "lladdr", "02:00:5e:10:00:01", "dev", host.bridge(),
                "nud", "reachable"));
        Site reused = new Site(UUID.randomUUID(), host.prefix + "-c1", TENANT_A, victim.address());
        put(reused, true, null);
        awaitState(reused, "running");
        long start = System.nanoTime();
        awaitPage(reused, 200, "Welcome to " + reused.name());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(Commands.run(showV4)).doesNotContain("02:00:5e:10:00:01");
        for (Site site : List.of(reused, keeper)) {
            assertThat(host.hostd("DELETE", "/v1/sites/" + site.id(), null).status()).isEqualTo(204);
        }
        for (Site site : List.of(reused, keeper)) {
            awaitPage(site, 404, "No site lives here");
            assertGone(site);
        }
    }

    @Test
    @Order(14)
    void aBuildRunsConfinedAndOnlyItsOutputFolderComesBack() throws Exception {
        require(Files.isExecutable(Path.of("/usr/bin/hugo")), "hugo is required for the build test");
        Site site = new Site(UUID.randomUUID(), host.prefix + "-build", TENANT_B, 80);
        put(site, true, null);
        awaitState(site, "running");
        String limits = "&cpuMillicores=1000&memoryMib=256&pids=128&timeoutSeconds=60&maxMib=64";
        Map<String, String> sources = Map.of(
                "config.toml", "baseURL = 'https://example.test/'\ntitle = 'Built'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap']\n",
                "layouts/index.html", "<h1>{{ .Site.Title }} by hugo</h1>{{ .Content }}",
                "content/_index.md", "Hello from **markdown**.\n",
                "probe.sh", String.join("\n",
                        "echo uid=$(id -u)",
                        "cat /etc/shadow >/dev/null 2>&1 && echo shadow-readable || echo shadow-hidden",
                        "touch /usr/probe 2>/dev/null && echo usr-writable || echo usr-read-only",
                        "unshare -Ur true 2>/dev/null && echo userns-made || echo userns-refused",
                        "python3 -c \"import socket; socket.create_connection(('" + host.ipv4(62) + "', 80), timeout=2)\" 2>/dev/null"
                                + " && echo network-reached || echo network-unreachable",
                        "hugo --quiet"));
        SiteHttp.Response built = SiteHttp.unix(host.socket, "POST", "/v1/sites/" + site.id() + "/builds?command=sh+probe.sh&output=public"
                + limits, Archives.tar(Archives.texts(sources)), "application/x-tar");
        assertThat(built.status()).as(built.text()).isEqualTo(200);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : built.text().split("\n")) {
            lines.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
        }
        String log = lines.stream().map(line -> line.path("log").asText()).reduce("", (a, b) -> a + b + "\n");
        JsonNode end = lines.get(lines.size() - 1);
        assertThat(end.path("result").asText()).as(built.text()).isEqualTo("succeeded");
        assertThat(log).contains("uid=1000", "shadow-hidden", "usr-read-only", "userns-refused", "network-unreachable");
        String buildId = end.path("build").asText();
        assertThat(SiteHttp.unix(host.socket, "GET", "/v1/sites/" + UUID.randomUUID() + "/builds/" + buildId + "/output?output=public",
                null, null).status()).as("another site's path does not reach the output").isEqualTo(404);
        SiteHttp.Response output = SiteHttp.unix(host.socket, "GET", "/v1/sites/" + site.id() + "/builds/" + buildId + "/output?output=public",
                null, null);
        assertThat(output.status()).isEqualTo(200);
        assertThat(output.text()).contains("<h1>Built by hugo</h1>", "<strong>markdown</strong>").doesNotContain("probe.sh");
        assertThat(host.hostd("DELETE", "/v1/sites/" + site.id() + "/builds/" + buildId, null).status()).isEqualTo(204);
        assertThat(Files.exists(host.dataDirectory.resolve("builds").resolve(buildId))).isFalse();

        // The lines go out as the build prints them: curl stamps each when it arrives.
        Path streamed = Files.createTempFile("berth-build-sources", ".tar");
        try {
            Files.write(streamed, Archives.tar(Archives.texts(Map.of("a.txt", "a"))));
            Process curl = new ProcessBuilder("bash", "-c", "curl -sN --unix-socket " + host.socket + " -H 'Content-Type: application/x-tar'"
                    + " --data-binary @" + streamed + " 'http://hostd/v1/sites/" + site.id() + "/builds?command=echo+first%3Bsleep+2%3Becho+second"
                    + "&output=public" + limits + "' | while IFS= read -r line; do echo \"$(date +%s%N) $line\"; done")
                    .redirectErrorStream(true).start();
            Map<String, Long> arrived = new java.util.HashMap<>();
            for (String line : new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] stamped = line.split(" ", 2);
                arrived.put(new com.fasterxml.jackson.databind.ObjectMapper().readTree(stamped[1]).path("log").asText(),
                        Long.parseLong(stamped[0]) / 1_000_000);
            }
            assertThat(arrived.get("second") - arrived.get("first")).as("ms between the lines' arrival: %s", arrived)
                    .isGreaterThan(1500);
        } finally {
            Files.deleteIfExists(streamed);
        }
        // Over its time limit: stopped, and nothing of it is left.
        SiteHttp.Response slow = SiteHttp.unix(host.socket, "POST", "/v1/sites/" + site.id()
                        + "/builds?command=sleep+30&output=public&cpuMillicores=100&memoryMib=64&pids=32&timeoutSeconds=2&maxMib=8",
                Archives.tar(Archives.texts(Map.of("a.txt", "a"))), "application/x-tar");
        assertThat(slow.text()).contains("\"result\":\"failed\"", "longer than 2 s");
        try (var left = Files.list(host.dataDirectory.resolve("builds"))) {
            assertThat(left).as("no workspace left").isEmpty();
        }
        assertThat(Commands.run(List.of("runc", "--root", host.runDirectory.resolve("runc-builds").toString(), "list", "-q")).strip())
                .as("no build container left").isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(host.dataDirectory.resolve("builds").toString() + "/");

        // A request that breaks a rule is refused before anything runs.
        SiteHttp.Response refused = SiteHttp.unix(host.socket, "POST", "/v1/sites/" + site.id()
                + "/builds?command=true&output=../etc" + limits, Archives.tar(Archives.texts(Map.of("a.txt", "a"))), "application/x-tar");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(host.hostd("DELETE", "/v1/sites/" + site.id(), null).status()).isEqualTo(204);
        assertGone(site);
    }

    @Test
    @Order(15)
    void jekyllMkdocsAndNodeBuildFromDebiansPackagesInTheContainer() throws Exception {
        for (String tool : List.of("/usr/bin/jekyll", "/usr/bin/mkdocs", "/usr/bin/node")) {
            require(Files.isExecutable(Path.of(tool)), tool + " is required for the build test");
        }
        Site site = new Site(UUID.randomUUID(), host.prefix + "-tools", TENANT_B, 81);
        put(site, true, null);
        awaitState(site, "running");
        Map<String, Map<String, String>> builds = new LinkedHashMap<>();
        builds.put("jekyll build|_site", Map.of("_config.yml", "title: Jekyll here\n",
                "index.md", "---\nlayout: null\n---\n# Built by {{ site.title }}\n"));
        builds.put("mkdocs build|site", Map.of("mkdocs.yml", "site_name: Docs here\n", "docs/index.md", "# Built by mkdocs\n"));
        builds.put("node build.js|dist", Map.of("build.js", "const fs = require('fs'); fs.mkdirSync('dist');"
                + " fs.writeFileSync('dist/index.html', '<h1>Built by node ' + process.version + '</h1>');"));
        for (Map.Entry<String, Map<String, String>> build : builds.entrySet()) {
            String[] step = build.getKey().split("\\|");
            SiteHttp.Response built = SiteHttp.unix(host.socket, "POST", "/v1/sites/" + site.id() + "/builds?command="
                            + java.net.URLEncoder.encode(step[0], StandardCharsets.UTF_8) + "&output=" + step[1]
                            + "&cpuMillicores=1000&memoryMib=512&pids=256&timeoutSeconds=120&maxMib=64",
                    Archives.tar(Archives.texts(build.getValue())), "application/x-tar");
            String[] lines = built.text().split("\n");
            JsonNode end = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1]);
            assertThat(end.path("result").asText()).as(step[0] + ": " + built.text()).isEqualTo("succeeded");
            SiteHttp.Response output = SiteHttp.unix(host.socket, "GET", "/v1/sites/" + site.id() + "/builds/" + end.path("build").asText()
                    + "/output?output=" + step[1], null, null);
            assertThat(output.text()).as(step[0]).containsPattern("Built by (Jekyll here|mkdocs|node v)");
            host.hostd("DELETE", "/v1/sites/" + site.id() + "/builds/" + end.path("build").asText(), null);
        }
        assertThat(host.hostd("DELETE", "/v1/sites/" + site.id(), null).status()).isEqualTo(204);
        assertGone(site);
    }

    /** The bridge's ports that belong to sites: not those of the warm pool's slots (namespaces PREFIX-pool-N). */
    private static List<String> sitePorts(String bridge) throws IOException {
        return Commands.run(List.of("ip", "-o", "link", "show", "master", bridge)).lines()
                .filter(line -> !line.isBlank() && !line.contains("link-netns " + host.prefix + "-pool-")).toList();
    }

    private static void assertGone(Site site) throws Exception {
        String id = host.prefix + "-" + site.id();
        await("no objects of " + site.name(), () -> Commands.exitCode(List.of("runc", "--root",
                host.runDirectory.resolve("runc").toString(), "state", id)) != 0
                && !Files.exists(Path.of("/var/run/netns", id))
                && !Files.exists(host.runDirectory.resolve("bundles").resolve(id))
                && !Files.exists(host.dataDirectory.resolve("specs").resolve(site.id() + ".json"))
                && !Files.readString(routeSnapshot()).contains(site.id().toString())
                && !Files.exists(host.dataDirectory.resolve("sites/" + site.id()))
                && !Files.exists(Path.of("/sys/fs/cgroup/memory", host.prefix, "tenant-" + site.tenant(), "site-" + site.id()))
                && !Files.exists(Path.of("/sys/fs/cgroup/pids", host.prefix, "tenant-" + site.tenant(), "site-" + site.id())));
    }
}
