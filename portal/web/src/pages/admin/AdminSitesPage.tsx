import { useState } from 'react';
import type { CertificateSummary } from '@berth/api';
import { useApi } from '../../auth/AuthProvider';
import { allPages } from '../../api/pages';
import { usePoll } from '../../hooks/usePoll';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { StateBadge, isTransitional } from '../../components/StateBadge';
import { formatDateTime } from '../../format';
import { BUSY_POLL_MS } from '../SitesPage';
import { ConfirmDelete } from '../ConfirmDelete';

/** The certificate's state in words; the expiry and the latest error follow it. */
const CERTIFICATE_WORDS: Record<CertificateSummary['state'], string> = {
  none: 'No HTTPS',
  unknown: 'Unknown',
  pending: 'Being issued',
  active: 'Valid',
  renewing: 'Renewing',
  failed: 'Failed',
};

function CertificateCell({ certificate }: { certificate?: CertificateSummary }) {
  if (!certificate) {
    return <td>—</td>;
  }
  const trouble = certificate.state === 'failed' || certificate.state === 'unknown';
  return (
    <td className={trouble ? 'error-cell' : undefined}>
      {CERTIFICATE_WORDS[certificate.state]}
      {certificate.notAfter ? <><br /><span className="muted">until {formatDateTime(certificate.notAfter)}</span></> : null}
      {certificate.lastError ? <><br />{certificate.lastError}</> : null}
    </td>
  );
}

export function AdminSitesPage() {
  const api = useApi();
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  /** Stops, starts or deletes any tenant's site as the platform admin (audited with the admin as actor). */
  const act = async (siteName: string, verb: 'stop' | 'start' | 'delete') => {
    setBusy(siteName);
    setOutcome(null);
    try {
      if (verb === 'stop') {
        await api.admin.adminStopSite({ siteName });
      } else if (verb === 'start') {
        await api.admin.adminStartSite({ siteName });
      } else {
        await api.admin.adminDeleteSite({ siteName });
      }
      setOutcome({ kind: 'success', text: `${siteName}: ${verb === 'delete' ? 'deletion' : verb} requested.` });
      sites.reload();
    } catch (failure) {
      setOutcome({ kind: 'error', text: `Could not ${verb} ${siteName}. ${failure instanceof Error ? failure.message : String(failure)}` });
    } finally {
      setBusy(null);
    }
  };
  const sites = usePoll(
    () => allPages((cursor) => api.admin.adminListSites({ cursor, limit: 200 })),
    (items) => (items?.some((site) => isTransitional(site.observedState, site.desiredState)) ? BUSY_POLL_MS : 15000),
  );
  const needle = filter.trim().toLowerCase();
  const items = (sites.data ?? []).filter((site) => needle === ''
    || site.name.includes(needle) || (site.tenantName ?? '').toLowerCase().includes(needle));
  return (
    <section>
      <PageHeading title="All sites">All sites</PageHeading>
      <div className="field filter">
        <label htmlFor="site-filter">Filter by site or tenant</label>
        <input id="site-filter" type="search" value={filter} onChange={(event) => setFilter(event.target.value)} />
      </div>
      {sites.error ? <Notice kind="error">Could not load the sites. {sites.error.message}</Notice> : null}
      {sites.loading ? <p role="status">Loading…</p> : null}
      {outcome ? <Notice kind={outcome.kind}>{outcome.text}</Notice> : null}
      <p className="muted" aria-live="polite">{sites.data ? `${items.length} of ${sites.data.length} sites` : ''}</p>
      <div className="table-scroll" role="region" aria-label="Every site" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Tenant</th>
              <th scope="col">Addresses</th>
              <th scope="col">Wanted</th>
              <th scope="col">State</th>
              <th scope="col">Certificate</th>
              <th scope="col">Last error</th>
              <th scope="col">Changed</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((site) => (
              <tr key={site.name} data-site={site.name}>
                <th scope="row">{site.hostname}</th>
                <td>{site.tenantName ?? site.tenantId}</td>
                <td><code>{site.ipv4 ?? '—'}</code><br /><code>{site.ipv6 ?? '—'}</code></td>
                <td>{site.desiredState}</td>
                <td><StateBadge observed={site.observedState} desired={site.desiredState} /></td>
                <CertificateCell certificate={site.certificate} />
                <td className={site.lastError ? 'error-cell' : undefined}>
                  {site.lastError ?? '—'}
                  {site.hostDetail ? <><br /><span className="muted">Host: {site.hostDetail}</span></> : null}
                </td>
                <td>{formatDateTime(site.updatedAt)}</td>
                <td className="actions">
                  {site.desiredState === 'running'
                    ? <button type="button" disabled={busy !== null} onClick={() => act(site.name, 'stop')}>Stop {site.name}</button>
                    : <button type="button" disabled={busy !== null} onClick={() => act(site.name, 'start')}>Start {site.name}</button>}
                  {site.observedState === 'deleting' ? null
                    : <ConfirmDelete siteName={site.name} busy={busy !== null} onConfirm={() => act(site.name, 'delete')} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
