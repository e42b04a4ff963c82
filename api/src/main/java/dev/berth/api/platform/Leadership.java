package dev.berth.api.platform;

import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which API replica runs the platform's background loops (the reconciler, node moves, sweeps):
 * exactly one at a time, the leader. Loops {@link #register register} by name; a loop nudged on a
 * replica that does not lead is nudged on the leader instead, and every loop is nudged when a
 * replica gains the lead, so nothing waits for a period after a failover.
 *
 * <p>Each replica also has a key of its own that the others can see while it lives ({@link
 * #replicaKey}, {@link #aliveReplicas}), so work a dead replica had claimed can be taken over
 * without taking over a living replica's work.
 */
public interface Leadership {

    /** Whether this replica leads now. A loop asks before each run. */
    boolean leads();

    /** Asks the leader to run the named loop soon: this replica's own loop when it leads. */
    void nudgeLeader(String loop);

    /** Registers a loop by its unique name: how it is nudged here when this replica leads. */
    void register(String loop, Runnable nudge);

    /** This replica's key, written on the work it claims. */
    int replicaKey();

    /** The keys of the replicas alive now, this one included. */
    Set<Integer> aliveReplicas();

    /** The only process on its database (the embedded H2 of the single-node default): it always leads. */
    static Leadership alone() {
        return new Alone(ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE));
    }

    /** {@link #alone()}'s implementation. */
    final class Alone implements Leadership {
        private final int key;
        private final LeaderLoops loops = new LeaderLoops();

        private Alone(int key) {
            this.key = key;
        }

        @Override
        public boolean leads() {
            return true;
        }

        @Override
        public void nudgeLeader(String loop) {
            loops.nudge(loop);
        }

        @Override
        public void register(String loop, Runnable nudge) {
            loops.register(loop, nudge);
        }

        @Override
        public int replicaKey() {
            return key;
        }

        @Override
        public Set<Integer> aliveReplicas() {
            return Set.of(key);
        }
    }
}
