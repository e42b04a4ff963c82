import type { Site, SiteCertificate } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { formatDateTime } from '../format';

const STATE_WORDS: Record<SiteCertificate['state'], string> = {
  none: 'No HTTPS certificate: the host serves this site over plain HTTP.',
  unknown: 'The certificate state cannot be read right now.',
  pending: 'A certificate is being obtained.',
  active: 'HTTPS is on: the certificate is valid.',
  renewing: 'The certificate is being renewed; the current one keeps serving.',
  failed: 'The last attempt to obtain or renew the certificate failed.',
};

/** The HTTPS certificate serving the site's platform hostname, as the host reports it. */
export function CertificateSection({ site }: { site: Site }) {
  const api = useApi();
  const certificate = usePoll(() => api.certificates.getSiteCertificate({ siteName: site.name }),
    (data) => (data?.state === 'pending' || data?.state === 'renewing' ? 5000 : 60000), site.name);
  if (certificate.data === undefined) {
    return certificate.error ? <Notice kind="error">Could not load the certificate. {certificate.error.message}</Notice>
      : <p role="status">Loading…</p>;
  }
  const data = certificate.data;
  const failing = data.state === 'failed' || data.state === 'unknown';
  return (
    <>
      <p className={`cert-state cert-${data.state}`} data-state={data.state}>{STATE_WORDS[data.state]}</p>
      <dl className="facts">
        <div><dt>For</dt><dd>{(data.domains && data.domains.length > 0 ? data.domains : data.hostnames).join(', ')}</dd></div>
        {data.issuer ? <div><dt>Issuer</dt><dd>{data.issuer}</dd></div> : null}
        {data.notAfter ? <div><dt>Valid until</dt><dd>{formatDateTime(data.notAfter)}</dd></div> : null}
        {data.renewAt ? <div><dt>Renewed from</dt><dd>{formatDateTime(data.renewAt)}</dd></div> : null}
        {data.nextAttempt ? <div><dt>Next attempt</dt><dd>{formatDateTime(data.nextAttempt)}</dd></div> : null}
      </dl>
      {data.lastError ? <Notice kind={failing ? 'error' : 'info'}>Last error: {data.lastError}</Notice> : null}
      <p className="muted">Custom domains get their own certificates once they point at the platform.</p>
    </>
  );
}
