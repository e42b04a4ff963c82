package dev.berth.api.deploys;

import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    private final Duration pollInterval;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean nudged = new AtomicBoolean();

    public DeployWorker(Jdbi jdbi, DeployService deploys, Clock clock, Duration pollInterval) {
        this.jdbi = jdbi;
        this.deploys = deploys;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "deploy-worker");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void start() {
        int recovered = jdbi.withExtension(DeployDao.class, dao -> dao.recoverInterrupted(clock.instant()));
        if (recovered > 0) {
            LOG.info("Recovered {} deploys interrupted by a restart", recovered);
        }
        executor.scheduleWithFixedDelay(this::drainSafely, 0, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Asks for the queue to be looked at now. */
    public void nudge() {
        if (nudged.compareAndSet(false, true)) {
            try {
                executor.execute(this::drainSafely);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                nudged.set(false);
            }
        }
    }

    private void drainSafely() {
        nudged.set(false);
        try {
            while (runOne()) {
                // keep going while there is work
            }
        } catch (RuntimeException failure) {
            LOG.error("Deploy worker pass failed", failure);
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
