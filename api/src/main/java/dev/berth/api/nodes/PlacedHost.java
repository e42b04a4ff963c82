package dev.berth.api.nodes;

import dev.berth.api.hosts.AccessLogStream;
import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.hosts.HostPorts;
import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.hosts.SiteHost;
import dev.berth.hostprotocol.AccessLogEntry;
import dev.berth.hostprotocol.CertificateState;
import dev.berth.hostprotocol.HostReport;
import dev.berth.hostprotocol.SiteSpec;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The host ports of the whole platform: each call about a site goes to the node the site lives on;
 * calls about every site ({@link #observe()}, {@link #requestCounters()}) ask every node and merge
 * what the reachable ones answer. {@link #report()} is the configured node's. Thread-safe.
 */
public final class PlacedHost implements SiteHost, HostInsights {
    private final NodeService nodes;

    public PlacedHost(NodeService nodes) {
        this.nodes = nodes;
    }

    @Override
    public void apply(SiteSpec spec) throws HostException {
        nodes.portsOf(spec.siteId()).sites().apply(spec);
    }

    @Override
    public void remove(UUID siteId) throws HostException {
        nodes.portsOf(siteId).sites().remove(siteId);
    }

    @Override
    public void installRelease(UUID siteId, String releaseId, InputStream tar) throws HostException {
        nodes.portsOf(siteId).sites().installRelease(siteId, releaseId, tar);
    }

    @Override
    public dev.berth.api.hosts.BuildRun.Outcome build(UUID siteId, dev.berth.api.hosts.BuildRun run, InputStream sources,
                                                     java.util.function.Consumer<String> log) throws HostException {
        return nodes.portsOf(siteId).sites().build(siteId, run, sources, log);
    }

    @Override
    public void readBuildOutput(UUID siteId, String buildId, String outputDirectory, OutputReader reader)
            throws HostException, java.io.IOException {
        nodes.portsOf(siteId).sites().readBuildOutput(siteId, buildId, outputDirectory, reader);
    }

    @Override
    public void dropBuild(UUID siteId, String buildId) {
        try {
            nodes.portsOf(siteId).sites().dropBuild(siteId, buildId);
        } catch (RuntimeException | HostException unplaced) {
            // the node drops it after a while
        }
    }

    @Override
    public List<ObservedSite> observe() throws HostException {
        List<ObservedSite> all = new ArrayList<>();
        fromEveryNode(ports -> all.addAll(ports.sites().observe()));
        return all;
    }

    @Override
    public Optional<CertificateState> certificate(UUID siteId) throws HostException {
        return nodes.portsOf(siteId).insights().certificate(siteId);
    }

    @Override
    public Map<UUID, Long> requestCounters() throws HostException {
        Map<UUID, Long> all = new HashMap<>();
        fromEveryNode(ports -> all.putAll(ports.insights().requestCounters()));
        return all;
    }

    @Override
    public List<AccessLogEntry> accessLog(UUID siteId, int lines) throws HostException {
        return nodes.portsOf(siteId).insights().accessLog(siteId, lines);
    }

    @Override
    public AccessLogStream accessLogRange(UUID siteId, Instant from, Instant to, int limit) throws HostException {
        return nodes.portsOf(siteId).insights().accessLogRange(siteId, from, to, limit);
    }

    @Override
    public HostReport report() throws HostException {
        return nodes.configuredPorts().insights().report();
    }

    /** Asks every node; fails only when no node answered (an unreachable node's sites are left out). */
    private void fromEveryNode(HostCall call) throws HostException {
        HostException lastFailure = null;
        boolean answered = false;
        for (HostPorts ports : nodes.allPorts()) {
            try {
                call.ask(ports);
                answered = true;
            } catch (HostException failure) {
                lastFailure = failure;
            }
        }
        if (!answered && lastFailure != null) {
            throw lastFailure;
        }
    }

    private interface HostCall {
        void ask(HostPorts ports) throws HostException;
    }
}
