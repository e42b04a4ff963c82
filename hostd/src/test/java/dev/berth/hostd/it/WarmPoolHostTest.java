package dev.berth.hostd.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.testkit.Commands;
import java.io.IOException;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The warm pool with a real hostd, runc, CNI and nginx: a site created while slots are ready is
 * served by a claimed slot, and that container is confined exactly as one started for the site
 * (compared with the cold restart hostd makes after it is killed), holds nothing but the site's
 * files, and leaves nothing of the pool behind. Needs root and cgroup v1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarmPoolHostTest {
    private static final int POOL_SIZE = 4;
    private static final long HOST_ID_BASE = 100_000;
    private static final long IDS_PER_SITE = 65_536;
    /** The sites' ranges of a /24 end here; the pool's begin. */
    private static final long POOL_ID_BASE = HOST_ID_BASE + 255 * IDS_PER_SITE;
    private static final UUID TENANT = UUID.randomUUID();
    private static TestHost host;
    private static Thread shutdownHook;
    private static final Map<UUID, Long> GENERATIONS = new java.util.concurrent.ConcurrentHashMap<>();
    private static UUID site;
    private static final int ADDRESS = 21;

    @BeforeAll
    static void startHostd() throws Exception {
        boolean required = System.getenv("BERTH_REQUIRE_HOST_TESTS") != null;
        boolean possible = "root".equals(System.getProperty("user.name")) && Files.isDirectory(Path.of("/sys/fs/cgroup/memory"));
        if (required) {
            assertThat(possible).as("pool host tests need root and cgroup v1").isTrue();
        } else {
            assumeTrue(possible, "pool host tests need root and cgroup v1");
        }
        host = TestHost.create();
        shutdownHook = new Thread(host::destroy);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        host.start();
        site = UUID.randomUUID();
    }

    @AfterAll
    static void cleanUp() {
        if (host != null) {
            host.destroy();
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
    }

    private static String name() {
        return host.prefix + "-pooled";
    }

    private static void put(boolean running) throws IOException {
        long generation = GENERATIONS.merge(site, 1L, Long::sum);
        String spec = """
                {"siteId":"%s","name":"%s","tenantId":"%s","hostnames":["%s.localhost"],"ipv4":"%s","ipv6":"%s",
                 "siteLimits":{"cpuMillicores":300,"memoryMib":48,"pids":24},
                 "tenantLimits":{"cpuMillicores":1000,"memoryMib":256,"pids":256},
                 "running":%s,"release":null,"generation":%d}
                """.formatted(site, name(), TENANT, name(), host.ipv4(ADDRESS), host.ipv6(ADDRESS), running, generation);
        assertThat(host.hostd("PUT", "/v1/sites/" + site, spec).status()).isIn(200, 202);
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        host.await(what, Duration.ofSeconds(30), condition);
    }

    private static String runcRoot() {
        return host.runDirectory.resolve("runc").toString();
    }

    /** The pool's slots that run now: containers named PREFIX-pool-N. */
    private static Set<String> slots() throws IOException {
        Set<String> slots = new TreeSet<>();
        for (String id : Commands.stdout(List.of("runc", "--root", runcRoot(), "list", "-q")).split("\\s+")) {
            if (id.startsWith(host.prefix + "-pool-")) {
                slots.add(id);
            }
        }
        return slots;
    }

    /** Until the host reports every slot started and unclaimed (its health, GET /v1/host). */
    private static void awaitReady() throws Exception {
        await(POOL_SIZE + " slots ready", () -> {
            var pool = host.hostdJson("GET", "/v1/host", null).path("warmPool");
            return pool.path("size").asInt() == POOL_SIZE && pool.path("ready").asInt() == POOL_SIZE && pool.path("lastError").isNull();
        });
    }

    private static int sitePid() throws IOException {
        String state = Commands.stdout(List.of("runc", "--root", runcRoot(), "state", host.prefix + "-" + site));
        return JsonMapper.builder().build().readTree(state).path("pid").asInt();
    }

    private static long hostIdOf(int pid) throws IOException {
        return Long.parseLong(Files.readString(Path.of("/proc", Integer.toString(pid), "uid_map")).trim().split("\\s+")[1]);
    }

    private static void awaitServed() throws Exception {
        await(name() + " answers", () -> {
            var response = host.proxy(name() + ".localhost", "/");
            return response.status() == 200 && response.text().contains("Welcome to " + name());
        });
    }

    /**
     * What makes a site's container confined and what it serves, as the host sees its process:
     * credentials and filter, resource limits of the process and of its cgroups, device rules,
     * mounts (mount points, what each shows, options), host name, addresses and bridge port.
     */
    private static Map<String, Object> confinement(int pid) throws IOException {
        Map<String, Object> facts = new LinkedHashMap<>();
        Path proc = Path.of("/proc", Integer.toString(pid));
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.matches("(Cap\\w+|NoNewPrivs|Seccomp|Seccomp_filters):.*")) {
                facts.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1).trim());
            }
        }
        String[] uidMap = Files.readString(proc.resolve("uid_map")).trim().split("\\s+");
        facts.put("uid inside", Long.parseLong(Files.readAllLines(proc.resolve("status")).stream()
                .filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1]) - Long.parseLong(uidMap[1]));
        facts.put("uid range size", uidMap[2]);
        facts.put("limits", Files.readString(proc.resolve("limits")));
        facts.put("cmdline", Files.readString(proc.resolve("cmdline")));
        Map<String, String> cgroups = new LinkedHashMap<>();
        for (String line : Files.readAllLines(proc.resolve("cgroup"))) {
            String[] fields = line.split(":", 3);
            cgroups.put(fields[1], fields[2]);
        }
        String sitePath = "/" + host.prefix + "/tenant-" + TENANT + "/site-" + site;
        for (String controller : List.of("memory", "cpu", "cpuacct", "pids")) {
            facts.put("cgroup " + controller, cgroups.get(controller).equals(sitePath) ? "the site's" : cgroups.get(controller));
        }
        Path fs = Path.of("/sys/fs/cgroup");
        for (String file : List.of("memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes", "cpu/cpu.cfs_quota_us",
                "cpu/cpu.cfs_period_us", "pids/pids.max")) {
            String controller = file.substring(0, file.indexOf('/'));
            Path value = fs.resolve(controller + cgroups.get(controller)).resolve(file.substring(file.indexOf('/') + 1));
            facts.put(file, Files.exists(value) ? Files.readString(value).trim() : "absent");
        }
        facts.put("devices.list", Files.readString(fs.resolve("devices" + cgroups.get("devices")).resolve("devices.list")));
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(proc.resolve("mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            String[] fields = halves[0].split(" ");
            String[] after = halves[1].split(" ");
            // mount point, the path it shows of its file system, its options, the type and the super
            // block's options (a tmpfs is owned by the container's root: its range's first host id)
            mounts.add((fields[4] + " " + fields[3] + " " + fields[5] + " " + after[0] + " " + (after.length > 2 ? after[2] : ""))
                    .replace("id=" + uidMap[1], "id=RANGE"));
        }
        mounts.sort(null);
        facts.put("mounts", mounts);
        facts.put("hostname", Commands.stdout(List.of("nsenter", "-t", Integer.toString(pid), "-u", "hostname")).trim());
        facts.put("addresses", Commands.stdout(List.of("nsenter", "-t", Integer.toString(pid), "-n", "ip", "-o", "addr", "show")).lines()
                .map(line -> line.replaceAll("^\\d+: ", "").replaceAll("\\\\.*", "").trim())
                .filter(line -> !line.contains(" fe80:")).sorted().toList());
        facts.put("routes", Commands.stdout(List.of("nsenter", "-t", Integer.toString(pid), "-n", "ip", "route", "show")));
        facts.put("srv", listing(proc.resolve("root/srv")));
        return facts;
    }

    /** Whether the process runs (a zombie waiting for its parent to reap it does not). */
    private static boolean running(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException gone) {
            return false;
        }
    }

    private static List<String> listing(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    @Order(1)
    void aCreatedSiteClaimsAReadySlotThatIsConfinedExactlyAsAContainerStartedForIt() throws Exception {
        awaitReady();
        Set<String> before = slots();
        put(true);
        awaitServed();

        int claimed = sitePid();
        // It is a slot that was ready: the pool's id range, not the site's own, and one slot fewer until the refill.
        assertThat(hostIdOf(claimed)).as(() -> "a pool range; hostd log:\n" + host.tail()).isGreaterThanOrEqualTo(POOL_ID_BASE);
        awaitReady();
        assertThat(slots()).hasSize(POOL_SIZE).isNotEqualTo(before);
        Map<String, Object> pooled = confinement(claimed);
        // Its host name stays the slot's (nothing in the container reads it); a started container's is the site's name.
        assertThat(pooled.remove("hostname")).isEqualTo(host.prefix + "-pool-" + (hostIdOf(claimed) - POOL_ID_BASE) / IDS_PER_SITE);
        assertThat(pooled).containsEntry("uid inside", 1000L)
                .containsEntry("cgroup memory", "the site's").containsEntry("cgroup pids", "the site's")
                .containsEntry("cgroup cpu", "the site's").containsEntry("pids/pids.max", "24")
                .containsEntry("memory/memory.limit_in_bytes", Long.toString(48L << 20));
        assertThat(Long.parseLong((String) pooled.get("cpu/cpu.cfs_quota_us")) * 1000
                / Long.parseLong((String) pooled.get("cpu/cpu.cfs_period_us"))).isEqualTo(300);
        // The directory it serves holds the site's files and nothing else; the slots' own are empty.
        assertThat(pooled.get("srv")).isEqualTo(listing(host.dataDirectory.resolve("sites").resolve(site.toString())));
        try (Stream<Path> slotFiles = Files.walk(host.dataDirectory.resolve("pool"))) {
            assertThat(slotFiles.filter(Files::isRegularFile).toList()).isEmpty();
        }

        // hostd restarts a killed server the usual way (runc run): the same confinement, in the site's own id range.
        ProcessHandle.of(claimed).orElseThrow().destroyForcibly();
        await("a new server for the site", () -> {
            int pid = sitePid();
            return pid != 0 && pid != claimed && host.proxy(name() + ".localhost", "/").status() == 200;
        });
        int cold = sitePid();
        assertThat(hostIdOf(cold)).isEqualTo(HOST_ID_BASE + ADDRESS * IDS_PER_SITE);
        Map<String, Object> started = confinement(cold);
        assertThat(started.remove("hostname")).isEqualTo(name());
        assertThat(pooled).isEqualTo(started);
    }

    @Test
    @Order(2)
    void aStoppedSiteThatStartsClaimsASlotAndServesItsFilesAgain() throws Exception {
        awaitReady();
        int before = sitePid();
        put(false);
        await(name() + " stopped", () -> host.proxy(name() + ".localhost", "/").status() == 503);
        // A stop sets the container aside and deletes it in the background: it goes, and nothing stays aside.
        await("the stopped container gone", () -> !running(before) && Commands.stdout(List.of("runc", "--root", runcRoot(), "list", "-q"))
                .lines().noneMatch(id -> id.startsWith(host.prefix + "-gone-")));
        put(true);
        awaitServed();
        assertThat(hostIdOf(sitePid())).isGreaterThanOrEqualTo(POOL_ID_BASE);
        // Only the site's namespace is left of its first one, with its addresses.
        assertThat(Commands.stdout(List.of("ip", "netns", "list"))).contains(host.prefix + "-" + site);
        assertThat(dev.berth.testkit.SiteHttp.tcp(host.ipv4(ADDRESS), 80, "GET", "x", "/current/", null, null).status()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void aRestartedHostdKeepsTheUntouchedSlotsReplacesATouchedOneAndKeepsTheClaimedContainer() throws Exception {
        awaitReady();
        int claimed = sitePid();
        Map<String, Integer> slotPids = new LinkedHashMap<>();
        for (String slot : slots()) {
            slotPids.put(slot, JsonMapper.builder().build().readTree(Commands.stdout(List.of("runc", "--root", runcRoot(), "state", slot)))
                    .path("pid").asInt());
        }
        host.kill9();
        // A slot whose directory is not empty any more is not one hostd would start: it must go.
        String touched = slotPids.keySet().iterator().next();
        Files.writeString(host.dataDirectory.resolve("pool").resolve(touched).resolve("index.html"), "not the pool's");
        host.start();
        awaitReady();
        for (Map.Entry<String, Integer> slot : slotPids.entrySet()) {
            boolean kept = slot.getKey().equals(touched) ? !running(slot.getValue()) : running(slot.getValue());
            assertThat(kept).as(slot.getKey() + (slot.getKey().equals(touched) ? " destroyed" : " kept")).isTrue();
        }
        assertThat(sitePid()).isEqualTo(claimed);
        awaitServed();
        String netns = Commands.stdout(List.of("ip", "netns", "list"));
        assertThat(netns.lines().filter(line -> line.startsWith(host.prefix + "-pool-")).count()).isEqualTo(POOL_SIZE);
        try (Stream<Path> slotFiles = Files.walk(host.dataDirectory.resolve("pool"))) {
            assertThat(slotFiles.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }

    @Test
    @Order(4)
    void aDeletedClaimedSiteLeavesNothingAndItsSlotIsNeverReused() throws Exception {
        int claimed = sitePid();
        long range = hostIdOf(claimed);
        assertThat(host.hostd("DELETE", "/v1/sites/" + site, null).status()).isEqualTo(204);
        await("the site is gone", () -> !Files.exists(Path.of("/var/run/netns", host.prefix + "-" + site))
                && !Files.exists(host.dataDirectory.resolve("sites").resolve(site.toString()))
                && !Files.exists(Path.of("/sys/fs/cgroup/memory", host.prefix, "tenant-" + TENANT, "site-" + site))
                && Commands.exitCode(List.of("runc", "--root", runcRoot(), "state", host.prefix + "-" + site)) != 0);
        assertThat(running(claimed)).isFalse();
        // Its processes are gone with it; no slot runs with a process of it.
        for (String slot : slots()) {
            int pid = JsonMapper.builder().build().readTree(Commands.stdout(List.of("runc", "--root", runcRoot(), "state", slot)))
                    .path("pid").asInt();
            assertThat(pid).isNotEqualTo(claimed);
            assertThat(listing(Path.of("/proc", Integer.toString(pid), "root/srv"))).isEmpty();
        }
        assertThat(range).isGreaterThanOrEqualTo(POOL_ID_BASE);
    }
}
