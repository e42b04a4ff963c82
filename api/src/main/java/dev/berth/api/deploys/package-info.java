/**
 * Content deploys: turning untrusted uploads and untrusted Git repositories into a release.
 *
 * <p>Threat model. Everything a tenant sends here is hostile until proven otherwise: archive bytes,
 * entry names, entry types and modes, declared sizes, repository URLs, DNS answers, redirects and
 * webhook bodies. The API process parses it without root; the root host daemon only ever receives a
 * <em>normalized tar</em> written by {@link dev.berth.api.deploys.NormalizedTarWriter}: regular files
 * (mode 0644) and directories (mode 0755), owner 0, relative UTF-8 names without {@code ..}, no links,
 * no devices, every limit already enforced. Validation completes before the first byte reaches the
 * sink, so a refused deploy sends hostd nothing and the live site stays as it was.
 *
 * <p>Subpackages: {@code archive} (zip and tar.gz uploads), {@code git} (repository URL policy and a
 * shallow JGit fetch), {@code webhooks} (GitHub, GitLab and Gitea/Forgejo push deliveries).
 */
package dev.berth.api.deploys;
