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
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
