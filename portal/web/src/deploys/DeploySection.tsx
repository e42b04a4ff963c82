import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { readProblem, type ProblemView } from '../api/problems';
import { archiveMediaType, type UploadProgress } from '../api/upload';
import { Notice } from '../components/Notice';
import { formatSize } from '../format';
import { announceDeploysChanged } from './events';
import { STATUS_SENTENCES, isDeployFinished } from './DeployStatus';
import { useFollowDeploy } from './useFollowDeploy';

const MIB = 1024 * 1024;

/** An upload's failure in plain words; every one leaves the live site as it was. */
export function uploadFailure(problem: ProblemView): string {
  const type = problem.type?.replace('https://berth.dev/problems/', '') ?? '';
  let what: string;
  if (problem.status === 413) {
    what = `The archive is too large. ${problem.message}`;
  } else if (problem.status === 415) {
    what = 'Berth takes a .zip or a .tar.gz archive only.';
  } else if (type === 'content-refused') {
    what = `The archive was refused: ${problem.message}`;
  } else if (type === 'quota-exceeded') {
    what = `Your tenant's quota does not allow this. ${problem.message}`;
  } else if (problem.status === 503) {
    what = `Not deployed: ${problem.message}`;
  } else {
    what = problem.message;
  }
  return `${what} Your live site is unchanged.`;
}

function percent(progress: UploadProgress): number {
  return progress.totalBytes > 0 ? Math.floor((progress.loadedBytes / progress.totalBytes) * 100) : 0;
}

/**
 * Uploads a zip or tar.gz with a real progress bar (the browser's upload progress events), then
 * follows the accepted deploy until it is live or failed. The page stays usable meanwhile.
 */
export function DeploySection({ site }: { site: Site }) {
  const api = useApi();
  const id = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [uploading, setUploading] = useState<AbortController | null>(null);
  const [uploadedName, setUploadedName] = useState<string | null>(null);
  const [maxUploadMib, setMaxUploadMib] = useState<number | null>(null);
  const { deploy, follow } = useFollowDeploy(site.name);

  useEffect(() => {
    let cancelled = false;
    api.tenant.getTenant().then((tenant) => {
      if (!cancelled) {
        setMaxUploadMib(tenant.quota.maxUploadMib);
      }
    }, () => undefined);
    return () => {
      cancelled = true;
    };
  }, [api]);

  const deleting = site.observedState === 'deleting';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    let local: string | null = null;
    if (file === null) {
      local = 'Choose a .zip or .tar.gz archive of your site first.';
    } else if (archiveMediaType(file.name) === null) {
      local = `${file.name} is not a .zip or .tar.gz archive.`;
    } else if (maxUploadMib !== null && file.size > maxUploadMib * MIB) {
      local = `${file.name} is ${formatSize(file.size)}; your tenant's upload limit is ${maxUploadMib} MiB.`;
    }
    setFileError(local);
    if (local !== null || file === null) {
      fileInput.current?.focus();
      return;
    }
    const controller = new AbortController();
    setUploading(controller);
    setUploadedName(file.name);
    setProgress({ loadedBytes: 0, totalBytes: file.size });
    follow(null);
    try {
      const accepted = await api.upload(site.name, file, { onProgress: setProgress, signal: controller.signal });
      follow(accepted);
      setFile(null);
      if (fileInput.current) {
        fileInput.current.value = '';
      }
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') {
        setFailure('Upload cancelled. Your live site is unchanged.');
        setProgress(null);
      } else {
        setFailure(uploadFailure(await readProblem(error)));
      }
      // A refused upload is recorded as a failed deploy: the history shows it.
      announceDeploysChanged(site.name);
    } finally {
      setUploading(null);
    }
  };

  const shown = progress === null ? null : percent(progress);
  return (
    <>
      <p>
        Upload a <strong>.zip</strong> or <strong>.tar.gz</strong> of your site’s files, with <code>index.html</code> at
        the top (or inside one folder). The new content goes live without restarting the site.
      </p>
      <form onSubmit={submit} noValidate aria-label={`Upload new content for ${site.name}`}>
        <div className={`field${fileError ? ' field-invalid' : ''}`}>
          <label htmlFor={`${id}-file`}>Archive (.zip or .tar.gz)</label>
          <div id={`${id}-hint`} className="field-hint">
            {maxUploadMib !== null ? `Up to ${maxUploadMib} MiB. ` : ''}Files only: links, devices and paths leaving the archive are refused.
          </div>
          <input id={`${id}-file`} ref={fileInput} type="file" name="archive"
            accept=".zip,.tar.gz,.tgz,application/zip,application/gzip"
            aria-invalid={fileError ? true : undefined}
            aria-describedby={`${id}-hint${fileError ? ` ${id}-file-error` : ''}`}
            disabled={deleting || uploading !== null}
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setFileError(null);
            }} />
          {fileError ? <div id={`${id}-file-error`} className="field-error">{fileError}</div> : null}
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={deleting || uploading !== null}>
            {uploading !== null ? 'Uploading…' : 'Upload and deploy'}
          </button>
          {uploading !== null ? <button type="button" onClick={() => uploading.abort()}>Cancel upload</button> : null}
        </div>
      </form>
      {deleting ? <p>Nothing can be deployed: the site is being deleted.</p> : null}
      {progress !== null && shown !== null ? (
        <div className="upload-progress">
          <div className="usage-label">
            <span id={`${id}-progress-label`}>{uploading !== null ? `Uploading ${uploadedName}` : `Uploaded ${uploadedName}`}</span>
            <span>{shown}% · {formatSize(progress.loadedBytes)} of {formatSize(progress.totalBytes)}</span>
          </div>
          <div className="usage-bar" role="progressbar" aria-labelledby={`${id}-progress-label`}
            aria-valuemin={0} aria-valuemax={100} aria-valuenow={shown} aria-valuetext={`${shown}%`}>
            <div className="usage-fill" style={{ width: `${shown}%` }} />
          </div>
        </div>
      ) : null}
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      <div role="status" aria-live="polite">
        {deploy ? (
          <p className={`op-line ${deploy.status === 'failed' ? 'op-failed' : deploy.status === 'live' ? 'op-succeeded' : ''}`}>
            {isDeployFinished(deploy.status) ? null : <span className="spinner" aria-hidden="true" />}
            Deploy of {uploadedName ?? 'the archive'}: {STATUS_SENTENCES[deploy.status]}
            {deploy.error ? ` (${deploy.error})` : ''}
          </p>
        ) : null}
      </div>
      {deploy && deploy.status === 'building' ? <BuildTail log={deploy.log ?? []} /> : null}
    </>
  );
}

/** The last lines a running build printed (the deploy log's "TIME | LINE" entries), as they come. */
export function BuildTail({ log }: { log: string[] }) {
  const lines = log.map((line) => /^\S+ \| (.*)$/.exec(line)?.[1]).filter((line): line is string => line !== undefined);
  if (lines.length === 0) {
    return null;
  }
  return (
    <pre className="deploy-log" aria-label="Build output" tabIndex={0}>{lines.slice(-12).join('\n')}</pre>
  );
}
