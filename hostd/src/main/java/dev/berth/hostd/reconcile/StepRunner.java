package dev.berth.hostd.reconcile;

import dev.berth.hostd.site.HostOperationException;

/**
 * Runs one step on the host: the ports for real, or a decorator around them (the test failpoint).
 * Thread-safe for steps of different sites.
 */
@FunctionalInterface
public interface StepRunner {

    /** Runs the step; a failure is reported for the step's part only. */
    void run(Step step) throws HostOperationException;
}
