import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Operation, Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { VIEWER_NOTE, useCanChangeSites } from '../auth/roles';
import { readProblem, type ProblemView } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { isFinished, useOperations } from '../operations/OperationsProvider';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { StateBadge, isTransitional } from '../components/StateBadge';
import { formatDateTime } from '../format';
import { BUSY_POLL_MS, IDLE_POLL_MS, SiteAddresses } from './SitesPage';
import { ConfirmDelete } from './ConfirmDelete';
import { DeploySection } from '../deploys/DeploySection';
import { DeployHistory } from '../deploys/DeployHistory';
import { BuildSection } from '../deploys/BuildSection';
import { GitSettings } from '../deploys/GitSettings';
import { PreviewsSection } from '../deploys/PreviewsSection';
import { UsageGraphs } from '../usage/UsageGraphs';
import { AccessLogSection } from '../usage/AccessLogSection';
import { DomainsSection } from '../domains/DomainsSection';
import { CertificateSection } from '../domains/CertificateSection';
import { ProtectionSection } from '../protection/ProtectionSection';
import { ServingSection } from '../serving/ServingSection';

/** One section of the site page: a component given the site (and a way to reload it). */
export interface SiteSection {
  id: string;
  title: string;
  /** Its controls change the site: a viewer sees them disabled. */
  changes?: boolean;
  render(site: Site, reload: () => void): ReactNode;
}

export const SITE_SECTIONS: SiteSection[] = [
  { id: 'deploy', changes: true, title: 'Deploy', render: (site) => <DeploySection site={site} /> },
  { id: 'history', title: 'Deploy history', render: (site) => <DeployHistory site={site} /> },
  { id: 'git', changes: true, title: 'Git', render: (site) => <GitSettings site={site} /> },
  { id: 'build', changes: true, title: 'Build', render: (site) => <BuildSection site={site} /> },
  { id: 'previews', title: 'Branch previews', render: (site) => <PreviewsSection site={site} /> },
  { id: 'usage', title: 'Usage', render: (site) => <UsageGraphs site={site} /> },
  { id: 'access-log', title: 'Recent requests', render: (site) => <AccessLogSection site={site} /> },
  { id: 'domains', changes: true, title: 'Custom domains', render: (site, reload) => <DomainsSection site={site} onChanged={reload} /> },
  { id: 'certificate', title: 'HTTPS certificate', render: (site) => <CertificateSection site={site} /> },
  { id: 'protection', changes: true, title: 'Protection', render: (site, reload) => <ProtectionSection site={site} onChanged={reload} /> },
  { id: 'serving', changes: true, title: 'Serving', render: (site, reload) => <ServingSection site={site} onChanged={reload} /> },
];

const OPERATION_WORDS: Record<Operation['status'], string> = {
  pending: 'waiting for the host',
  running: 'under way',
  succeeded: 'done',
  failed: 'failed',
};

function OperationLine({ label, operation }: { label: string; operation: Operation }) {
  const finished = isFinished(operation);
  return (
    <p className={`op-line op-${operation.status}`}>
      {finished ? null : <span className="spinner" aria-hidden="true" />}
      {label}: {OPERATION_WORDS[operation.status]}
      {operation.error ? ` (${operation.error})` : ''}
      {finished ? null : <> · started {formatDateTime(operation.createdAt)}</>}
    </p>
  );
}

export function SitePage() {
  const { siteName = '' } = useParams();
  const api = useApi();
  const canChange = useCanChangeSites();
  const navigate = useNavigate();
  const { bySite, settledCount, track } = useOperations();
  const [actionProblem, setActionProblem] = useState<ProblemView | null>(null);
  const [asking, setAsking] = useState<string | null>(null);

  const tracked = bySite[siteName];
  const inFlight = tracked !== undefined && !isFinished(tracked.operation);
  const inFlightRef = useRef(inFlight);
  inFlightRef.current = inFlight;
  const site = usePoll(
    () => api.sites.getSite({ siteName }),
    (data) => (data && isTransitional(data.observedState, data.desiredState)) || inFlightRef.current ? BUSY_POLL_MS : IDLE_POLL_MS,
    siteName,
  );
  const { reload } = site;
  const firstSettled = useRef(settledCount);
  useEffect(() => {
    if (settledCount !== firstSettled.current) {
      reload();
    }
  }, [settledCount, reload]);

  const deleted = site.error?.status === 404 && tracked?.operation.kind === 'site.delete';
  useEffect(() => {
    if (deleted) {
      navigate('/sites', { replace: true, state: { notice: `Site ${siteName} deleted.` } });
    }
  }, [deleted, navigate, siteName]);

  const act = async (kind: 'start' | 'stop' | 'delete', label: string) => {
    setAsking(kind);
    setActionProblem(null);
    try {
      const call = kind === 'start' ? api.sites.startSite({ siteName })
        : kind === 'stop' ? api.sites.stopSite({ siteName }) : api.sites.deleteSite({ siteName });
      const operation = await call;
      track({ ...operation, target: operation.target ?? siteName }, label);
      reload();
    } catch (failure) {
      setActionProblem(await readProblem(failure));
    } finally {
      setAsking(null);
    }
  };

  if (site.error && site.data === undefined) {
    return (
      <section>
        <PageHeading title={siteName}>{siteName}</PageHeading>
        <Notice kind="error">{site.error.status === 404 ? `There is no site named ${siteName} in your tenant.` : site.error.message}</Notice>
        <p><Link to="/sites">Back to your sites</Link></p>
      </section>
    );
  }
  const current = site.data;
  const deleting = current?.observedState === 'deleting';
  return (
    <section>
      <p className="breadcrumb"><Link to="/sites">Sites</Link> / {siteName}</p>
      <PageHeading title={siteName}>{siteName}</PageHeading>
      {current === undefined ? <p role="status">Loading…</p> : (
        <>
          <div className="status-row">
            <StateBadge observed={current.observedState} desired={current.desiredState} />
            <span className="muted">Wanted: {current.desiredState}</span>
          </div>
          {site.error ? <Notice kind="error">Could not refresh this site. {site.error.message}</Notice> : null}
          <div role="status" aria-live="polite">
            {tracked ? <OperationLine label={tracked.label} operation={tracked.operation} /> : null}
          </div>

          <section className="panel" aria-labelledby="overview-heading">
            <h2 id="overview-heading">Overview</h2>
            {current.previewOf ? (
              <p data-preview-of={current.previewOf.site}>
                A preview of <Link to={`/sites/${encodeURIComponent(current.previewOf.site)}`}>{current.previewOf.site}</Link>&apos;s
                branch <code>{current.previewOf.branch}</code>: each push to the branch deploys here; deleting the branch removes it.
              </p>
            ) : null}
            <SiteAddresses site={current} />
            <dl className="facts">
              <div><dt>Created</dt><dd>{formatDateTime(current.createdAt)}</dd></div>
              <div><dt>Last change</dt><dd>{formatDateTime(current.updatedAt)}</dd></div>
            </dl>
            {current.lastError ? <Notice kind="error">Last error from the host: {current.lastError}</Notice> : null}
          </section>

          <section className="panel" aria-labelledby="actions-heading">
            <h2 id="actions-heading">Run</h2>
            {actionProblem ? <Notice kind="error">{actionProblem.message}</Notice> : null}
            {!canChange ? <p id="viewer-note">{VIEWER_NOTE}</p> : deleting ? <p>Nothing to start or stop: the site is being deleted.</p> : (
              <div className="button-row">
                {current.desiredState === 'stopped' ? (
                  <button type="button" className="primary" disabled={deleting || asking !== null}
                    onClick={() => act('start', `Starting ${siteName}`)}>
                    {asking === 'start' ? 'Starting…' : 'Start'}
                  </button>
                ) : (
                  <button type="button" disabled={deleting || asking !== null}
                    onClick={() => act('stop', `Stopping ${siteName}`)}>
                    {asking === 'stop' ? 'Stopping…' : 'Stop'}
                  </button>
                )}
              </div>
            )}
            <p className="muted">The site keeps its addresses while stopped; visitors get a “site stopped” page.</p>
          </section>

          {SITE_SECTIONS.map((section) => (
            <section key={section.id} className="panel" aria-labelledby={`${section.id}-heading`}>
              <h2 id={`${section.id}-heading`}>{section.title}</h2>
              {section.changes && !canChange ? (
                <fieldset className="read-only" disabled aria-describedby="viewer-note">{section.render(current, reload)}</fieldset>
              ) : section.render(current, reload)}
            </section>
          ))}

          {canChange ? <section className="panel panel-danger" aria-labelledby="delete-heading">
            <h2 id="delete-heading">Delete</h2>
            {deleting ? <p>This site is being deleted. It disappears from your list when the host has removed it.</p> : (
              <ConfirmDelete siteName={siteName} busy={asking !== null}
                onConfirm={() => act('delete', `Deleting ${siteName}`)} />
            )}
          </section> : null}
        </>
      )}
    </section>
  );
}
