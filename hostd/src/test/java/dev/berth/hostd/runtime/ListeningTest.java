package dev.berth.hostd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start returns once the server listens on port 80 in the container's namespace (a fake /proc here). */
class ListeningTest {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    @TempDir
    Path proc;

    private void table(String name, String rows) throws Exception {
        Files.createDirectories(proc.resolve("42/net"));
        Files.writeString(proc.resolve("42/net").resolve(name), HEADER + rows);
    }

    @Test
    void onlyAListeningSocketOnPort80Counts() throws Exception {
        table("tcp", "   0: 0501010A:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
                + "   1: 0501010A:0050 0101010A:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n");
        assertThat(RuncRuntime.listens(proc.resolve("42/net/tcp"))).isFalse();
        table("tcp", "   0: 0501010A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n");
        assertThat(RuncRuntime.listens(proc.resolve("42/net/tcp"))).isTrue();
        assertThat(RuncRuntime.listens(proc.resolve("43/net/tcp"))).isFalse();
    }

    @Test
    void theWaitEndsWhenTheServerListensOrAtTheBound() throws Exception {
        table("tcp", "");
        long start = System.nanoTime();
        RuncRuntime.awaitListening(proc, 42, Duration.ofMillis(200));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));

        table("tcp6", "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000"
                + " 00:00000000 00000000     0        0 1 1\n");
        start = System.nanoTime();
        RuncRuntime.awaitListening(proc, 42, Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }
}
