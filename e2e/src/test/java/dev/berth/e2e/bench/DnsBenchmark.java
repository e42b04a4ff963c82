package dev.berth.e2e.bench;

import static dev.berth.e2e.bench.BenchSupport.percentile;
import static dev.berth.e2e.bench.BenchSupport.round;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.e2e.ApiCalls;
import dev.berth.e2e.StackProcess;
import dev.berth.testkit.NamedServer;
import dev.berth.testkit.PebbleServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Type;

/**
 * Issue 5's benchmark on the real stack with a real BIND and Debian's Pebble on loopback: for N
 * sites (argument, default 30) created one after the other through the API, {@code POST /sites} ->
 * the site's A and AAAA records answering at named (p50, p99); in the same run, interleaved, the
 * baseline: a plain {@code nsupdate -y} of the same two records -> answering; delete through the
 * API -> both records gone; and ACME issuance of the platform wildcard through DNS-01 with
 * {@code PEBBLE_VA_NOSLEEP=1} on the default path ({@code tls.issuance: api}): from the stack's
 * start to the wildcard active on the node, the API's keeper having had the node order it (one
 * sample a run; a forced renewal exists only for a node with {@code tls.issuance: local}). One site is also checked with {@code dig} and over HTTPS with
 * {@code curl --cacert ROOT --resolve}. Runs as root, stops by itself, prints a table and writes
 * target/bench/dns.json and dns.txt.
 *
 * <p>{@code mvn -B -pl e2e -am -Pbench-dns -DskipTests verify [-Dberth.bench.args=30]}
 */
public final class DnsBenchmark {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final double GOAL_P99_MILLIS = 50;
    private static final String PUBLIC_IPV4 = "127.0.0.1";
    private static final String PUBLIC_IPV6 = "0:0:0:0:0:0:0:1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DnsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int count = BenchSupport.countArgument(args, 30);
        BenchSupport.requireStack("DnsBenchmark");
        if (!(NamedServer.available() && Files.isExecutable(NamedServer.NSUPDATE) && PebbleServer.available()
                && Files.isExecutable(Path.of("/usr/bin/dig")) && Files.isExecutable(Path.of("/usr/bin/curl")))) {
            throw new IllegalStateException("DnsBenchmark needs bind9 (named, nsupdate, dig), pebble and curl");
        }
        int proxyPort = PebbleServer.freePort();
        int httpsPort = PebbleServer.freePort();
        try (NamedServer named = new NamedServer()) {
            named.start();
            // Every issuance is a whole order with a DNS-01 challenge, and no nonce is refused: the figure is the CA round trip.
            try (PebbleServer pebble = new PebbleServer(named.address(), proxyPort,
                    Map.of("PEBBLE_AUTHZREUSE", "0", "PEBBLE_WFE_NONCEREJECT", "0"));
                 StackProcess stack = StackProcess.builder()
                         .admin("admin@berth.localhost", "admin-password-for-the-benchmark")
                         .defaultQuota("maxSites", count + 10)
                         .defaultQuota("maxRunningSites", count + 10)
                         .defaultQuota("cpuMillicores", 2000)
                         .defaultQuota("memoryMib", 8192)
                         .defaultQuota("pids", 20_000)
                         .defaultQuota("apiRequestsPerMinute", 1_000_000)
                         .platformDomain(NamedServer.ZONE)
                         .proxyPort(proxyPort)
                         .hostdEnvironment("BERTH_DNS_PROVIDER", "rfc2136")
                         .hostdEnvironment("BERTH_DNS_SERVER", "127.0.0.1:" + named.port)
                         .hostdEnvironment("BERTH_DNS_ZONE", NamedServer.ZONE)
                         .hostdEnvironment("BERTH_DNS_KEY_NAME", NamedServer.KEY_NAME)
                         .hostdEnvironment("BERTH_DNS_KEY_SECRET", named.secret)
                         .hostdEnvironment("BERTH_DNS_PUBLIC_IPV4", PUBLIC_IPV4)
                         .hostdEnvironment("BERTH_DNS_PUBLIC_IPV6", "::1")
                         .hostdEnvironment("BERTH_TLS_ENABLED", "true")
                         .hostdEnvironment("BERTH_TLS_DIRECTORY_URL", pebble.directoryUrl().toString())
                         .hostdEnvironment("BERTH_TLS_TRUSTED_CA_FILE", pebble.tlsCaPem.toString())
                         .hostdEnvironment("BERTH_TLS_LISTEN_V4", "127.0.0.1:" + httpsPort)
                         .hostdEnvironment("BERTH_TLS_LISTEN_V6", "[::1]:" + httpsPort)
                         .hostdEnvironment("BERTH_TLS_FIRST_RETRY_SECONDS", "1")
                         .name("dns-bench")
                         .build()) {
                long started = System.nanoTime();
                stack.start();
                run(count, named, pebble, stack, httpsPort, started);
            }
        } finally {
            // dnsjava's selector thread would outlive exec:java's class loader, and its shutdown hook
            // would then wait for it forever: Maven never exits. Close it while its classes still load.
            org.xbill.DNS.NioClient.close();
        }
    }

    private static void run(int count, NamedServer named, PebbleServer pebble, StackProcess stack, int httpsPort, long started)
            throws Exception {
        String loadBefore = BenchSupport.loadAverage();
        // The first issuance: hostd reports the wildcard it needs, the API's keeper has it ordered, then installs it.
        awaitPlatformCertificate(stack);
        List<Double> issuanceMillis = List.of((System.nanoTime() - started) / 1e6);
        ApiCalls api = stack.calls();
        String token = api.signUpAndLogIn("bench-" + stack.prefix() + "@example.com", "correct horse battery staple",
                "bench" + stack.prefix());

        // Warm-up: JIT in both JVMs, the first TSIG connection, the first nsupdate.
        String warmUp = stack.uniqueSiteName("warm");
        stack.createSite(token, warmUp);
        awaitRecords(named, warmUp + "." + NamedServer.ZONE, true);
        named.nsupdateAddresses("warm-" + stack.prefix() + "." + NamedServer.ZONE, PUBLIC_IPV4, "::1");

        List<String> sites = new ArrayList<>();
        List<Double> answerMillis = new ArrayList<>();
        List<Double> postMillis = new ArrayList<>();
        List<Double> nsupdateMillis = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            String site = stack.uniqueSiteName("d" + index);
            long start = System.nanoTime();
            postMillis.add(BenchSupport.createSite(stack, token, site, start));
            awaitRecords(named, site + "." + NamedServer.ZONE, true);
            answerMillis.add((System.nanoTime() - start) / 1e6);
            sites.add(site);

            String baseline = "n" + index + "-" + stack.prefix() + "." + NamedServer.ZONE;
            start = System.nanoTime();
            named.nsupdateAddresses(baseline, PUBLIC_IPV4, "::1");
            awaitRecords(named, baseline, true);
            nsupdateMillis.add((System.nanoTime() - start) / 1e6);
        }

        // What a resolver sees, through dig; and the wildcard served for that site through the stack's nginx.
        String checked = sites.get(sites.size() - 1) + "." + NamedServer.ZONE;
        String dig = StackProcess.run(List.of("dig", "@127.0.0.1", "-p", Integer.toString(named.port), "+short", checked, "A")).strip()
                + " " + StackProcess.run(List.of("dig", "@127.0.0.1", "-p", Integer.toString(named.port), "+short", checked, "AAAA"))
                .strip();
        if (!dig.equals(PUBLIC_IPV4 + " ::1")) {
            throw new IllegalStateException("dig answered for " + checked + ": " + dig);
        }
        String https = awaitHttps(pebble, checked, httpsPort);

        List<Double> deleteMillis = new ArrayList<>();
        for (String site : sites) {
            long start = System.nanoTime();
            ApiCalls.Answer deleted = api.send("DELETE", "/sites/" + site, token, null, null, Map.of());
            if (deleted.status() != 202) {
                throw new IllegalStateException("delete failed: " + deleted);
            }
            awaitRecords(named, site + "." + NamedServer.ZONE, false);
            deleteMillis.add((System.nanoTime() - start) / 1e6);
        }
        String loadAfter = BenchSupport.loadAverage();

        double p99 = percentile(answerMillis, 99);
        double baselineP99 = percentile(nsupdateMillis, 99);
        StringBuilder table = new StringBuilder();
        table.append(String.format("Berth DNS/TLS benchmark: %d sites through the API, hostd (rfc2136, TSIG over TCP) and named on "
                + "127.0.0.1:%d; %d cpus; load %s -> %s%n", count, named.port, Runtime.getRuntime().availableProcessors(), loadBefore,
                loadAfter));
        table.append("(the machine was shared with other builds and tests: compare figures within this run)\n");
        table.append(String.format("%-62s %8s %8s %8s%n", "", "p50 ms", "p99 ms", "max ms"));
        row(table, "API POST /sites -> A and AAAA answering at named (" + count + ")", answerMillis);
        row(table, "  of which POST /sites answered 201", postMillis);
        row(table, "baseline: plain nsupdate -y of A+AAAA -> answering (" + count + ")", nsupdateMillis);
        row(table, "API DELETE /sites/{name} -> A and AAAA gone (" + count + ")", deleteMillis);
        row(table, "ACME wildcard, DNS-01: stack start -> active on the node (1)", issuanceMillis);
        table.append(String.format("ratio API -> answering / nsupdate baseline: p50 %.1fx, p99 %.1fx%n",
                percentile(answerMillis, 50) / percentile(nsupdateMillis, 50), p99 / baselineP99));
        table.append("dig @127.0.0.1 -p ").append(named.port).append(' ').append(checked).append(": ").append(dig).append('\n');
        table.append("curl --cacert <pebble root> --resolve ").append(checked).append(':').append(httpsPort).append(":127.0.0.1: ")
                .append(https).append('\n');
        table.append(String.format("goal: API -> record answering p99 <= %.0f ms: %s%n", GOAL_P99_MILLIS,
                p99 <= GOAL_P99_MILLIS ? "MET" : "NOT MET"));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("sites", count);
        json.put("cpus", Runtime.getRuntime().availableProcessors());
        json.put("loadAverageBefore", loadBefore);
        json.put("loadAverageAfter", loadAfter);
        json.put("createToRecordsAnswering", summary(answerMillis));
        json.put("createPostAnswered", summary(postMillis));
        json.put("nsupdateToAnswering", summary(nsupdateMillis));
        json.put("deleteToRecordsGone", summary(deleteMillis));
        json.put("acmeIssuance", summary(issuanceMillis));
        json.put("goalP99Millis", GOAL_P99_MILLIS);
        json.put("goalMet", p99 <= GOAL_P99_MILLIS);
        json.put("createToRecordsAnsweringMillis", answerMillis.stream().map(BenchSupport::round).toList());
        BenchSupport.report(table.toString(), json, "target/bench/dns.json");
    }

    private static void row(StringBuilder table, String label, List<Double> millis) {
        table.append(String.format("%-62s %8.1f %8.1f %8.1f%n", label, percentile(millis, 50), percentile(millis, 99),
                percentile(millis, 100)));
    }

    private static Map<String, Object> summary(List<Double> millis) {
        return Map.of("count", millis.size(), "p50Millis", round(percentile(millis, 50)), "p99Millis", round(percentile(millis, 99)),
                "maxMillis", round(percentile(millis, 100)));
    }

    /** Polls named with unsigned queries, as any resolver asks, until both records answer (or are both gone). */
    private static void awaitRecords(NamedServer named, String name, boolean present) throws Exception {
        long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        while (true) {
            List<String> a = named.answers(name, Type.A);
            List<String> aaaa = named.answers(name, Type.AAAA);
            boolean answering = a.equals(List.of(PUBLIC_IPV4)) && aaaa.equals(List.of(PUBLIC_IPV6));
            if (present ? answering : a.isEmpty() && aaaa.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + (present ? " did not answer" : " still answers") + " within "
                        + ANSWER_TIMEOUT.toSeconds() + " s: A " + a + ", AAAA " + aaaa);
            }
        }
    }

    /** Waits until hostd reports the platform wildcard active (ordered and installed through the API). */
    private static void awaitPlatformCertificate(StackProcess stack) throws Exception {
        long deadline = System.nanoTime() + 2 * ANSWER_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = stack.hostd("GET", "/v1/certificates").text();
            for (JsonNode certificate : JSON.readTree(last)) {
                if ("platform".equals(certificate.path("name").asText()) && "active".equals(certificate.path("state").asText())) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the platform certificate did not become active: " + last);
    }

    /** {@code curl --cacert ROOT --resolve NAME:PORT:127.0.0.1 https://NAME:PORT/} until the site's container answers 200. */
    private static String awaitHttps(PebbleServer pebble, String hostname, int httpsPort) throws Exception {
        Path root = Files.createTempFile("berth-pebble-root-", ".pem");
        try {
            Files.writeString(root, pebble.issuingRootPem());
            long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
            String answer = "";
            while (System.nanoTime() < deadline) {
                answer = StackProcess.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                        "--cacert", root.toString(), "--resolve", hostname + ":" + httpsPort + ":127.0.0.1",
                        "https://" + hostname + ":" + httpsPort + "/")).strip();
                if (answer.equals("200")) {
                    return "200";
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("https://" + hostname + " did not answer 200 with Pebble's root: " + answer);
        } finally {
            Files.deleteIfExists(root);
        }
    }
}
