package dev.berth.api.platform;

import dev.berth.observability.DaemonThreads;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task periodically on its own daemon thread, and sooner when nudged; nudges that arrive
 * before the task runs make one run. A failing run is logged and the loop goes on. Managed, so a
 * loop that is all a component needs can be handed to Dropwizard's lifecycle as it is.
 */
public final class NudgeableLoop implements io.dropwizard.lifecycle.Managed {
    private static final Logger LOG = LoggerFactory.getLogger(NudgeableLoop.class);

    private final String name;
    private final Runnable task;
    private final Duration interval;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean nudged = new AtomicBoolean();
    private volatile Leadership leadership;

    public NudgeableLoop(String name, Duration interval, Runnable task) {
        this.name = name;
        this.task = task;
        this.interval = interval;
        this.executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(name));
    }

    @Override
    public void start() {
        executor.scheduleWithFixedDelay(this::runSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    /**
     * Runs the task only while this replica leads; a nudge here while another replica leads goes to
     * the leader's loop of the same name. Call before {@link #start}.
     */
    public NudgeableLoop ledBy(Leadership leadership) {
        this.leadership = leadership;
        leadership.register(name, this::nudgeHere);
        return this;
    }

    /** Asks for a run soon (on the leader's loop when the loop is {@link #ledBy led} and this replica does not lead). */
    public void nudge() {
        Leadership led = leadership;
        if (led != null && !led.leads()) {
            led.nudgeLeader(name);
            return;
        }
        nudgeHere();
    }

    private void nudgeHere() {
        if (nudged.compareAndSet(false, true)) {
            try {
                executor.execute(this::runSafely);
            } catch (RejectedExecutionException stopped) {
                nudged.set(false);
            }
        }
    }

    private void runSafely() {
        nudged.set(false);
        Leadership led = leadership;
        if (led != null && !led.leads()) {
            return;
        }
        try {
            task.run();
        } catch (RuntimeException failure) {
            LOG.error("{} run failed", name, failure);
        }
    }
}
