package dev.berth.hostd.reconcile;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SpecStore;
import dev.berth.hostprotocol.SiteSpec;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the host objects of this hostd that no spec claims: a site deleted while hostd was down
 * or whose clean-up failed half-way, and tenant cgroups no site uses. Every port lists only objects
 * carrying this hostd's name prefix, so nothing else is ever touched. Thread-safe.
 */
public final class OrphanSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);

    private final SpecStore specs;
    private final Ports ports;
    private final Converger converger;

    public OrphanSweeper(SpecStore specs, Ports ports, Converger converger) {
        this.specs = specs;
        this.ports = ports;
        this.converger = converger;
    }

    /** Removes every site's objects that no spec claims, then the cgroups of tenants no spec names. */
    public void sweep() {
        Set<UUID> found = new HashSet<>();
        Set<UUID> tenantsInUse = new HashSet<>();
        for (SiteSpec spec : specs.all()) {
            tenantsInUse.add(spec.tenantId());
        }
        Map<UUID, Set<UUID>> cgroupTree = Map.of();
        try {
            found.addAll(ports.runtime().containers());
            found.addAll(ports.network().attachedSites());
            found.addAll(ports.proxy().configuredSites());
            found.addAll(ports.content().sites());
            found.addAll(ports.records().sites());
            cgroupTree = ports.cgroups().existing();
            cgroupTree.values().forEach(found::addAll);
        } catch (HostOperationException e) {
            LOG.warn("orphan sweep could not list host objects: {}", e.getMessage());
        }
        for (UUID siteId : found) {
            if (specs.get(siteId).isEmpty()) {
                LOG.info("removing orphaned objects of site {}", siteId);
                converger.remove(siteId);
            }
        }
        for (UUID tenantId : cgroupTree.keySet()) {
            if (!tenantsInUse.contains(tenantId)) {
                converger.attempt(new Step.RemoveTenant(tenantId));
            }
        }
    }
}
