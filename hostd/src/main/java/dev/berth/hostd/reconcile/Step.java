package dev.berth.hostd.reconcile;

import dev.berth.hostprotocol.SitePart;
import dev.berth.hostprotocol.SiteSpec;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * One step of a site's convergence or removal, as {@link SitePlan} orders them: what to do to which
 * part, and which parts must have succeeded earlier in the same pass for it to run. Plain data:
 * the ports carry each step out. A step whose outcome the plan decided alone (a container
 * kept, a restart still waiting) still passes through the {@link StepRunner}, so whatever decorates
 * it sees every step.
 */
public sealed interface Step {

    SitePart part();

    UUID siteId();

    /** The site's name, or null for the steps of a removal (whose spec is gone). */
    String siteName();

    /**
     * True when the step belongs to a change: a convergence on a spec generation not applied yet, or
     * a removal. False for a periodic pass over an unchanged site.
     */
    boolean changing();

    /** Parts that must have succeeded earlier in the same pass; the step is skipped otherwise. */
    default Set<SitePart> requires() {
        return Set.of();
    }

    /** A step of a convergence, on the spec hostd holds. */
    sealed interface OfSpec extends Step {
        SiteSpec spec();

        @Override
        default UUID siteId() {
            return spec().siteId();
        }

        @Override
        default String siteName() {
            return spec().name();
        }
    }

    /** The site's A/AAAA records (first, so a new name resolves as early as possible). */
    record PublishRecords(SiteSpec spec, boolean changing) implements OfSpec {
        @Override
        public SitePart part() {
            return SitePart.DNS;
        }
    }

    /** The spec's release made current. */
    record EnsureContent(SiteSpec spec, boolean changing) implements OfSpec {
        @Override
        public SitePart part() {
            return SitePart.CONTENT;
        }
    }

    /** The tenant's cgroup with the tenant's limits. */
    record EnsureTenant(SiteSpec spec, boolean changing) implements OfSpec {
        @Override
        public SitePart part() {
            return SitePart.CGROUPS;
        }
    }

    /** The site's network namespace on its bridge. */
    record Attach(SiteSpec spec, boolean changing) implements OfSpec {
        @Override
        public SitePart part() {
            return SitePart.NETWORK;
        }
    }

    /**
     * The site's proxy entry: to the site while it runs, to the 503 page while it is stopped. It runs
     * alongside the steps after it (a reload overlaps the container start).
     */
    record Route(SiteSpec spec, boolean changing, Set<SitePart> requires) implements OfSpec {
        public Route {
            requires = Set.copyOf(requires);
        }

        @Override
        public SitePart part() {
            return SitePart.PROXY;
        }
    }

    /**
     * The container of a site that should run, with the plan's decision and the restart bookkeeping
     * that holds once the step has run.
     */
    record Container(SiteSpec spec, boolean changing, Decision decision, SiteState.Container bookkeeping, String detail)
            implements OfSpec {

        /** What the plan decided from the container's status, the restart history and the clock. */
        public enum Decision {
            /** It runs with the wanted configuration. */
            KEEP,
            /** It is absent, dead or configured otherwise: start it (again). */
            START,
            /** It died or failed to start too recently: no start before the backoff is over. */
            WAIT,
            /** Its status could not be read ({@code detail} says why). */
            UNKNOWN
        }

        @Override
        public SitePart part() {
            return SitePart.RUNTIME;
        }

        @Override
        public Set<SitePart> requires() {
            return EnumSet.of(SitePart.CGROUPS, SitePart.NETWORK);
        }
    }

    /** No container for a stopped site. */
    record StopContainer(SiteSpec spec, boolean changing) implements OfSpec {
        @Override
        public SitePart part() {
            return SitePart.RUNTIME;
        }
    }

    /** One part of a site that has no spec removed. Each runs whatever the others did. */
    record Remove(SitePart part, UUID siteId, Set<UUID> tenantsInUse) implements Step {
        public Remove {
            tenantsInUse = Set.copyOf(tenantsInUse);
        }

        @Override
        public String siteName() {
            return null;
        }

        @Override
        public boolean changing() {
            return true;
        }
    }

    /**
     * The cgroup of a tenant no spec names, removed if empty. Its {@link #siteId()} is the tenant's
     * id: the orphan sweep's failpoint names it so.
     */
    record RemoveTenant(UUID tenantId) implements Step {
        @Override
        public SitePart part() {
            return SitePart.CGROUPS;
        }

        @Override
        public UUID siteId() {
            return tenantId;
        }

        @Override
        public String siteName() {
            return null;
        }

        @Override
        public boolean changing() {
            return true;
        }
    }
}
