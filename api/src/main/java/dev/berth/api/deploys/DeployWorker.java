package dev.berth.api.deploys;

import dev.berth.api.platform.NudgeableLoop;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs queued Git deploys one at a time. The queue is the deploys table, so a deploy queued by a
 * webhook survives an API restart; at start-up, deploys a crash interrupted are queued again (Git)
 * or failed (uploads, whose body is gone).
 */
public final class DeployWorker implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(DeployWorker.class);

    private final Jdbi jdbi;
    private final DeployService deploys;
    private final Clock clock;
    private final NudgeableLoop loop;

    public DeployWorker(Jdbi jdbi, DeployService deploys, Clock clock, Duration pollInterval) {
        this.jdbi = jdbi;
        this.deploys = deploys;
        this.clock = clock;
        this.loop = new NudgeableLoop("deploy-worker", pollInterval, this::drain);
    }

    @Override
    public void start() {
        int recovered = jdbi.withExtension(DeployDao.class, dao -> dao.recoverInterrupted(clock.instant()));
        if (recovered > 0) {
            LOG.info("Recovered {} deploys interrupted by a restart", recovered);
        }
        loop.start();
    }

    @Override
    public void stop() throws InterruptedException {
        loop.stop();
    }

    /** Asks for the queue to be looked at now. */
    public void nudge() {
        loop.nudge();
    }

    private void drain() {
        while (runOne()) {
            // keep going while there is work
        }
    }

    /** Claims and runs the oldest queued deploy; false when the queue is empty. Visible for tests. */
    public boolean runOne() {
        Optional<Deploy> claimed = jdbi.inTransaction(handle -> {
            DeployDao dao = handle.attach(DeployDao.class);
            Optional<Deploy> oldest = dao.lockOldestQueued();
            oldest.ifPresent(d -> dao.update(d.id(), Deploy.UNPACKING, null, 0, 0, d.log(), clock.instant()));
            return oldest;
        });
        claimed.ifPresent(deploys::runQueued);
        return claimed.isPresent();
    }
}
