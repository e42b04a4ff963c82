package dev.berth.api.platform;

import io.dropwizard.lifecycle.Managed;
import java.time.Duration;

/**
 * A background service that runs {@link #pass} on a {@link NudgeableLoop} of its own: every
 * interval, and sooner when {@link #nudge nudged}. Started and stopped with the application.
 */
public abstract class LoopService implements Managed {
    private final NudgeableLoop loop;

    /** @param name the loop thread's name */
    protected LoopService(String name, Duration interval) {
        // The loop calls pass() only after start(), once the subclass's constructor has run.
        this.loop = new NudgeableLoop(name, interval, this::pass);
    }

    /** Runs only while this replica leads ({@link NudgeableLoop#ledBy}); call before {@link #start}. */
    public LoopService ledBy(Leadership leadership) {
        loop.ledBy(leadership);
        return this;
    }

    /** One run of the service's work; a runtime exception is logged and the loop goes on. */
    protected abstract void pass();

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() throws InterruptedException {
        loop.stop();
    }

    /** Asks for a pass soon; nudges that arrive before it runs make one pass. */
    public void nudge() {
        loop.nudge();
    }
}
