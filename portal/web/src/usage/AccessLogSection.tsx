import type { Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { formatPreciseDateTime, formatSize } from '../format';

export const ACCESS_LOG_LINES = 50;
const ACCESS_LOG_POLL_MS = 15000;

function statusClass(status: number): string {
  return status >= 500 ? 'status-5xx' : status >= 400 ? 'status-4xx' : 'status-ok';
}

/** The site's latest requests as the host's proxy logged them, newest first. */
export function AccessLogSection({ site }: { site: Site }) {
  const api = useApi();
  const log = usePoll(() => api.usage.getSiteAccessLog({ siteName: site.name, limit: ACCESS_LOG_LINES }),
    () => ACCESS_LOG_POLL_MS, site.name);
  const items = log.data?.items ?? [];
  return (
    <>
      <div className="button-row">
        <button type="button" onClick={() => log.reload()}>Refresh</button>
        <span className="muted" aria-live="polite">
          {log.data ? `${items.length === 0 ? 'No' : items.length} recent ${items.length === 1 ? 'request' : 'requests'}` : ''}
        </span>
      </div>
      {log.error ? <Notice kind="error">Could not load the access log. {log.error.message}</Notice> : null}
      {log.loading ? <p role="status">Loading…</p> : null}
      {log.data && items.length === 0 ? (
        <p>Nobody has visited this site yet (or the host has not logged a visit). Open <a href={site.url} target="_blank"
          rel="noreferrer noopener">{site.hostname}</a> and refresh.</p>
      ) : null}
      {items.length > 0 ? (
        <div className="table-scroll" role="region" aria-label={`Recent requests to ${site.name}`} tabIndex={0}>
          <table className="access-log">
            <caption className="visually-hidden">The last {items.length} requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Size</th>
                <th scope="col">Took</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry, index) => (
                <tr key={`${entry.time.getTime()}-${index}`}>
                  <td>{formatPreciseDateTime(entry.time)}</td>
                  <td><code>{entry.method} {entry.uri}</code>{entry.host && entry.host !== site.hostname
                    ? <div className="muted">{entry.host}</div> : null}</td>
                  <td className={statusClass(entry.status)}>{entry.status}</td>
                  <td>{entry.bytesSent === undefined ? '—' : formatSize(entry.bytesSent)}</td>
                  <td>{entry.requestSeconds === undefined ? '—' : `${Math.round(entry.requestSeconds * 1000)} ms`}</td>
                  <td><code>{entry.remoteAddress ?? '—'}</code>{entry.userAgent ? <div className="muted ua">{entry.userAgent}</div> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
