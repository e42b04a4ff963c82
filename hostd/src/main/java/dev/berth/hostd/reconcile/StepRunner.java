package dev.berth.hostd.reconcile;

import dev.berth.hostd.site.HostOperationException;

/**
 * Runs one step on the host: {@link Ports} for real, or a decorator around them (the test
 * failpoint, {@link Failpoint#around(StepRunner)}). Thread-safe for steps of different sites.
 */
@FunctionalInterface
public interface StepRunner {

    /** Runs the step; a failure is reported for the step's part only. */
    void run(Step step) throws HostOperationException;
}
