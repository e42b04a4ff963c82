package dev.berth.api.sites;

import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.HostInsights;
import dev.berth.hostprotocol.HostReport;
import dev.berth.hostprotocol.net.BridgePlan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The private addresses sites get on the host's bridges, from the address plan the host reports
 * ({@link HostReport#network()}): hostd owns its network settings, and the API never configures
 * them a second time. Until the host has answered, the plan of a hostd with default settings
 * ({@link BridgePlan#defaultPlan()}) is used; a host that stops answering keeps its last plan. The
 * arithmetic (which addresses are sites', the IPv6 that goes with an IPv4) is {@link BridgePlan}'s.
 * Thread-safe.
 */
public final class ReportedAddressPool {
    private static final Logger LOG = LoggerFactory.getLogger(ReportedAddressPool.class);

    private final HostInsights host;
    private final Clock clock;
    private final Duration maxAge;
    private volatile BridgePlan plan = BridgePlan.defaultPlan();
    private volatile Instant reportedAt;

    /**
     * @param host   the host whose report carries the plan
     * @param maxAge how long a reported plan is used before {@link #refreshIfStale()} asks again
     */
    public ReportedAddressPool(HostInsights host, Clock clock, Duration maxAge) {
        this.host = Objects.requireNonNull(host, "host");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
    }

    /** The plan addresses come from now. */
    public BridgePlan plan() {
        return plan;
    }

    /** Whether the plan is one the host reported (false: the default, the host has not answered yet). */
    public boolean reported() {
        return reportedAt != null;
    }

    /** {@link #refresh()} unless the host answered within {@code maxAge}. */
    public void refreshIfStale() {
        Instant last = reportedAt;
        if (last == null || !clock.instant().isBefore(last.plus(maxAge))) {
            refresh();
        }
    }

    /**
     * Asks the host for its report and keeps its plan. A host that cannot be asked, or reports no
     * plan or one that no hostd could run, leaves the plan as it was (logged).
     */
    public void refresh() {
        HostReport report;
        try {
            report = host.report();
        } catch (HostException unreachable) {
            LOG.warn("the host's address plan is unknown, {} stays in use: {}", describe(plan), unreachable.getMessage());
            return;
        }
        if (report.network() == null) {
            LOG.warn("the host reports no address plan; {} stays in use", describe(plan));
            return;
        }
        try {
            BridgePlan reported = BridgePlan.of(report.network());
            if (!reported.toNetworkPlan().equals(plan.toNetworkPlan())) {
                LOG.info("the host's address plan is {}", describe(reported));
            }
            plan = reported;
            reportedAt = clock.instant();
        } catch (IllegalArgumentException invalid) {
            LOG.error("the host reports an address plan no hostd could run ({}); {} stays in use", invalid.getMessage(), describe(plan));
        }
    }

    /** The lowest free address pair of the plan, or empty when every one is taken. */
    public Optional<BridgePlan.SiteAddresses> allocate(Collection<String> usedIpv4) {
        return plan.lowestFree(usedIpv4);
    }

    /** How many sites the plan can address. */
    public int capacity() {
        return plan.siteCapacity();
    }

    private static String describe(BridgePlan plan) {
        return plan.subnet4().cidr() + " + " + plan.subnet6().cidr() + " on " + String.join(", ", plan.names());
    }
}
