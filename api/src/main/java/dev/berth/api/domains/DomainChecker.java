package dev.berth.api.domains;

import dev.berth.api.platform.NudgeableLoop;
import io.dropwizard.lifecycle.Managed;
import java.time.Duration;

/**
 * Checks custom domains again when their time comes ({@link DomainService#recheckDue}), on a
 * thread of its own, so that a domain whose DNS no longer proves its tenant stops being served.
 */
public final class DomainChecker implements Managed {
    private static final int BATCH = 50;

    private final NudgeableLoop loop;

    public DomainChecker(DomainService domains, Duration interval) {
        this.loop = new NudgeableLoop("domain-checker", interval, () -> {
            while (domains.recheckDue(BATCH) == BATCH) {
                // more are due: keep going
            }
        });
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() throws InterruptedException {
        loop.stop();
    }
}
