package dev.berth.api.domains;

import dev.berth.api.platform.LoopService;
import java.time.Duration;

/**
 * Checks custom domains again when their time comes ({@link DomainService#recheckDue}), on a
 * thread of its own, so that a domain whose DNS no longer proves its tenant stops being served.
 */
public final class DomainChecker extends LoopService {
    private static final int BATCH = 50;

    private final DomainService domains;

    public DomainChecker(DomainService domains, Duration interval) {
        super("domain-checker", interval);
        this.domains = domains;
    }

    @Override
    protected void pass() {
        while (domains.recheckDue(BATCH) == BATCH) {
            // more are due: keep going
        }
    }
}
