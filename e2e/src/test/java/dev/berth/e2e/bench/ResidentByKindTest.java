package dev.berth.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link BenchSupport#residentKibByKind}: an nginx worker's smaps, summed by kind of mapping. */
class ResidentByKindTest {

    @Test
    void sharedZonesPrivateAnonymousMemoryAndFilesAreSummedApart() {
        String smaps = """
                55d0c0a00000-55d0c0b00000 r-xp 00000000 08:01 1234                       /usr/sbin/nginx
                Size:               1024 kB
                Rss:                 700 kB
                Pss:                 350 kB
                55d0c1000000-55d0c1400000 rw-p 00000000 00:00 0                          [heap]
                Rss:                2048 kB
                7f00aa000000-7f00ae000000 rw-s 00000000 00:01 5678                       /dev/zero (deleted)
                Rss:                1500 kB
                7f00b0000000-7f00b0100000 rw-p 00000000 00:00 0
                Rss:                 300 kB
                7f00b1000000-7f00b1001000 r--p 00000000 08:01 91011                      /usr/lib/x86_64-linux-gnu/libluajit-5.1.so.2.1.0
                Rss:                   4 kB
                7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
                Rss:                  12 kB
                """;
        assertThat(BenchSupport.residentKibByKind(smaps)).containsExactly(
                Map.entry("shared zones", 1500L), Map.entry("private anonymous", 2360L), Map.entry("files", 704L));
    }
}
