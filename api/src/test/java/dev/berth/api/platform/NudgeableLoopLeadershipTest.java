package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A loop led by a {@link Leadership} runs only while its replica leads, and forwards its nudges otherwise. */
class NudgeableLoopLeadershipTest {

    /** A leadership the test hands over by hand. */
    private static final class Switch implements Leadership {
        volatile boolean leads;
        final List<String> forwarded = new ArrayList<>();
        final Map<String, Runnable> loops = new HashMap<>();

        @Override
        public boolean leads() {
            return leads;
        }

        @Override
        public synchronized void nudgeLeader(String loop) {
            forwarded.add(loop);
        }

        @Override
        public void register(String loop, Runnable nudge) {
            loops.put(loop, nudge);
        }

        @Override
        public int replicaKey() {
            return 1;
        }

        @Override
        public Set<Integer> aliveReplicas() {
            return Set.of(1);
        }
    }

    @Test
    void runsOnlyWhileItsReplicaLeadsAndSendsItsNudgesToTheLeaderOtherwise() throws Exception {
        Switch leadership = new Switch();
        CountDownLatch ran = new CountDownLatch(1);
        NudgeableLoop loop = new NudgeableLoop("sweeper", Duration.ofMillis(20), ran::countDown).ledBy(leadership);
        loop.start();
        try {
            assertThat(ran.await(300, TimeUnit.MILLISECONDS)).as("a follower's loop does not run on its period").isFalse();
            loop.nudge();
            assertThat(ran.await(200, TimeUnit.MILLISECONDS)).as("nor when nudged").isFalse();
            synchronized (leadership) {
                assertThat(leadership.forwarded).containsExactly("sweeper");
            }

            leadership.leads = true;
            leadership.loops.get("sweeper").run();
            assertThat(ran.await(2, TimeUnit.SECONDS)).as("the leader's loop runs").isTrue();
        } finally {
            loop.stop();
        }
    }

    @Test
    void theOnlyProcessAlwaysLeadsAndRunsItsOwnNudges() {
        Leadership alone = Leadership.alone();
        List<String> nudged = new ArrayList<>();
        alone.register("reconciler", () -> nudged.add("reconciler"));
        alone.nudgeLeader("reconciler");
        assertThat(alone.leads()).isTrue();
        assertThat(nudged).containsExactly("reconciler");
        assertThat(alone.aliveReplicas()).containsExactly(alone.replicaKey());
    }
}
