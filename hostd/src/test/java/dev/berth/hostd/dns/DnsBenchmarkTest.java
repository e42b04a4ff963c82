package dev.berth.hostd.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.hostprotocol.ResourceLimits;
import dev.berth.hostprotocol.SiteSpec;
import dev.berth.testkit.NamedServer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * Time from hostd publishing a site's records ({@link SiteRecords#ensure}, what a site PUT runs) to
 * an unsigned query answering them, next to a plain {@code nsupdate -y} of the same change in the
 * same run, and fails if hostd's median is slower than the plain update's. Runs only in the
 * benchmarks ({@code make bench} sets {@code BERTH_BENCH_DNS_SITES}, the count). Prints and writes
 * {@code target/dns-bench.txt}.
 */
@Tag("host")
class DnsBenchmarkTest {
    @TempDir
    Path state;

    @Test
    void publishingARecordIsAsFastAsPlainNsupdate() throws Exception {
        String sites = System.getenv("BERTH_BENCH_DNS_SITES");
        assumeTrue(sites != null, "a benchmark, not part of the test run: set BERTH_BENCH_DNS_SITES (make bench does)");
        assumeTrue(NamedServer.available() && Files.isExecutable(NamedServer.NSUPDATE), "bind9 and nsupdate needed");
        int count = Integer.parseInt(sites);
        try (NamedServer named = new NamedServer()) {
            named.start();
            SiteRecords records = new SiteRecords(TestDns.provider(named, 3),
                    List.of(InetAddress.getByName("192.0.2.10"), InetAddress.getByName("2001:db8::10")), state);
            // Warm-up: JIT and the first TCP connection.
            for (int i = 0; i < 10; i++) {
                records.ensure(spec("warm" + i));
            }
            List<Long> hostd = new ArrayList<>();
            List<Long> nsupdate = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = "b" + i;
                long start = System.nanoTime();
                records.ensure(spec(name));
                awaitAnswer(named, name + ".example.test");
                hostd.add(System.nanoTime() - start);

                String other = "n" + i + ".example.test";
                start = System.nanoTime();
                named.nsupdateAddresses(other, "192.0.2.10", "2001:db8::10");
                awaitAnswer(named, other);
                nsupdate.add(System.nanoTime() - start);
            }
            double ratio = percentile(sorted(hostd), 50) / percentile(sorted(nsupdate), 50);
            String report = "DNS publish -> answering, " + count + " names, named on loopback (this host, shared)\n"
                    + "  hostd SiteRecords.ensure (query + TSIG update over TCP): " + summary(hostd) + "\n"
                    + "  plain nsupdate -y hmac-sha256 (process + update):       " + summary(nsupdate) + "\n"
                    + String.format("  ratio of the p50s, hostd / nsupdate: %.2f%n", ratio);
            System.out.print(report);
            Files.writeString(Path.of("target/dns-bench.txt"), report);
            // The comparison the name promises, against the floor measured in the same run.
            assertThat(ratio).as("hostd's p50 next to plain nsupdate's").isLessThanOrEqualTo(1.0);
        }
    }

    private static SiteSpec spec(String name) {
        return new SiteSpec(UUID.randomUUID(), name, UUID.randomUUID(), List.of(name + ".example.test"), "10.1.1.5", "fd00::5",
                new ResourceLimits(500, 64, 64), new ResourceLimits(1000, 256, 256), true, null, 1);
    }

    private static void awaitAnswer(NamedServer named, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (named.answers(name, Type.A).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not answer");
            }
        }
    }

    private static List<Long> sorted(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted;
    }

    private static String summary(List<Long> nanos) {
        List<Long> sorted = sorted(nanos);
        return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms", percentile(sorted, 50), percentile(sorted, 99),
                sorted.get(sorted.size() - 1) / 1e6);
    }

    private static double percentile(List<Long> sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1))) / 1e6;
    }
}
