package dev.berth.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Parsing what {@code jcmd} prints (JDK 17's format). */
class NativeMemoryTest {
    private static final String DIFF = """
            12345:

            Native Memory Tracking:

            (Omitting categories weighting less than 1KB)

            Total: reserved=7843685KB +20581KB, committed=485349KB +18432KB

            -                 Java Heap (reserved=6172672KB, committed=397312KB +16384KB)
                                        (mmap: reserved=6172672KB, committed=397312KB +16384KB)
            \s
            -                     Class (reserved=1048806KB +1KB, committed=1446KB +1KB)
                                        (classes #2618)
                                        (malloc=230KB +1KB #4279 +15)
            \s
            -                    Thread (reserved=20533KB, committed=917KB)
                                        (thread #20)
            \s
            -                      Code (reserved=247982KB +1024KB, committed=12000KB +2047KB)
                                        (malloc=1234KB #2000)
            """;

    @Test
    void theTotalAndEveryCategoryThatMovedAtLeastTheThresholdAreRead() {
        assertThat(NativeMemory.parseDiff(DIFF, 256)).containsExactly(
                java.util.Map.entry("Total", 18432L), java.util.Map.entry("Java Heap", 16384L), java.util.Map.entry("Code", 2047L));
        assertThat(NativeMemory.parseDiff(DIFF, 1)).containsKey("Class").doesNotContainKey("Thread");
    }

    @Test
    void aJvmWithoutTrackingIsSaidSo() {
        assertThatThrownBy(() -> NativeMemory.parseDiff("12345:\nNative memory tracking is not enabled\n", 256))
                .hasMessageContaining(NativeMemory.TRACKING);
    }

    @Test
    void theHistogramsTotalBytesAreTheLiveObjects() {
        String histogram = """
                12345:
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:          1234         567890  [B (java.base@17.0.15)
                 738:             1             16  sun.nio.fs.UnixFileAttributes (java.base@17.0.15)
                Total         70297       23318320
                """;
        assertThat(NativeMemory.parseHistogramTotal(histogram)).isEqualTo(23_318_320L);
    }
    @Test
    void theHeapsResidentPagesAreTheMappingsWithinTheRangeHeapInfoNames() {
        String heapInfo = """
                3613:
                 def new generation   total 39296K, used 16570K [0x00000000f8000000, 0x00000000faaa0000, 0x00000000faaa0000)
                  eden space 34944K,  47% used [0x00000000f8000000, 0x00000000f902e870, 0x00000000fa220000)
                 tenured generation   total 87424K, used 0K [0x00000000faaa0000, 0x0000000100000000, 0x0000000100000000)
                 Metaspace       used 8970K, committed 9152K, reserved 1114112K
                """;
        long[] range = NativeMemory.heapRange(heapInfo);
        assertThat(range).containsExactly(0xf8000000L, 0x100000000L);
        String smaps = """
                55d0c0000000-55d0c0001000 r-xp 00000000 08:01 123 /usr/bin/java
                Rss:                   4 kB
                f8000000-100000000 rw-p 00000000 00:00 0
                Size:             131072 kB
                Rss:               40960 kB
                100000000-100100000 ---p 00000000 00:00 0
                Rss:                 512 kB
                """;
        assertThat(NativeMemory.residentKibWithin(smaps, range[0], range[1])).isEqualTo(40960);
        assertThatThrownBy(() -> NativeMemory.heapRange("Metaspace used 1K")).isInstanceOf(IllegalStateException.class);
    }
}
