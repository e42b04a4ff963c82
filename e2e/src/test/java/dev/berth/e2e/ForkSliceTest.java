package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each test JVM Failsafe starts picks its stacks' subnets from a slice no other JVM of the run uses. */
class ForkSliceTest {
    @AfterEach
    void forget() {
        System.clearProperty("berth.test.forks");
        System.clearProperty("berth.test.fork");
    }

    private static int[] sliceOf(int fork, int forks) {
        System.setProperty("berth.test.forks", Integer.toString(forks));
        System.setProperty("berth.test.fork", Integer.toString(fork));
        return StackProcess.forkSlice(100, 256);
    }

    @Test
    void aJvmOutsideFailsafeOrAloneHasTheWholeRange() {
        assertThat(StackProcess.forkSlice(100, 256)).containsExactly(100, 256);
        assertThat(sliceOf(1, 1)).containsExactly(100, 256);
    }

    @Test
    void theSlicesOfARunCoverTheRangeWithoutOverlapping() {
        assertThat(sliceOf(1, 3)).containsExactly(100, 152);
        assertThat(sliceOf(2, 3)).containsExactly(152, 204);
        assertThat(sliceOf(3, 3)).containsExactly(204, 256);
    }

    @Test
    void aForkNumberOutsideTheRunFallsBackToTheWholeRange() {
        assertThat(sliceOf(0, 2)).containsExactly(100, 256);
        assertThat(sliceOf(3, 2)).containsExactly(100, 256);
    }
}
