package dev.berth.api.reconcile;

import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.sites.Site;
import java.util.UUID;

/** One step that brings a host closer to the desired state. Each applies on its own. */
public sealed interface Change {

    /** The site this change concerns; failures and backoff are tracked per site. */
    UUID siteId();

    /** Hand the host the site's current spec. */
    record Apply(Site site) implements Change {
        @Override
        public UUID siteId() {
            return site.id();
        }
    }

    /** Send the host the release the site serves again, from the content store: the host lost it. */
    record Refill(Site site) implements Change {
        @Override
        public UUID siteId() {
            return site.id();
        }
    }

    /** Remove the site from the host: it is being deleted, or the host holds a site nobody wants. */
    record Remove(UUID siteId, boolean orphan) implements Change {
    }

    /** The host no longer holds a site being deleted: delete its row and finish the operation. */
    record Forget(Site site) implements Change {
        @Override
        public UUID siteId() {
            return site.id();
        }
    }

    /** Store what the host reports about a site, and finish operations it completes. */
    record Record(Site site, ObservedSite observed) implements Change {
        @Override
        public UUID siteId() {
            return site.id();
        }
    }
}
