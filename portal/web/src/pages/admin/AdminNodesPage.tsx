import { useState } from 'react';
import type { Node, NodeJoinToken } from '@berth/api';
import { useApi } from '../../auth/AuthProvider';
import { usePoll } from '../../hooks/usePoll';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatDateTime } from '../../format';

const NODES_POLL_MS = 5000;

const STATE_BADGE: Record<Node['state'], string> = {
  ready: 'running',
  cordoned: 'stopped',
  draining: 'provisioning',
  lost: 'failed',
};

/**
 * The hostd nodes of the platform: state, sites against capacity, last heartbeat; a join token
 * for a new node; cordon, drain, uncordon and remove.
 */
export function AdminNodesPage() {
  const api = useApi();
  const nodes = usePoll(() => api.adminNodes.adminListNodes(), () => NODES_POLL_MS);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState<NodeJoinToken | null>(null);

  const run = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await action();
      setMessage(done);
      nodes.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  const items = nodes.data?.items ?? [];
  return (
    <section>
      <PageHeading title="Nodes">Nodes</PageHeading>
      <p className="muted">
        Every hostd the platform drives. New sites go to a ready node with room; a cordoned node keeps its sites; a draining
        node hands them to other nodes one by one; a lost node&apos;s sites were moved to the others.
      </p>
      {nodes.error ? <Notice kind="error">Could not ask the API. {nodes.error.message}</Notice> : null}
      {error ? <Notice kind="error">{error}</Notice> : null}
      {message ? <Notice kind="success">{message}</Notice> : null}
      {nodes.data === undefined ? (nodes.error ? null : <p role="status">Loading…</p>) : (
        <div className="table-scroll" role="region" aria-label="Nodes" tabIndex={0}>
          <table>
            <thead>
              <tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">Sites</th><th scope="col">Address</th>
                <th scope="col">Last seen</th><th scope="col">Actions</th></tr>
            </thead>
            <tbody>
              {items.map((node) => (
                <tr key={node.name}>
                  <th scope="row">{node.name}</th>
                  <td>
                    <span className={`badge badge-${STATE_BADGE[node.state]}`} data-state={node.state}>
                      <span className="badge-dot" aria-hidden="true" />{node.state}
                    </span>
                    {node.lastError ? <div className="muted">{node.lastError}</div> : null}
                  </td>
                  <td>{node.sites} of {node.capacitySites}</td>
                  <td><code>{node.url}</code>{node.publicIpv4 ? <div>{node.publicIpv4}</div> : null}</td>
                  <td>{node.lastSeenAt ? formatDateTime(node.lastSeenAt) : 'never'}</td>
                  <td className="actions">
                    {node.state === 'ready' ? (
                      <button type="button" disabled={busy}
                        onClick={() => run(() => api.adminNodes.adminCordonNode({ nodeName: node.name }), `${node.name} takes no new site.`)}>
                        Cordon {node.name}
                      </button>
                    ) : null}
                    {node.state === 'ready' || node.state === 'cordoned' ? (
                      <button type="button" disabled={busy}
                        onClick={() => run(() => api.adminNodes.adminDrainNode({ nodeName: node.name }),
                          `${node.name} is draining: its sites move to other nodes one by one.`)}>
                        Drain {node.name}
                      </button>
                    ) : null}
                    {node.state === 'cordoned' || node.state === 'draining' ? (
                      <button type="button" disabled={busy}
                        onClick={() => run(() => api.adminNodes.adminUncordonNode({ nodeName: node.name }), `${node.name} is ready.`)}>
                        Uncordon {node.name}
                      </button>
                    ) : null}
                    {node.sites === 0 ? (
                      <button type="button" className="danger" disabled={busy}
                        onClick={() => run(() => api.adminNodes.adminRemoveNode({ nodeName: node.name }), `${node.name} was removed.`)}>
                        Remove {node.name}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section className="panel" aria-labelledby="join-heading">
        <h2 id="join-heading">Add a node</h2>
        <p className="muted">
          A join token is valid once, for an hour. The new node&apos;s hostd listens with mutual TLS; then
          <code> POST /api/v1/nodes/join</code> with the token, its name and URL (docs/operations.md, &quot;Adding a node&quot;).
        </p>
        <button type="button" disabled={busy}
          onClick={() => run(async () => setToken(await api.adminNodes.adminCreateNodeJoinToken({ nodeJoinTokenRequest: {} })),
            'A join token was made. It is shown once.')}>
          Make a join token
        </button>
        {token ? (
          <p>Token (valid until {formatDateTime(token.expiresAt)}): <code data-testid="join-token">{token.token}</code></p>
        ) : null}
      </section>
    </section>
  );
}
