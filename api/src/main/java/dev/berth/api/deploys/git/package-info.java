/**
 * Fetching a tenant's Git repository safely.
 *
 * <p>Threat model. The repository URL is chosen by a tenant and the server behind it is hostile:
 * it may point (directly, through DNS, through numeric host tricks or through redirects) at the
 * platform's own network (loopback, private ranges, link-local cloud metadata at 169.254.169.254),
 * use another transport (file, ssh, ext:: command execution), carry credentials, send a huge or
 * endless pack, stall, or serve trees with symbolic links, submodules and hostile names.
 * {@link dev.berth.api.outbound.RepositoryUrlPolicy} refuses bad URLs after DNS resolution and
 * before any connection; {@link dev.berth.api.deploys.git.PolicyHttpConnectionFactory} repeats the
 * check for every connection JGit opens (so every redirect), and for HTTPS at the socket's
 * {@code connect} on the very address being dialled, which closes the DNS-rebinding window.
 * {@link dev.berth.api.deploys.git.GitFetcher} never reads the host's git configuration, fetches one
 * branch at depth 1, bounds bytes and time, checks objects, and writes regular files only into the
 * same normalized tar as archive uploads.
 */
package dev.berth.api.deploys.git;
