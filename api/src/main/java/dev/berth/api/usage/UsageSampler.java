package dev.berth.api.usage;

import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.hosts.HostInsights;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the reconciler's observations into usage samples, at most one per {@code interval}: the
 * reconciler already asks the host for every site's figures on each pass, so sampling costs one
 * extra call (the request counters) per interval. Called on the reconciler's thread only.
 */
public final class UsageSampler {
    private static final Logger LOG = LoggerFactory.getLogger(UsageSampler.class);

    private final HostInsights host;
    private final UsageHistory history;
    private final Duration interval;
    private Instant lastSample;
    private String lastFailure;

    public UsageSampler(HostInsights host, UsageHistory history, Duration interval) {
        this.host = host;
        this.history = history;
        this.interval = interval;
    }

    /** Records a sample if the interval has passed since the last one. */
    public void observed(List<ObservedSite> observed, Instant now) {
        if (lastSample != null && now.isBefore(lastSample.plus(interval))) {
            return;
        }
        lastSample = now;
        Map<UUID, Long> requests;
        try {
            requests = host.requestCounters();
            lastFailure = null;
        } catch (HostException failure) {
            // Memory and CPU still make a sample; the requests of this interval stay unknown.
            if (!failure.getMessage().equals(lastFailure)) {
                LOG.warn("Cannot read request counters: {}", failure.getMessage());
            }
            lastFailure = failure.getMessage();
            requests = Map.of();
        }
        history.record(now, observed, requests);
    }
}
