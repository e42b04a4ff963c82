package dev.berth.api.platform;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The loops a {@link Leadership} runs, by name: how each is nudged on this replica. */
final class LeaderLoops {
    private final Map<String, Runnable> loops = new ConcurrentHashMap<>();

    void register(String loop, Runnable nudge) {
        loops.put(loop, nudge);
    }

    /** Nudges the named loop here; a name no loop registered is ignored. */
    void nudge(String loop) {
        Runnable nudge = loops.get(loop);
        if (nudge != null) {
            nudge.run();
        }
    }

    void nudgeAll() {
        loops.values().forEach(Runnable::run);
    }
}
