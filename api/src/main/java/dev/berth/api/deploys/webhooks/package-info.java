/**
 * Verifying Git hosts' push webhooks: GitHub, GitLab and Gitea/Forgejo.
 *
 * <p>Threat model. The webhook endpoint is public: anyone can post anything, as often as they like.
 * A delivery counts only when it proves knowledge of the site's secret (an HMAC-SHA256 of the exact
 * raw body for GitHub and Gitea, the token itself for GitLab), compared in constant time before the
 * body is parsed. Even a verified body is only a hint: it names a branch and a commit, but the deploy
 * fetches the repository URL stored for the site, never a URL from the payload. Replays are stopped
 * by the caller, which records verified delivery ids; unverified ids are never recorded, so nobody
 * can burn a real delivery's id in advance.
 */
package dev.berth.api.deploys.webhooks;
