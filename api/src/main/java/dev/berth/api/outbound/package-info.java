/**
 * Where the API may connect out to on a tenant's behalf: {@link dev.berth.api.outbound.RepositoryUrlPolicy}
 * judges a URL (a Git repository's, a webhook endpoint's) and every address it resolves to before any
 * connection, and again at connection time ({@code checkAddress}); a refusal is a
 * {@link dev.berth.api.outbound.RepositoryUrlRefusedException}. Used by Git deploys and by outbound
 * webhook deliveries.
 */
package dev.berth.api.outbound;
