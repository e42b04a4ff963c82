import { useId, useRef, useState } from 'react';
import type { Deploy, Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { useCanChangeSites } from '../auth/roles';
import { readProblem, type ProblemView } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { formatPreciseDateTime, formatSize } from '../format';
import { BUSY_POLL_MS, IDLE_POLL_MS } from '../pages/SitesPage';
import { useDeploysChanged } from './events';
import { DeployStatus, STATUS_SENTENCES, isDeployFinished } from './DeployStatus';
import { useFollowDeploy } from './useFollowDeploy';

/** Statuses of deploys that published a release (kept ones can be downloaded). */
const PUBLISHED: ReadonlySet<Deploy['status']> = new Set<Deploy['status']>(['installing', 'live', 'superseded']);

/** Saves a blob under a file name, as a link with a download attribute would. */
function save(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** How many deploys the history shows (newest first). */
export const HISTORY_LIMIT = 20;

const SOURCE_WORDS: Record<Deploy['source'], string> = {
  upload: 'Upload',
  git: 'Git push',
  rollback: 'Rollback',
  manifest: 'Manifest',
};

function DeployLog({ siteName, deployId, id }: { siteName: string; deployId: string; id: string }) {
  const api = useApi();
  const log = usePoll(() => api.deploys.getDeploy({ siteName, deployId }),
    (data) => (data && !isDeployFinished(data.status) ? BUSY_POLL_MS : null), deployId);
  if (log.error) {
    return <div id={id}><Notice kind="error">Could not load the log. {log.error.message}</Notice></div>;
  }
  if (log.data === undefined) {
    return <p id={id} role="status">Loading the log…</p>;
  }
  const lines = log.data.log ?? [];
  return (
    <pre id={id} className="deploy-log" tabIndex={0} aria-label="Deploy log">
      {lines.length === 0 ? 'No log lines.' : lines.join('\n')}
    </pre>
  );
}

function DeployRow({ siteName, deploy, onRolledBack, busy }: {
  siteName: string;
  deploy: Deploy;
  busy: boolean;
  onRolledBack(rollback: Deploy): void;
}) {
  const api = useApi();
  const canChange = useCanChangeSites();
  const id = useId();
  const [showLog, setShowLog] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [rolling, setRolling] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [downloading, setDownloading] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const when = formatPreciseDateTime(deploy.createdAt);

  const cancel = () => {
    setConfirming(false);
    setTimeout(() => opener.current?.focus(), 0);
  };
  const rollBack = async () => {
    setRolling(true);
    setProblem(null);
    try {
      const rollback = await api.deploys.rollbackDeploy({ siteName, deployId: deploy.id });
      setConfirming(false);
      onRolledBack(rollback);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setRolling(false);
    }
  };

  // The API wants the bearer token, so the archive is fetched, then saved: a plain link would carry none.
  const download = async () => {
    setDownloading(true);
    setProblem(null);
    try {
      const archive = await api.deploys.downloadDeployArchive({ siteName, deployId: deploy.id });
      save(archive, `${siteName}-${deploy.id}.tar.gz`);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setDownloading(false);
    }
  };

  return (
    <li className="deploy-card" data-deploy={deploy.id} data-status={deploy.status}>
      <div className="deploy-head">
        <h3>{SOURCE_WORDS[deploy.source]} · {when}</h3>
        <DeployStatus status={deploy.status} />
        {deploy.live ? <strong className="live-now">Serving now</strong> : null}
      </div>
      <dl className="facts">
        <div><dt>Source</dt><dd>{SOURCE_WORDS[deploy.source]}</dd></div>
        <div><dt>Deploy</dt><dd><code title={deploy.id}>{deploy.id.slice(0, 8)}</code></dd></div>
        <div><dt>Commit</dt><dd>{deploy.commit ? <code title={deploy.commit}>{deploy.commit.slice(0, 12)}</code> : '—'}</dd></div>
        <div>
          <dt>Size</dt>
          <dd>{deploy.bytes ? `${formatSize(deploy.bytes)}, ${deploy.files ?? 0} ${deploy.files === 1 ? 'file' : 'files'}` : '—'}</dd>
        </div>
        <div><dt>Started</dt><dd>{when}</dd></div>
        {deploy.liveAt ? <div><dt>Live since</dt><dd>{formatPreciseDateTime(deploy.liveAt)}</dd></div> : null}
      </dl>
      {deploy.status === 'failed' && deploy.error ? <p className="last-error">Why it failed: {deploy.error}</p> : null}
      {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      <div className="button-row">
        <button type="button" aria-expanded={showLog} aria-controls={`${id}-log`} onClick={() => setShowLog((open) => !open)}>
          {showLog ? 'Hide log' : 'Show log'}
        </button>
        {PUBLISHED.has(deploy.status) ? (
          <button type="button" onClick={download} disabled={downloading}>
            {downloading ? 'Downloading…' : 'Download .tar.gz'}
          </button>
        ) : null}
        {deploy.status === 'superseded' && canChange && !confirming ? (
          <button ref={opener} type="button" onClick={() => setConfirming(true)} disabled={busy}>Roll back to this…</button>
        ) : null}
      </div>
      {confirming ? (
        <div className="confirm" role="group" aria-labelledby={`${id}-confirm`}
          onKeyDown={(event) => event.key === 'Escape' && cancel()}>
          <p id={`${id}-confirm`}>
            <strong>Serve the content of this deploy ({when}) again?</strong> Visitors see it at once; the current
            content stays in the history.
          </p>
          <div className="button-row">
            <button type="button" className="primary" onClick={rollBack} disabled={rolling || busy} autoFocus>
              {rolling ? 'Rolling back…' : 'Roll back'}
            </button>
            <button type="button" onClick={cancel} disabled={rolling}>Cancel</button>
          </div>
        </div>
      ) : null}
      {showLog ? <DeployLog siteName={siteName} deployId={deploy.id} id={`${id}-log`} /> : null}
    </li>
  );
}

/**
 * The site's deploys, newest first: status, source, commit, size and time, each deploy's log on
 * demand, a download of the content each kept release published, and a rollback (after a confirmation) to content that was live before. The list polls
 * while a deploy is moving and loads again whenever an upload or a rollback moves on.
 */
export function DeployHistory({ site }: { site: Site }) {
  const api = useApi();
  const deploys = usePoll(() => api.deploys.listDeploys({ siteName: site.name, limit: HISTORY_LIMIT }),
    (data) => (data?.items.some((deploy) => !isDeployFinished(deploy.status)) ? BUSY_POLL_MS : IDLE_POLL_MS), site.name);
  useDeploysChanged(site.name, deploys.reload);
  const { deploy: rollback, follow } = useFollowDeploy(site.name);
  const items = deploys.data?.items ?? [];
  const rollingBack = rollback !== null && !isDeployFinished(rollback.status);
  return (
    <>
      <div role="status" aria-live="polite">
        {rollback ? (
          <p className={`op-line ${rollback.status === 'failed' ? 'op-failed' : rollback.status === 'live' ? 'op-succeeded' : ''}`}>
            {rollingBack ? <span className="spinner" aria-hidden="true" /> : null}
            Rollback: {STATUS_SENTENCES[rollback.status]}{rollback.error ? ` (${rollback.error})` : ''}
          </p>
        ) : null}
      </div>
      {deploys.error ? <Notice kind="error">Could not load the deploys. {deploys.error.message}</Notice> : null}
      {deploys.loading ? <p role="status">Loading…</p> : null}
      {!deploys.loading && !deploys.error && items.length === 0 ? (
        <p>No deploys yet. Upload an archive, or deploy from Git.</p>
      ) : null}
      {items.length > 0 ? (
        <ol className="deploy-list" aria-label="Deploys, newest first">
          {items.map((deploy) => (
            <DeployRow key={deploy.id} siteName={site.name} deploy={deploy} busy={rollingBack} onRolledBack={follow} />
          ))}
        </ol>
      ) : null}
      {deploys.data?.nextCursor ? <p className="muted">Showing the {HISTORY_LIMIT} most recent deploys.</p> : null}
    </>
  );
}
