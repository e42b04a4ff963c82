package dev.berth.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.sites.Site;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PlanTest {
    private static final Instant T = Instant.parse("2026-11-29T00:00:00Z");

    private static Site site(String desired, String observed, long generation, long observedGeneration, boolean deleting) {
        return new Site(UUID.randomUUID(), UUID.randomUUID(), "t", "s" + generation, "10.1.1.1", "fd00::1", desired, observed, null,
                generation, observedGeneration, deleting ? T : null, T, T, null, null);
    }

    private static ObservedSite seen(Site site, ObservedSite.State state, long generation) {
        return new ObservedSite(site.id(), state, generation, null, 0, 0, 0);
    }

    @Test
    void aNewSiteIsApplied() {
        Site site = site("running", "provisioning", 1, 0, false);
        assertThat(Plan.plan(List.of(site), List.of())).containsExactly(new Change.Apply(site));
    }

    @Test
    void aConvergedSiteNeedsNothing() {
        Site site = site("running", "running", 3, 3, false);
        assertThat(Plan.plan(List.of(site), List.of(seen(site, ObservedSite.State.RUNNING, 3)))).isEmpty();
    }

    @Test
    void aNewerGenerationIsAppliedAndTheHostsReportRecorded() {
        Site site = site("stopped", "running", 4, 3, false);
        ObservedSite observed = seen(site, ObservedSite.State.RUNNING, 3);
        assertThat(Plan.plan(List.of(site), List.of(observed))).containsExactly(new Change.Apply(site));
        Site stale = site("stopped", "provisioning", 4, 3, false);
        ObservedSite staleSeen = seen(stale, ObservedSite.State.RUNNING, 3);
        assertThat(Plan.plan(List.of(stale), List.of(staleSeen)))
                .containsExactly(new Change.Record(stale, staleSeen), new Change.Apply(stale));
    }

    @Test
    void aDeletedSiteIsRemovedThenForgotten() {
        Site site = site("running", "deleting", 5, 4, true);
        assertThat(Plan.plan(List.of(site), List.of(seen(site, ObservedSite.State.RUNNING, 4))))
                .containsExactly(new Change.Remove(site.id(), false));
        assertThat(Plan.plan(List.of(site), List.of())).containsExactly(new Change.Forget(site));
    }

    @Test
    void aSiteNobodyWantsIsRemovedAsAnOrphan() {
        UUID orphan = UUID.randomUUID();
        assertThat(Plan.plan(List.of(), List.of(new ObservedSite(orphan, ObservedSite.State.RUNNING, 1, null, 0, 0, 0))))
                .containsExactly(new Change.Remove(orphan, true));
    }

    @Test
    void aFailureReportedByTheHostIsRecorded() {
        Site site = site("running", "running", 2, 2, false);
        ObservedSite failed = new ObservedSite(site.id(), ObservedSite.State.FAILED, 2, "container exited 1", 0, 0, 0);
        assertThat(Plan.plan(List.of(site), List.of(failed))).containsExactly(new Change.Record(site, failed));
        assertThat(Plan.converged(site, failed)).isFalse();
    }

    @Test
    void recordsComeBeforeRemovalsWhichComeBeforeApplies() {
        Site fresh = site("running", "provisioning", 1, 0, false);
        Site gone = site("running", "deleting", 2, 1, true);
        Site drifted = site("running", "provisioning", 1, 0, false);
        ObservedSite drift = seen(drifted, ObservedSite.State.RUNNING, 1);
        List<Change> changes = Plan.plan(List.of(fresh, gone, drifted), List.of(seen(gone, ObservedSite.State.RUNNING, 1), drift));
        assertThat(changes).containsExactly(new Change.Record(drifted, drift), new Change.Remove(gone.id(), false), new Change.Apply(fresh));
    }

    @Test
    void aReleaseTheHostLostIsSentAgainBeforeAnyApply() {
        Site base = site("running", "failed", 6, 6, false);
        Site site = new Site(base.id(), base.tenantId(), base.tenantName(), base.name(), base.ipv4(), base.ipv6(), base.desiredState(),
                base.observedState(), null, base.generation(), base.observedGeneration(), null, T, T, "r6", null);
        ObservedSite lost = new ObservedSite(site.id(), ObservedSite.State.FAILED, 6, "content: release r6 is not installed", 0, 0, 0,
                null, "r6");
        assertThat(Plan.plan(List.of(site), List.of(lost))).containsExactly(new Change.Record(site, lost), new Change.Refill(site));

        // Another release missing (the spec moved on), or none: nothing to send.
        ObservedSite otherLost = new ObservedSite(site.id(), ObservedSite.State.FAILED, 6, null, 0, 0, 0, null, "r5");
        assertThat(Plan.plan(List.of(site), List.of(otherLost))).doesNotHaveAnyElementsOfTypes(Change.Refill.class);
        assertThat(Plan.plan(List.of(site), List.of(seen(site, ObservedSite.State.RUNNING, 6))))
                .doesNotHaveAnyElementsOfTypes(Change.Refill.class);
    }
}
