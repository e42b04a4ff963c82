import type { HostStatus } from '@berth/api';
import { useApi } from '../../auth/AuthProvider';
import { usePoll } from '../../hooks/usePoll';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { UsageBar } from '../../components/UsageBar';
import { formatDateTime, formatPreciseDateTime, formatSize } from '../../format';

const HOST_POLL_MS = 10000;

function forwarding(value: string | undefined): string {
  return value === '0' ? 'off' : value === '1' ? 'ON (Berth keeps it off)' : 'unknown';
}

function Health({ status }: { status: HostStatus }) {
  const words = !status.reachable ? 'Unreachable' : status.healthy ? 'Healthy' : 'Unhealthy';
  const kind = status.healthy ? 'running' : 'failed';
  return (
    <span className={`badge badge-${kind}`} data-health={words.toLowerCase()}>
      <span className="badge-dot" aria-hidden="true" />{words}
    </span>
  );
}

/** The host's health, capacity and versions, asked from hostd through the API. */
export function AdminHostPage() {
  const api = useApi();
  const host = usePoll(() => api.adminHost.adminGetHost(), () => HOST_POLL_MS);
  const status = host.data;
  const certificates = status?.certificates ?? [];
  return (
    <section>
      <PageHeading title="Host health">Host health</PageHeading>
      {host.error ? <Notice kind="error">Could not ask the API. {host.error.message}</Notice> : null}
      {status === undefined ? (host.error ? null : <p role="status">Loading…</p>) : (
        <>
          <div className="status-row" role="status" aria-live="polite">
            <Health status={status} />
            <span className="muted">Checked {formatPreciseDateTime(status.checkedAt)}</span>
          </div>
          {status.error ? <Notice kind="error">hostd cannot be reached: {status.error}</Notice> : null}
          {status.reachable && !status.proxyRunning ? <Notice kind="error">The proxy (nginx) is not running: no site answers.</Notice> : null}
          {status.reachable ? (
            <>
              <section className="panel" aria-labelledby="capacity-heading">
                <h2 id="capacity-heading">Capacity</h2>
                <dl className="facts">
                  <div><dt>CPUs</dt><dd>{status.cpus ?? '—'}</dd></div>
                  <div><dt>Sites held</dt><dd>{status.sites ?? 0} ({status.runningSites ?? 0} running, {status.failedSites ?? 0} failed)</dd></div>
                </dl>
                {status.memTotalBytes !== undefined && status.memTotalBytes > 0 && status.memAvailableBytes !== undefined
                  && status.memAvailableBytes >= 0 ? (
                    <div className="usage-list">
                      <UsageBar label="Memory in use" used={status.memTotalBytes - status.memAvailableBytes}
                        limit={status.memTotalBytes} format={formatSize} />
                    </div>
                  ) : null}
              </section>
              <section className="panel" aria-labelledby="components-heading">
                <h2 id="components-heading">Components</h2>
                <dl className="facts">
                  <div><dt>Proxy</dt><dd>{status.proxyRunning ? 'running' : 'not running'}</dd></div>
                  <div><dt>nginx</dt><dd>{status.nginxVersion ?? '—'}</dd></div>
                  <div><dt>runc</dt><dd>{status.runcVersion ?? '—'}</dd></div>
                  <div><dt>cgroups</dt><dd>{status.cgroupMode ?? '—'}</dd></div>
                  <div><dt>Bridge</dt><dd><code>{status.bridge ?? '—'}</code></dd></div>
                  <div><dt>IPv4 forwarding</dt><dd>{forwarding(status.ipv4Forwarding)}</dd></div>
                  <div><dt>IPv6 forwarding</dt><dd>{forwarding(status.ipv6Forwarding)}</dd></div>
                </dl>
              </section>
              <section className="panel" aria-labelledby="certificates-heading">
                <h2 id="certificates-heading">Certificates</h2>
                {certificates.length === 0 ? <p className="muted">This host manages no certificate (HTTPS is off).</p> : (
                  <div className="table-scroll" role="region" aria-label="Certificates" tabIndex={0}>
                    <table>
                      <thead>
                        <tr><th scope="col">Name</th><th scope="col">For</th><th scope="col">State</th>
                          <th scope="col">Valid until</th><th scope="col">Last error</th></tr>
                      </thead>
                      <tbody>
                        {certificates.map((certificate) => (
                          <tr key={certificate.name}>
                            <th scope="row">{certificate.name}</th>
                            <td>{(certificate.domains ?? []).join(', ')}</td>
                            <td>{certificate.state}</td>
                            <td>{formatDateTime(certificate.notAfter)}</td>
                            <td className={certificate.lastError ? 'error-cell' : undefined}>{certificate.lastError ?? '—'}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
