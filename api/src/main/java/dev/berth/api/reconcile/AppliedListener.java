package dev.berth.api.reconcile;

import dev.berth.api.sites.Site;
import java.time.Instant;
import org.jdbi.v3.core.Handle;

/**
 * Told, inside the transaction that records a host's observation of a site, which generation of the
 * site's spec the host has applied; a feature that waits for a spec to be live (a deploy's release)
 * registers one at composition. Runs on the reconciler's thread and must not call the host.
 */
@FunctionalInterface
public interface AppliedListener {
    void applied(Handle handle, Site site, long appliedGeneration, Instant now);
}
