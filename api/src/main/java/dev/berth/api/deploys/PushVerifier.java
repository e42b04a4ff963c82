package dev.berth.api.deploys;

import java.util.Map;

/** Authenticates and reads a push webhook delivery from GitHub, GitLab or Gitea/Forgejo. */
public interface PushVerifier {

    /**
     * @param headers  the delivery's headers, names in lower case
     * @param body     the raw body, as signed
     * @param secret   the site's webhook secret
     * @param branch   the branch the site deploys
     */
    Verdict verify(Map<String, String> headers, byte[] body, String secret, String branch);

    /** What to do with a delivery. */
    sealed interface Verdict permits Push, Ignored, Rejected {
    }

    /** An authentic push to the site's branch. */
    record Push(String commit, String deliveryId) implements Verdict {
    }

    /** An authentic delivery that deploys nothing (another branch, a ping, a tag). */
    record Ignored(String reason, String deliveryId) implements Verdict {
    }

    /** Not authentic: missing or wrong signature or token. */
    record Rejected(String reason) implements Verdict {
    }
}
