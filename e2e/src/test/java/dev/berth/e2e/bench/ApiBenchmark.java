package dev.berth.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.berth.e2e.ApiProcess;
import dev.berth.e2e.bench.LoadGenerator.Result;
import dev.berth.e2e.bench.LoadGenerator.Target;
import dev.berth.sdk.ApiClient;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.api.AdminApi;
import dev.berth.sdk.api.AuthApi;
import dev.berth.sdk.api.SitesApi;
import dev.berth.sdk.model.CreateSiteRequest;
import dev.berth.sdk.model.LoginRequest;
import dev.berth.sdk.model.Me;
import dev.berth.sdk.model.Quota;
import dev.berth.sdk.model.SignupRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Throughput and latency of authenticated {@code GET /api/v1/sites} (a tenant with 10 sites, JWT
 * access token) next to the public {@code GET /api/v1/health}, measured in the same run against the
 * real API started as its own process on loopback. Per endpoint: an open-loop phase at 1,000 req/s
 * for 10 s (p50, p99, p99.9 from the scheduled send time) and a closed-loop saturation phase with
 * 48 requests in flight for 10 s (req/s). Prints a table and writes the same figures as JSON to
 * {@code berth.bench.output} (default {@code e2e/target/bench/api.json}).
 *
 * <p>Not a test: run it with {@code mvn -B -pl e2e -am -Pbench -DskipTests verify}. It takes 2 to 4
 * minutes (the warm-up lasts until the API's CPU per request has settled) and stops by itself.
 * Goals (issue 2): p99 at most 10 ms at 1,000 req/s, at least 5,000 req/s at saturation on 2 cores.
 * The load generator runs in this JVM, a process of its own on the same machine, and takes CPU
 * from the API; the table shows how much each process used.
 */
public final class ApiBenchmark {
    private static final int SITES = 10;
    private static final int RATE_PER_SECOND = 1_000;
    private static final int OPEN_LOOP_SECONDS = 10;
    private static final int CLOSED_LOOP_SECONDS = 10;
    /** Warm-up rounds per endpoint: closed loop, until the API's CPU per request settles (see {@link #warmUp}). */
    private static final int WARM_UP_ROUND_SECONDS = 5;
    private static final int WARM_UP_MIN_ROUNDS = 6;
    private static final int WARM_UP_MAX_ROUNDS = 20;
    /** Two rounds in a row within this fraction of each other count as settled. */
    private static final double WARM_UP_SETTLED = 0.10;
    private static final int CONCURRENCY = 48;
    /** One request in flight: the service time without queueing or lock contention, for diagnosis. */
    private static final int SINGLE_SECONDS = 5;
    private static final double GOAL_P99_MILLIS = 10.0;
    private static final double GOAL_REQUESTS_PER_SECOND = 5_000;

    /** System load averages (1 minute) before the warm-up and after the last phase: other work on the machine skews the figures. */
    private static double loadAtStart = Double.NaN;
    private static double loadAtEnd = Double.NaN;
    /** How long each endpoint was warmed up before the measured phases. */
    private static final Map<String, Integer> warmUpSeconds = new LinkedHashMap<>();

    private ApiBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path output = Path.of(System.getProperty("berth.bench.output", "e2e/target/bench/api.json"));
        String adminPassword = "bench-admin-" + randomHex(12);
        // The public endpoints' per-address budget (300 requests a minute by default) would answer most of
        // the /health baseline with 429: the baseline measures the endpoint, not that budget.
        ApiProcess.Builder apiSettings = ApiProcess.builder().name("bench").admin("admin@bench.berth.localhost", adminPassword)
                .extraConfiguration("auth:\n  anonymousRequestsPerAddressPerMinute: 1000000000\n");
        // For profiling the API under load, e.g. -Dberth.bench.apiJvmOptions=-XX:StartFlightRecording=filename=/tmp/api.jfr
        for (String option : System.getProperty("berth.bench.apiJvmOptions", "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                apiSettings.jvmOption(option);
            }
        }
        try (ApiProcess api = apiSettings.build().start();
             LoadGenerator load = new LoadGenerator(CONCURRENCY + 16)) {
            String accessToken = prepareTenant(api);
            Target sites = new Target("GET /api/v1/sites", URI.create(api.baseUri() + "/sites"),
                    Map.of("Authorization", "Bearer " + accessToken));
            Target health = new Target("GET /api/v1/health", URI.create(api.baseUri() + "/health"), Map.of());
            ProcessHandle apiProcess = ProcessHandle.of(api.pid()).orElseThrow();

            loadAtStart = loadAverage();
            warmUpSeconds.put("sites", warmUp(load, sites, apiProcess));
            warmUpSeconds.put("health", warmUp(load, health, apiProcess));

            Map<String, Phase> phases = new LinkedHashMap<>();
            phases.put("openSites", measure(apiProcess, () -> load.openLoop(sites, RATE_PER_SECOND, OPEN_LOOP_SECONDS)));
            phases.put("openHealth", measure(apiProcess, () -> load.openLoop(health, RATE_PER_SECOND, OPEN_LOOP_SECONDS)));
            phases.put("closedSites", measure(apiProcess, () -> load.closedLoop(sites, CONCURRENCY, CLOSED_LOOP_SECONDS)));
            phases.put("closedHealth", measure(apiProcess, () -> load.closedLoop(health, CONCURRENCY, CLOSED_LOOP_SECONDS)));
            phases.put("singleSites", measure(apiProcess, () -> load.closedLoop(sites, 1, SINGLE_SECONDS)));
            phases.put("singleHealth", measure(apiProcess, () -> load.closedLoop(health, 1, SINGLE_SECONDS)));

            loadAtEnd = loadAverage();
            System.out.println(table(phases));
            Files.createDirectories(output.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(output.toFile(), json(phases));
            System.out.println("Figures written to " + output.toAbsolutePath());
        }
    }

    /** Signs up a tenant, lets the admin lift its rate limit and site quotas, creates its sites; returns its access token. */
    private static String prepareTenant(ApiProcess api) throws ApiException {
        String suffix = randomHex(4);
        String email = "bench-" + suffix + "@example.com";
        String password = "bench password " + suffix;
        Me me = new AuthApi(client(api, null)).signup(new SignupRequest().email(email).password(password).tenantName("bench-" + suffix));

        String adminToken = new AuthApi(client(api, null)).login(new LoginRequest().email(api.adminEmail()).password(api.adminPassword()))
                .getAccessToken();
        AdminApi admin = new AdminApi(client(api, adminToken));
        var read = admin.adminGetQuotaWithHttpInfo(me.getTenantId());
        Quota quota = read.getData();
        String etag = read.getHeaders().entrySet().stream().filter(header -> header.getKey().equalsIgnoreCase("ETag"))
                .map(header -> header.getValue().get(0)).findFirst().orElseThrow();
        quota.setApiRequestsPerMinute(1_000_000);
        quota.setMaxSites(Math.max(quota.getMaxSites(), SITES));
        quota.setMaxRunningSites(Math.max(quota.getMaxRunningSites(), SITES));
        admin.adminPutQuota(me.getTenantId(), quota, etag);

        String accessToken = new AuthApi(client(api, null)).login(new LoginRequest().email(email).password(password)).getAccessToken();
        SitesApi sites = new SitesApi(client(api, accessToken));
        for (int index = 0; index < SITES; index++) {
            sites.createSite(new CreateSiteRequest().name(String.format(Locale.ROOT, "bench-%s-%02d", suffix, index)), null);
        }
        int listed = sites.listSites(null, null).getItems().size();
        if (listed != SITES) {
            throw new IllegalStateException("expected " + SITES + " sites, the API lists " + listed);
        }
        return accessToken;
    }

    private static ApiClient client(ApiProcess api, String bearer) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(api.baseUri());
        client.setReadTimeout(Duration.ofSeconds(30));
        if (bearer != null) {
            client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + bearer));
        }
        return client;
    }

    /**
     * A phase's result with the CPU the API process, this JVM and the whole machine used during it,
     * in cores (CPU seconds per second); the machine's figure is NaN where /proc/stat is missing.
     */
    private record Phase(Result result, double apiCpuCores, double benchCpuCores, double machineCpuCores) {
        double otherCpuCores() {
            return Math.max(0, machineCpuCores - apiCpuCores - benchCpuCores);
        }

        /** API CPU time per successful answer: what a request costs, whatever the machine's load. */
        double apiCpuMillisPerRequest() {
            return apiCpuCores * 1000 / result.throughputPerSecond();
        }
    }

    private interface Run {
        Result run() throws InterruptedException;
    }

    private static Phase measure(ProcessHandle apiProcess, Run run) throws InterruptedException {
        Thread.sleep(1_000);
        long apiCpuBefore = cpuNanos(apiProcess);
        long benchCpuBefore = benchCpuNanos();
        long machineBusyBefore = machineBusyNanos();
        long wallBefore = System.nanoTime();
        Result result = run.run();
        double wall = System.nanoTime() - wallBefore;
        long machineBusyAfter = machineBusyNanos();
        Phase phase = new Phase(result, (cpuNanos(apiProcess) - apiCpuBefore) / wall, (benchCpuNanos() - benchCpuBefore) / wall,
                machineBusyBefore < 0 || machineBusyAfter < 0 ? Double.NaN : (machineBusyAfter - machineBusyBefore) / wall);
        System.out.printf(Locale.ROOT, "  %-20s sent %7d  errors %5d  p50 %7.3f ms  p99 %7.3f ms  %9.0f req/s%n",
                result.label(), result.sent(), result.errors(), result.percentileMillis(50), result.percentileMillis(99),
                result.throughputPerSecond());
        return phase;
    }

    /**
     * Closed-loop rounds of 5 s on one endpoint, at least 30 s, until the API's CPU time per answer
     * of three rounds in a row stays within 10% (at most 100 s). The API's JIT compiles for well over
     * a minute on a busy 2-core machine: a fixed 5 s warm-up left the measured phases paying for
     * compilation, which made the open loop queue for seconds. Returns the seconds spent.
     */
    private static int warmUp(LoadGenerator load, Target target, ProcessHandle apiProcess) throws InterruptedException {
        double previous = Double.NaN;
        int steady = 0;
        for (int round = 1; round <= WARM_UP_MAX_ROUNDS; round++) {
            long cpuBefore = cpuNanos(apiProcess);
            Result result = load.closedLoop(target, CONCURRENCY, WARM_UP_ROUND_SECONDS);
            double cpuMillisPerRequest = (cpuNanos(apiProcess) - cpuBefore) / 1e6 / Math.max(1, result.completed() - result.errors());
            System.out.printf(Locale.ROOT, "  warm-up %-20s round %2d: %7.0f req/s, API CPU %.3f ms per request%n", target.label(), round,
                    result.throughputPerSecond(), cpuMillisPerRequest);
            steady = Math.abs(cpuMillisPerRequest - previous) <= WARM_UP_SETTLED * previous ? steady + 1 : 0;
            if (steady >= 2 && round >= WARM_UP_MIN_ROUNDS) {
                return round * WARM_UP_ROUND_SECONDS;
            }
            previous = cpuMillisPerRequest;
        }
        return WARM_UP_MAX_ROUNDS * WARM_UP_ROUND_SECONDS;
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** Busy CPU time of the whole machine since boot, from /proc/stat (Linux); -1 where unavailable. */
    private static long machineBusyNanos() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busyTicks = 0;
            for (int index = 1; index < Math.min(fields.length, 9); index++) {
                if (index != 4 && index != 5) { // idle and iowait
                    busyTicks += Long.parseLong(fields[index]);
                }
            }
            return busyTicks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException unavailable) {
            return -1;
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static long benchCpuNanos() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    private static String table(Map<String, Phase> phases) {
        Result openSites = phases.get("openSites").result();
        Result openHealth = phases.get("openHealth").result();
        Result closedSites = phases.get("closedSites").result();
        Result closedHealth = phases.get("closedHealth").result();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nBerth API benchmark: %d CPUs, Java %s, loopback, tenant with %d sites, %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), SITES, Instant.now()));
        out.append(String.format(Locale.ROOT, "Load average (1 min) at start %.2f, at end %.2f%n", loadAtStart, loadAtEnd));
        out.append(String.format(Locale.ROOT, "Warm-up until the API's CPU per request settled: GET /sites %d s, GET /health %d s%n",
                warmUpSeconds.get("sites"), warmUpSeconds.get("health")));
        String row = "  %-38s %20s %20s %14s%n";
        out.append(String.format(Locale.ROOT, row, "", "GET /sites (JWT)", "GET /health", "sites/health"));
        out.append(String.format(Locale.ROOT, "Open loop, %,d req/s for %d s (latency from scheduled send)%n", RATE_PER_SECOND, OPEN_LOOP_SECONDS));
        out.append(String.format(Locale.ROOT, row, "requests sent / errors", openSites.sent() + " / " + openSites.errors(),
                openHealth.sent() + " / " + openHealth.errors(), ""));
        for (double percentile : new double[] {50, 99, 99.9}) {
            out.append(ratioRow(row, "p" + trim(percentile) + " (ms)", openSites.percentileMillis(percentile),
                    openHealth.percentileMillis(percentile)));
        }
        out.append(ratioRow(row, "max (ms)", openSites.maxMillis(), openHealth.maxMillis()));
        out.append(cpuRow(row, "CPU cores: API / load gen / others", phases.get("openSites"), phases.get("openHealth")));
        out.append(String.format(Locale.ROOT, "Closed loop, %d requests in flight for %d s%n", CONCURRENCY, CLOSED_LOOP_SECONDS));
        out.append(ratioRow(row, "throughput (req/s)", closedSites.throughputPerSecond(), closedHealth.throughputPerSecond()));
        out.append(String.format(Locale.ROOT, row, "errors", closedSites.errors(), closedHealth.errors(), ""));
        out.append(ratioRow(row, "mean latency (ms)", closedSites.meanMillis(), closedHealth.meanMillis()));
        out.append(ratioRow(row, "p99 latency (ms)", closedSites.percentileMillis(99), closedHealth.percentileMillis(99)));
        out.append(cpuRow(row, "CPU cores: API / load gen / others", phases.get("closedSites"), phases.get("closedHealth")));
        out.append(ratioRow(row, "API CPU per request (ms)", phases.get("closedSites").apiCpuMillisPerRequest(),
                phases.get("closedHealth").apiCpuMillisPerRequest()));
        Result singleSites = phases.get("singleSites").result();
        Result singleHealth = phases.get("singleHealth").result();
        out.append(String.format(Locale.ROOT, "Diagnosis: 1 request in flight for %d s (service time without contention)%n", SINGLE_SECONDS));
        out.append(ratioRow(row, "throughput (req/s)", singleSites.throughputPerSecond(), singleHealth.throughputPerSecond()));
        out.append(ratioRow(row, "mean latency (ms)", singleSites.meanMillis(), singleHealth.meanMillis()));
        out.append(ratioRow(row, "p99 latency (ms)", singleSites.percentileMillis(99), singleHealth.percentileMillis(99)));
        out.append(ratioRow(row, "API CPU per request (ms)", phases.get("singleSites").apiCpuMillisPerRequest(),
                phases.get("singleHealth").apiCpuMillisPerRequest()));
        out.append(cpuRow(row, "CPU cores: API / load gen / others", phases.get("singleSites"), phases.get("singleHealth")));
        out.append(String.format(Locale.ROOT, "Goals for GET /sites: p99 <= %.0f ms at %,d req/s: %s (%.3f ms); >= %,.0f req/s at saturation: %s (%,.0f req/s)%n",
                GOAL_P99_MILLIS, RATE_PER_SECOND, openSites.percentileMillis(99) <= GOAL_P99_MILLIS && openSites.errors() == 0 ? "MET" : "NOT MET",
                openSites.percentileMillis(99), GOAL_REQUESTS_PER_SECOND,
                closedSites.throughputPerSecond() >= GOAL_REQUESTS_PER_SECOND ? "MET" : "NOT MET", closedSites.throughputPerSecond()));
        return out.toString();
    }

    private static String ratioRow(String row, String label, double sites, double health) {
        return String.format(Locale.ROOT, row, label, String.format(Locale.ROOT, "%.3f", sites), String.format(Locale.ROOT, "%.3f", health),
                String.format(Locale.ROOT, "%.2f", sites / health));
    }

    private static String cpuRow(String row, String label, Phase sites, Phase health) {
        return String.format(Locale.ROOT, row, label,
                String.format(Locale.ROOT, "%.2f / %.2f / %.2f", sites.apiCpuCores(), sites.benchCpuCores(), sites.otherCpuCores()),
                String.format(Locale.ROOT, "%.2f / %.2f / %.2f", health.apiCpuCores(), health.benchCpuCores(), health.otherCpuCores()), "");
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static Map<String, Object> json(Map<String, Phase> phases) {
        Result openSites = phases.get("openSites").result();
        Result openHealth = phases.get("openHealth").result();
        Result closedSites = phases.get("closedSites").result();
        Result closedHealth = phases.get("closedHealth").result();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("time", Instant.now().toString());
        root.put("environment", Map.of("cpus", Runtime.getRuntime().availableProcessors(), "javaVersion", System.getProperty("java.version"),
                "network", "loopback", "sites", SITES, "loadGenerator", "the benchmark's JVM (a process of its own, not the API's), Apache HttpClient 5 async, 1 I/O thread, keep-alive",
                "loadAverageAtStart", loadAtStart, "loadAverageAtEnd", loadAtEnd, "warmUpSeconds", warmUpSeconds));

        Map<String, Object> open = new LinkedHashMap<>();
        open.put("rateRequestsPerSecond", RATE_PER_SECOND);
        open.put("durationSeconds", OPEN_LOOP_SECONDS);
        open.put("latencyMeasuredFrom", "scheduled send time");
        open.put("sites", openFigures(phases.get("openSites")));
        open.put("health", openFigures(phases.get("openHealth")));
        open.put("sitesToHealthRatio", Map.of(
                "p50", openSites.percentileMillis(50) / openHealth.percentileMillis(50),
                "p99", openSites.percentileMillis(99) / openHealth.percentileMillis(99),
                "p999", openSites.percentileMillis(99.9) / openHealth.percentileMillis(99.9)));
        root.put("openLoop", open);

        Map<String, Object> closed = new LinkedHashMap<>();
        closed.put("concurrency", CONCURRENCY);
        closed.put("durationSeconds", CLOSED_LOOP_SECONDS);
        closed.put("sites", closedFigures(phases.get("closedSites")));
        closed.put("health", closedFigures(phases.get("closedHealth")));
        closed.put("sitesToHealthRatio", Map.of(
                "requestsPerSecond", closedSites.throughputPerSecond() / closedHealth.throughputPerSecond(),
                "meanMillis", closedSites.meanMillis() / closedHealth.meanMillis()));
        root.put("closedLoop", closed);

        Map<String, Object> single = new LinkedHashMap<>();
        single.put("concurrency", 1);
        single.put("durationSeconds", SINGLE_SECONDS);
        single.put("sites", closedFigures(phases.get("singleSites")));
        single.put("health", closedFigures(phases.get("singleHealth")));
        root.put("singleConnection", single);

        root.put("goals", Map.of(
                "p99MillisAtFixedRate", Map.of("goal", GOAL_P99_MILLIS, "measured", openSites.percentileMillis(99),
                        "met", openSites.percentileMillis(99) <= GOAL_P99_MILLIS && openSites.errors() == 0),
                "requestsPerSecondAtSaturation", Map.of("goal", GOAL_REQUESTS_PER_SECOND, "measured", closedSites.throughputPerSecond(),
                        "met", closedSites.throughputPerSecond() >= GOAL_REQUESTS_PER_SECOND)));
        return root;
    }

    private static Map<String, Object> openFigures(Phase phase) {
        Result result = phase.result();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("endpoint", result.label());
        figures.put("sent", result.sent());
        figures.put("errors", result.errors());
        figures.put("statuses", statuses(result));
        figures.put("p50Millis", result.percentileMillis(50));
        figures.put("p99Millis", result.percentileMillis(99));
        figures.put("p999Millis", result.percentileMillis(99.9));
        figures.put("maxMillis", result.maxMillis());
        figures.put("apiCpuCores", phase.apiCpuCores());
        figures.put("loadGeneratorCpuCores", phase.benchCpuCores());
        figures.put("otherProcessesCpuCores", phase.otherCpuCores());
        figures.put("apiCpuMillisPerRequest", phase.apiCpuMillisPerRequest());
        return figures;
    }

    private static Map<String, Object> closedFigures(Phase phase) {
        Result result = phase.result();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("endpoint", result.label());
        figures.put("requestsPerSecond", result.throughputPerSecond());
        figures.put("answered", result.completed());
        figures.put("errors", result.errors());
        figures.put("statuses", statuses(result));
        figures.put("meanMillis", result.meanMillis());
        figures.put("p50Millis", result.percentileMillis(50));
        figures.put("p99Millis", result.percentileMillis(99));
        figures.put("apiCpuCores", phase.apiCpuCores());
        figures.put("loadGeneratorCpuCores", phase.benchCpuCores());
        figures.put("otherProcessesCpuCores", phase.otherCpuCores());
        return figures;
    }

    private static Map<String, Long> statuses(Result result) {
        Map<String, Long> statuses = new LinkedHashMap<>();
        result.statuses().forEach((status, count) -> statuses.put(status == 0 ? "transportFailure" : Integer.toString(status), count));
        return statuses;
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
