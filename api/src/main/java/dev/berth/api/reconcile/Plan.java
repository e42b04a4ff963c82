package dev.berth.api.reconcile;

import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.sites.Site;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/** The pure heart of the reconciler: what to change, given what is wanted and what a host reports. */
public final class Plan {
    private Plan() {
    }

    /**
     * Compares desired sites with a host's observed sites.
     *
     * @param desired   every site row, including those being deleted
     * @param observed  every site the host holds
     * @return the changes, records first, then removals, then refills (the host lacks the release
     *     the site serves), then applies
     */
    public static List<Change> plan(Collection<Site> desired, Collection<ObservedSite> observed) {
        Map<UUID, ObservedSite> byId = new HashMap<>();
        for (ObservedSite site : observed) {
            byId.put(site.siteId(), site);
        }
        List<Change> records = new ArrayList<>();
        List<Change> removals = new ArrayList<>();
        List<Change> refills = new ArrayList<>();
        List<Change> applies = new ArrayList<>();
        for (Site site : desired) {
            ObservedSite seen = byId.remove(site.id());
            if (site.deleting()) {
                removals.add(seen == null ? new Change.Forget(site) : new Change.Remove(site.id(), false));
                continue;
            }
            if (seen != null && differs(site, seen)) {
                records.add(new Change.Record(site, seen));
            }
            if (seen != null && site.releaseId() != null && site.releaseId().equals(seen.missingRelease())) {
                refills.add(new Change.Refill(site));
            }
            if (seen == null || seen.appliedGeneration() < site.generation()) {
                applies.add(new Change.Apply(site));
            }
        }
        for (ObservedSite orphan : byId.values()) {
            removals.add(new Change.Remove(orphan.siteId(), true));
        }
        List<Change> changes = new ArrayList<>(records);
        changes.addAll(removals);
        changes.addAll(refills);
        changes.addAll(applies);
        return changes;
    }

    /** The API's name for a host state. */
    public static String observedState(ObservedSite observed) {
        return switch (observed.state()) {
            case PROVISIONING -> Site.PROVISIONING;
            case RUNNING -> Site.RUNNING;
            case STOPPED -> Site.STOPPED;
            case FAILED -> Site.FAILED;
        };
    }

    /** Whether the host has reached what the site's current generation asks for. */
    public static boolean converged(Site site, ObservedSite observed) {
        return observed.appliedGeneration() >= site.generation() && site.desiredState().equals(observedState(observed));
    }

    private static boolean differs(Site site, ObservedSite observed) {
        return !site.observedState().equals(observedState(observed))
                || site.observedGeneration() != observed.appliedGeneration()
                || !Objects.equals(site.lastError(), Site.storedError(observed.lastError()));
    }
}
