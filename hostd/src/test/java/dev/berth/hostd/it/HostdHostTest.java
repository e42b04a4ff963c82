package dev.berth.hostd.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.Archives;
import dev.berth.testkit.Commands;
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
        for (String tool : List.of("/usr/sbin/runc", "/usr/sbin/nginx", "/usr/lib/cni/bridge", "/bin/busybox",
                "/usr/sbin/nft", "/usr/bin/nsenter")) {
            require(Files.isExecutable(Path.of(tool)), tool + " is required");
        }
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
            if (TestHost.hasIpv6Loopback()) {
                SiteHttp.Response v6 = SiteHttp.tcp("::1", host.proxyPort, "GET", site.hostname(), "/", null, null);
                assertThat(v6.text()).contains("own page of " + site.name());
            }
            awaitListenBacklog(site, 1024);
            JsonNode observed = observed(site);
            assertThat(observed.path("memoryBytes").asLong()).isPositive();
            assertThat(observed.path("pids").asInt()).isPositive();
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
        assertThat(Commands.run(List.of("ip", "-o", "link", "show", "master", host.bridge())).lines().count()).isEqualTo(2);
        assertThat(Commands.run(List.of("ip", "-o", "link", "show", "master", second)).lines().count()).isEqualTo(1);
        assertThat(Commands.run(List.of("ip", "-o", "addr", "show", "dev", second))).contains(host.ipv4(126) + "/26")
                .contains("fd00:b5e7:" + Integer.toHexString(host.octet) + "::7e/122");
        assertThat(Commands.run(List.of("nft", "list", "table", "inet", host.prefix + "_guard")))
                .contains("\"" + host.bridge() + "-3\"");
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
        SiteHttp.Response upload = SiteHttp.unix(host.socket, "PUT", "/v1/sites/" + site.id() + "/releases/r2",
                Archives.tar(Archives.texts(Map.of("index.html", "second release of " + site.name()))), "application/x-tar");
        assertThat(upload.status()).isEqualTo(201);
        put(site, true, "r2");
        awaitState(site, "running");
        // The generation is reported applied only once the reload that names releases/r2 completed.
        assertEveryAnswer(site, 50, "second release of " + site.name());
        assertThat(observedPid(site)).isEqualTo(pidBefore);
        assertThat(Files.readString(host.dataDirectory.resolve("nginx/conf/sites/" + site.id() + ".conf")))
                .contains("/releases/r2/;").doesNotContain("/current/");
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
    @Order(4)
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

    /** Runs argv as the site's server uid inside all of the container's namespaces. */
    private static List<String> inContainer(Site site, String... argv) throws IOException {
        List<String> command = new ArrayList<>(List.of("nsenter", "-t", Integer.toString(observedPid(site)),
                "-U", "-m", "-u", "-i", "-n", "-p", "-C", "-r", "-w", "-S", "1000", "-G", "1000"));
        command.addAll(List.of(argv));
        return command;
    }

    @Test
    @Order(5)
    void fromInsideAContainerASiteIsConfined() throws Exception {
        Site a1 = SITES.get("a1");
        Site b1 = SITES.get("b1");
        int pid = observedPid(a1);
        String status = Files.readString(Path.of("/proc", Integer.toString(pid), "status"));
        String uidLine = status.lines().filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow();
        assertThat(uidLine.split("\\s+")[1]).isNotEqualTo("0");
        assertThat(Long.parseLong(uidLine.split("\\s+")[1])).isGreaterThanOrEqualTo(100_000);
        assertThat(status).contains("NoNewPrivs:\t1").contains("CapEff:\t0000000000000000")
                .contains("CapBnd:\t0000000000000000").contains("Seccomp:\t2");
        assertThat(Commands.run(inContainer(a1, "/bin/busybox", "id", "-u")).trim()).isEqualTo("1000");

        // The host reaches b1 directly (its address is on this test's second bridge); a1, on the
        // first, does not: sites are isolated on a bridge, and the host forwards nothing between bridges.
        assertThat(SiteHttp.tcp(host.ipv4(b1.address()), 80, "GET", "x", "/current/", null, null).status()).isEqualTo(200);
        assertThat(Commands.exitCode(inContainer(a1, "/bin/busybox", "nc", "-w", "2", host.ipv4(b1.address()), "80")))
                .isNotZero();
        assertThat(Commands.exitCode(inContainer(a1, "/bin/busybox", "nc", "-w", "2", host.ipv6(b1.address()), "80")))
                .isNotZero();
        // A service listening on the host's bridge address (as the API or sshd would on 0.0.0.0)
        // is reachable from the host but not from a site: new connections from sites are dropped.
        // .62 is the address of a1's own bridge, so only the guard stands in the way.
        try (java.net.ServerSocket hostService = new java.net.ServerSocket()) {
            hostService.bind(new java.net.InetSocketAddress(host.ipv4(62), 0));
            String port = Integer.toString(hostService.getLocalPort());
            try (java.net.Socket fromHost = new java.net.Socket(host.ipv4(62), hostService.getLocalPort())) {
                assertThat(fromHost.isConnected()).isTrue();
            }
            assertThat(Commands.exitCode(inContainer(a1, "/bin/busybox", "nc", "-w", "2", host.ipv4(62), port))).isNotZero();
        }
        // No writes to /proc/sys, no mounts, read-only content and root.
        assertThat(Commands.exitCode(inContainer(a1, "/bin/sh", "-c", "echo x > /proc/sys/kernel/hostname"))).isNotZero();
        assertThat(Commands.exitCode(inContainer(a1, "/bin/busybox", "mount", "-t", "tmpfs", "none", "/tmp"))).isNotZero();
        assertThat(Commands.exitCode(inContainer(a1, "/bin/sh", "-c", "echo x > /srv/current/index.html"))).isNotZero();
        assertThat(Commands.exitCode(inContainer(a1, "/bin/sh", "-c", "echo x > /bin/x"))).isNotZero();
        assertThat(Commands.exitCode(inContainer(a1, "/bin/busybox", "ls", host.socket.toString()))).isNotZero();
    }

    @Test
    @Order(6)
    void aForkBombStopsAtThePidsLimitAndOtherSitesKeepAnswering() throws Exception {
        Site a2 = SITES.get("a2");
        Path pidsCgroup = siteCgroup(a2, "pids");
        // The shell joins the site's pids cgroup, then enters its namespaces and forks until refused.
        List<String> bomb = new ArrayList<>(List.of("/bin/sh", "-c",
                "echo $$ > \"$0\" && exec \"$@\"", pidsCgroup.resolve("cgroup.procs").toString()));
        bomb.addAll(inContainer(a2, "/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do /bin/busybox sleep 60 </dev/null >/dev/null 2>&1 & i=$((i+1)); done; exit 0"));
        Process process = new ProcessBuilder(bomb).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        try {
            long current = Long.parseLong(Files.readString(pidsCgroup.resolve("pids.current")).trim());
            assertThat(current).isLessThanOrEqualTo(32);
            assertThat(output).containsIgnoringCase("fork");
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
    @Order(7)
    void aMemoryHogIsOomKilledAloneWhileTheSitesKeepAnswering() throws Exception {
        Site a2 = SITES.get("a2");
        int serverPid = observedPid(a2);
        // The shell joins the site's memory and pids cgroups, enters the container and grows past 32 MiB.
        List<String> hog = new ArrayList<>(List.of("/bin/sh", "-c",
                "echo $$ > \"$0\" && echo $$ > \"$1\" && shift && exec \"$@\"",
                siteCgroup(a2, "memory").resolve("cgroup.procs").toString(),
                siteCgroup(a2, "pids").resolve("cgroup.procs").toString()));
        hog.addAll(inContainer(a2, "/bin/sh", "-c",
                "x=$(/bin/busybox head -c 200000000 /dev/zero | /bin/busybox tr '\\0' a); echo survived"));
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

    @Test
    @Order(8)
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
     * Until the site's server listens on :80 (IPv4 and IPv6: one socket, {@code *:80}) with the
     * backlog hostd gives it (busybox httpd's own is 9); {@code ss} shows a listener's backlog as Send-Q.
     */
    private static void awaitListenBacklog(Site site, int backlog) throws Exception {
        String[] listeners = new String[1];
        await("listen backlog " + backlog + " of " + site.name(), () -> listeners[0], () -> {
            Process ss = new ProcessBuilder("nsenter", "-t", Integer.toString(observedPid(site)), "-n", "ss", "-Hltn")
                    .redirectErrorStream(true).start();
            listeners[0] = new String(ss.getInputStream().readAllBytes());
            ss.waitFor();
            return listeners[0].lines().map(line -> line.trim().split("\\s+"))
                    .anyMatch(columns -> columns.length >= 4 && columns[3].equals("*:80") && columns[2].equals(Integer.toString(backlog)));
        });
    }

    @Test
    @Order(9)
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
    @Order(10)
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
        await("b1 on the first bridge", () -> Commands.run(List.of("ip", "-o", "link", "show", "master", host.bridge()))
                .lines().count() == 3);
        assertThat(observedPid(SITES.get("b1"))).isEqualTo(b1Pid);
        assertThat(Commands.run(List.of("ip", "-o", "link", "show", "master", host.bridge() + "-1")).trim()).isEmpty();
        assertThat(Commands.exitCode(List.of("ip", "link", "show", "dev", host.bridge() + "-2"))).isNotZero();
        assertThat(Commands.run(List.of("ip", "-o", "-4", "addr", "show", "dev", host.bridge()))).contains(host.ipv4(126) + "/25")
                .doesNotContain("/26");
        assertThat(Commands.run(List.of("ip", "-4", "route", "get", host.ipv4(70)))).contains("dev " + host.bridge() + " ");
        for (Site site : SITES.values()) {
            assertThat(SiteHttp.tcp(host.ipv4(site.address()), 80, "GET", "x", "/current/", null, null).status()).isEqualTo(200);
        }
    }

    @Test
    @Order(11)
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
        assertThat(Commands.run(List.of("ip", "link", "show", "master", host.bridge())).trim()).isEmpty();
        assertThat(Commands.run(List.of("ip", "link", "show", "master", host.bridge() + "-1")).trim()).isEmpty();
        try (var tenants = Files.list(Path.of("/sys/fs/cgroup/memory", host.prefix))) {
            assertThat(tenants.filter(Files::isDirectory).toList()).isEmpty();
        }
        assertThat(sysctl("net/ipv4/ip_forward")).isEqualTo("0");
    }

    @Test
    @Order(12)
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

    private static void assertGone(Site site) throws Exception {
        String id = host.prefix + "-" + site.id();
        await("no objects of " + site.name(), () -> Commands.exitCode(List.of("runc", "--root",
                host.runDirectory.resolve("runc").toString(), "state", id)) != 0
                && !Files.exists(Path.of("/var/run/netns", id))
                && !Files.exists(host.runDirectory.resolve("bundles").resolve(id))
                && !Files.exists(host.dataDirectory.resolve("specs").resolve(site.id() + ".json"))
                && !Files.exists(host.dataDirectory.resolve("nginx/conf/sites/" + site.id() + ".conf"))
                && !Files.exists(host.dataDirectory.resolve("sites/" + site.id()))
                && !Files.exists(Path.of("/sys/fs/cgroup/memory", host.prefix, "tenant-" + site.tenant(), "site-" + site.id()))
                && !Files.exists(Path.of("/sys/fs/cgroup/pids", host.prefix, "tenant-" + site.tenant(), "site-" + site.id())));
    }
}
