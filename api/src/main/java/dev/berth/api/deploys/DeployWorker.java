package dev.berth.api.deploys;

import dev.berth.api.platform.NudgeableLoop;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs queued Git deploys on {@code workers} threads, each taking what the {@link DeployQueue}
 * says runs next (one deploy per site at a time, tenants in turn). The queue is the deploys table,
 * so a deploy queued by a webhook survives an API restart; at start-up, deploys a crash
 * interrupted are queued again (Git) or failed (uploads, whose body is gone).
 */
public final class DeployWorker implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(DeployWorker.class);

    private final Jdbi jdbi;
    private final DeployService deploys;
    private final DeployQueue queue;
    private final Clock clock;
    private final List<NudgeableLoop> loops = new ArrayList<>();

    public DeployWorker(Jdbi jdbi, DeployService deploys, DeployQueue queue, Clock clock, Duration pollInterval, int workers) {
        this.jdbi = jdbi;
        this.deploys = deploys;
        this.queue = queue;
        this.clock = clock;
        for (int worker = 0; worker < workers; worker++) {
            loops.add(new NudgeableLoop("deploy-worker-" + worker, pollInterval, this::drain));
        }
    }

    @Override
    public void start() {
        recoverInterrupted();
        loops.forEach(NudgeableLoop::start);
    }

    @Override
    public void stop() throws InterruptedException {
        for (NudgeableLoop loop : loops) {
            loop.stop();
        }
    }

    /**
     * Takes back the deploys of API replicas that ended (this one's previous run included): Git
     * deploys queue again, uploads fail. Run at start, and by the leader periodically, since a
     * replica may end while others go on.
     */
    public void recoverInterrupted() {
        int recovered = queue.recoverInterrupted();
        if (recovered > 0) {
            LOG.info("Recovered {} deploys interrupted by the end of an API replica", recovered);
            nudge();
        }
    }

    /** Asks for the queue to be looked at now. */
    public void nudge() {
        loops.forEach(NudgeableLoop::nudge);
    }

    private void drain() {
        while (runOne()) {
            // keep going while there is work this worker may take
        }
    }

    /** Claims and runs the next deploy the queue allows; false when there is none. Visible for tests. */
    public boolean runOne() {
        Optional<Deploy> claimed = queue.claim();
        claimed.ifPresent(deploys::runQueued);
        return claimed.isPresent();
    }
}
