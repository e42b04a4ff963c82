package dev.berth.api.usage;

import dev.berth.api.hosts.ObservedSite;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent usage of every site, in memory: a bounded ring of raw samples per site (cumulative CPU
 * time and request counters, memory and processes at the time). Rates are derived when read, so a
 * sample is only ever appended. A site the host no longer reports is dropped at the next sample.
 *
 * <p>Lost when the API restarts and kept per replica: a short "how is my site doing" view, not an
 * accounting record. Thread-safe.
 */
public final class UsageHistory {
    private final int samplesKept;
    private final Map<UUID, ArrayDeque<Sample>> rings = new ConcurrentHashMap<>();

    /** @param samplesKept how many samples each site keeps (the oldest goes first) */
    public UsageHistory(int samplesKept) {
        if (samplesKept < 2) {
            throw new IllegalArgumentException("samplesKept must be at least 2 to show a rate");
        }
        this.samplesKept = samplesKept;
    }

    /** What the host reported for a site at one time; -1 where it did not know. */
    public record Sample(Instant time, long cpuUsageNanos, long memoryBytes, int pids, long requests) {
    }

    /**
     * A point of a site's graph. CPU and requests are per interval since the previous point and
     * null when they cannot be known (the first point, or a counter that went back: a restart).
     */
    public record Point(Instant time, Double cpuMillicores, Long memoryBytes, Integer pids, Long requests) {
    }

    /** Appends one sample per observed site and forgets sites the host no longer reports. */
    public void record(Instant time, List<ObservedSite> observed, Map<UUID, Long> requestCounters) {
        Set<UUID> seen = new HashSet<>();
        for (ObservedSite site : observed) {
            seen.add(site.siteId());
            Sample sample = new Sample(time, site.cpuUsageNanos(), site.memoryBytes(), site.pids(),
                    requestCounters.getOrDefault(site.siteId(), -1L));
            ArrayDeque<Sample> ring = rings.computeIfAbsent(site.siteId(), id -> new ArrayDeque<>(samplesKept));
            synchronized (ring) {
                if (ring.size() == samplesKept) {
                    ring.removeFirst();
                }
                ring.addLast(sample);
            }
        }
        rings.keySet().retainAll(seen);
    }

    /**
     * The latest sample of each of these sites, summed (memory, processes, cumulative CPU time);
     * empty when none of them has been sampled, or the host reports no figures for them.
     */
    public java.util.Optional<Sample> total(java.util.Collection<UUID> siteIds) {
        Instant newest = null;
        long cpu = 0;
        long memory = 0;
        int pids = 0;
        for (UUID siteId : siteIds) {
            ArrayDeque<Sample> ring = rings.get(siteId);
            if (ring == null) {
                continue;
            }
            Sample last;
            synchronized (ring) {
                last = ring.peekLast();
            }
            if (last == null || last.memoryBytes() < 0) {
                continue;
            }
            newest = newest == null || last.time().isAfter(newest) ? last.time() : newest;
            cpu += Math.max(0, last.cpuUsageNanos());
            memory += last.memoryBytes();
            pids += Math.max(0, last.pids());
        }
        return newest == null ? java.util.Optional.empty() : java.util.Optional.of(new Sample(newest, cpu, memory, pids, -1));
    }

    /** The sites that have samples now. */
    public Set<UUID> siteIds() {
        return Set.copyOf(rings.keySet());
    }

    /** A site's points, oldest first; empty when nothing was sampled for it yet. */
    public List<Point> points(UUID siteId) {
        ArrayDeque<Sample> ring = rings.get(siteId);
        if (ring == null) {
            return List.of();
        }
        List<Sample> samples;
        synchronized (ring) {
            samples = List.copyOf(ring);
        }
        List<Point> points = new ArrayList<>(samples.size());
        Sample previous = null;
        for (Sample sample : samples) {
            Double cpu = null;
            Long requests = null;
            if (previous != null) {
                long elapsedNanos = Duration.between(previous.time(), sample.time()).toNanos();
                if (elapsedNanos > 0 && previous.cpuUsageNanos() >= 0 && sample.cpuUsageNanos() >= previous.cpuUsageNanos()) {
                    cpu = (sample.cpuUsageNanos() - previous.cpuUsageNanos()) * 1000.0 / elapsedNanos;
                }
                if (previous.requests() >= 0 && sample.requests() >= previous.requests()) {
                    requests = sample.requests() - previous.requests();
                }
            }
            points.add(new Point(sample.time(), cpu, sample.memoryBytes() >= 0 ? sample.memoryBytes() : null,
                    sample.pids() >= 0 ? sample.pids() : null, requests));
            previous = sample;
        }
        return points;
    }
}
