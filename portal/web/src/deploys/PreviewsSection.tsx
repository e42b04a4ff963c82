import type { Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { StateBadge } from '../components/StateBadge';
import { formatDateTime } from '../format';
import { IDLE_POLL_MS } from '../pages/SitesPage';
import { DeployStatus } from './DeployStatus';

/**
 * A site's branch previews: each push to another branch than the site's Git branch deploys that
 * branch at BRANCH--SITE, a site of its own, removed when the branch is deleted or after days
 * without a push.
 */
export function PreviewsSection({ site }: { site: Site }) {
  const api = useApi();
  const previews = usePoll(() => api.previews.listPreviews({ siteName: site.name }), () => IDLE_POLL_MS, site.name);
  if (previews.error && previews.data === undefined) {
    return <Notice kind="error">Could not load the previews. {previews.error.message}</Notice>;
  }
  if (previews.data === undefined) {
    return <p role="status">Loading the previews…</p>;
  }
  const items = previews.data.items;
  return (
    <>
      <p className="muted">
        With a Git source, a push to another branch deploys a preview of it at its own address
        (<code>BRANCH--{site.name}</code>), counted as a site in your quota. It goes when the branch is deleted, or
        when the branch has had no push for a while.
      </p>
      {items.length === 0 ? <p>No branch previews.</p> : (
        <div className="table-scroll">
          <table className="compact" aria-label="Branch previews">
            <thead>
              <tr><th scope="col">Branch</th><th scope="col">Address</th><th scope="col">State</th><th scope="col">Last deploy</th>
                <th scope="col">Last push</th><th scope="col">Removed after</th></tr>
            </thead>
            <tbody>
              {items.map((preview) => (
                <tr key={preview.site}>
                  <td><code>{preview.branch}</code></td>
                  <td><a href={preview.url}>{preview.hostname}</a></td>
                  <td><StateBadge observed={preview.observedState} desired={preview.desiredState} /></td>
                  <td>
                    {preview.lastDeployStatus ? <DeployStatus status={preview.lastDeployStatus} /> : 'none yet'}
                    {preview.lastDeployStatus === 'failed' && preview.lastDeployError ? <> {preview.lastDeployError}</> : null}
                  </td>
                  <td>{formatDateTime(preview.lastPushAt)}</td>
                  <td>{formatDateTime(preview.expiresAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
