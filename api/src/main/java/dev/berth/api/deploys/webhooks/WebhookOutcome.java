package dev.berth.api.deploys.webhooks;

import java.util.Optional;

/** What to do with one webhook delivery. */
public sealed interface WebhookOutcome {

    /** A verified push to a branch: queue a deploy of {@code commit} (of the site, or of the branch's preview). */
    record Deploy(GitHost host, String branch, String commit, Optional<String> deliveryId, Optional<String> repositoryUrl)
            implements WebhookOutcome {
    }

    /** A verified push deleting a branch other than the site's: remove the branch's preview. */
    record BranchDeleted(GitHost host, String branch, Optional<String> deliveryId) implements WebhookOutcome {
    }

    /** A verified delivery that deploys nothing (ping, tag, deletion of the site's branch): answer 2xx. */
    record Ignored(GitHost host, String reason, Optional<String> deliveryId) implements WebhookOutcome {
    }

    /** Not verified or not understood: answer 401 for {@code UNAUTHENTICATED}, 400 otherwise. */
    record Rejected(Cause cause, String reason) implements WebhookOutcome {
        public enum Cause { UNAUTHENTICATED, UNKNOWN_SENDER, MALFORMED_PAYLOAD }
    }
}
