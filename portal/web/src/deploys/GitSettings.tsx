import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { GitSource, Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { readProblem, type ProblemView, fieldProblem, formProblem } from '../api/problems';
import { CopyButton } from '../components/CopyButton';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';
import { formatDateTime } from '../format';
import { announceDeploysChanged } from './events';

/** How the platform proves access to the repository. */
export type Credential = 'none' | 'token' | 'deployKey';

const SCP_LIKE = /^[A-Za-z0-9._][A-Za-z0-9._-]*@[^@/:]+:[^/].*$/;

/**
 * A repository URL the API may accept for {@code credential}: https with a host and no credentials
 * for a public repository or a token; an ssh URL (ssh://git@host/org/site.git or git@host:org/site.git)
 * for the deploy key. Null when fine.
 */
export function repositoryUrlProblem(value: string, credential: Credential = 'none'): string | null {
  const trimmed = value.trim();
  if (credential === 'deployKey') {
    if (trimmed === '') {
      return 'Enter the repository’s ssh address, such as git@github.com:you/site.git.';
    }
    if (SCP_LIKE.test(trimmed)) {
      return null;
    }
    if (!/^ssh:\/\//i.test(trimmed)) {
      return 'With a deploy key, give the ssh address, such as git@github.com:you/site.git or ssh://git@github.com/you/site.git.';
    }
    try {
      const url = new URL(trimmed);
      return url.password !== '' ? 'Leave the password out of the address: the deploy key is the credential.' : null;
    } catch {
      return 'Enter a full ssh address, such as ssh://git@github.com/you/site.git.';
    }
  }
  if (trimmed === '') {
    return 'Enter the repository’s https address, such as https://github.com/you/site.git.';
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return 'Enter a full address starting with https://, such as https://github.com/you/site.git (or choose the deploy key for an ssh address).';
  }
  if (url.protocol !== 'https:') {
    return 'The repository URL must start with https:// (for ssh, choose the deploy key; git:// and http are not allowed).';
  }
  if (url.username !== '' || url.password !== '') {
    return 'Leave the user name and password out of the address: give a private repository’s token as the access token.';
  }
  return null;
}

/** The deploy key's public half, to add read-only at the Git host, with its fingerprint. */
function DeployKeyField({ source }: { source: GitSource }) {
  const id = useId();
  if (!source.deployPublicKey) {
    return null;
  }
  return (
    <div className="field">
      <label htmlFor={`${id}-key`}>Deploy key (public)</label>
      <div className="secret-row">
        <input id={`${id}-key`} readOnly value={source.deployPublicKey} className="secret" onFocus={(event) => event.target.select()} />
        <CopyButton text={source.deployPublicKey} label="Copy deploy key" fallbackInputId={`${id}-key`} />
      </div>
      <p className="hint">Add it as a <strong>read-only</strong> deploy key of the repository (GitHub: Settings → Deploy keys;
        GitLab: Settings → Repository → Deploy keys; Gitea/Forgejo: Settings → Deploy keys). Fingerprint:{' '}
        <code>{source.deployKeyFingerprint}</code>.</p>
    </div>
  );
}

/** The webhook URL and the secret, shown once, with where to paste them. */
function WebhookSecret({ source, onDone }: { source: GitSource; onDone(): void }) {
  const id = useId();
  return (
    <section className="panel panel-secret" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Git source saved: now add the webhook{source.credential === 'deployKey' ? ' and the deploy key' : ''}</h3>
      <p><strong>Copy the secret now.</strong> It is shown only this once; saving the Git settings again makes a new one.</p>
      <DeployKeyField source={source} />
      <div className="field">
        <label htmlFor={`${id}-url`}>Webhook URL</label>
        <div className="secret-row">
          <input id={`${id}-url`} readOnly value={source.webhookUrl} className="secret" onFocus={(event) => event.target.select()} />
          <CopyButton text={source.webhookUrl} label="Copy URL" fallbackInputId={`${id}-url`} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-secret`}>Webhook secret</label>
        <div className="secret-row">
          <input id={`${id}-secret`} readOnly value={source.secret ?? ''} className="secret" onFocus={(event) => event.target.select()} />
          <CopyButton text={source.secret ?? ''} label="Copy secret" fallbackInputId={`${id}-secret`} />
        </div>
      </div>
      <h4>Where to paste them</h4>
      <ul className="webhook-help">
        <li><strong>GitHub:</strong> the repository’s Settings → Webhooks → Add webhook. Payload URL: the webhook URL;
          Content type: <code>application/json</code>; Secret: the secret; “Just the push event”.</li>
        <li><strong>GitLab:</strong> the project’s Settings → Webhooks → Add new webhook. URL: the webhook URL;
          Secret token: the secret; Trigger: Push events.</li>
        <li><strong>Gitea or Forgejo:</strong> the repository’s Settings → Webhooks → Add webhook → Gitea (or Forgejo).
          Target URL: the webhook URL; POST content type: <code>application/json</code>; Secret: the secret;
          Trigger on: Push events.</li>
      </ul>
      <p className="muted">Each push to branch <strong>{source.branch}</strong> then deploys; pushes to other branches are ignored.</p>
      <button type="button" onClick={onDone}>I have saved it</button>
    </section>
  );
}

function GitForm({ siteName, initial, onSaved, onCancel }: {
  siteName: string;
  initial: GitSource | null;
  onSaved(source: GitSource): void;
  onCancel?(): void;
}) {
  const api = useApi();
  const id = useId();
  const [repositoryUrl, setRepositoryUrl] = useState(initial?.repositoryUrl ?? '');
  const [branch, setBranch] = useState(initial?.branch ?? 'main');
  const [path, setPath] = useState(initial?.path ?? '');
  const [credential, setCredential] = useState<Credential>((initial?.credential as Credential | undefined) ?? 'none');
  const [tokenUsername, setTokenUsername] = useState(initial?.tokenUsername ?? '');
  const [token, setToken] = useState('');
  const [rotateDeployKey, setRotateDeployKey] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // After a refusal, the focus goes to the first field to correct once it is marked invalid
  // (an effect runs after React has rendered the marks; a timer could run before).
  const [refusals, setRefusals] = useState(0);
  useEffect(() => {
    if (refusals > 0) {
      form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    }
  }, [refusals]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    const urlProblem = repositoryUrlProblem(repositoryUrl, credential);
    if (urlProblem) {
      local.repositoryUrl = urlProblem;
    }
    if (branch.trim() === '') {
      local.branch = 'Enter the branch to deploy, such as main.';
    }
    if (credential === 'token' && token.trim() === '' && initial?.credential !== 'token') {
      local.token = 'Enter the access token.';
    }
    if (Object.keys(local).length > 0) {
      setProblem({ status: null, type: null, message: '', fields: local });
      setRefusals((count) => count + 1);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const saved = await api.deploys.putGitSource({
        siteName,
        gitSourceRequest: {
          repositoryUrl: repositoryUrl.trim(), branch: branch.trim(), path: path.trim(),
          ...(credential === 'none' ? {} : { credential }),
          ...(credential === 'token' && tokenUsername.trim() !== '' ? { tokenUsername: tokenUsername.trim() } : {}),
          ...(credential === 'token' && token.trim() !== '' ? { token: token.trim() } : {}),
          ...(credential === 'deployKey' && rotateDeployKey ? { rotateDeployKey: true } : {}),
        },
      });
      onSaved(saved);
    } catch (failure) {
      setProblem(await readProblem(failure));
      setRefusals((count) => count + 1);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string, label: string) => fieldProblem(problem, field, label);
  const formLevel = formProblem(problem);
  const strayFields = problem && problem.status !== null
    ? Object.keys(problem.fields).filter((field) => !['repositoryUrl', 'branch', 'path', 'token', 'tokenUsername'].includes(field)) : [];

  return (
    <form ref={form} onSubmit={submit} noValidate aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>{initial ? 'Change the Git source' : 'Deploy from a Git repository'}</h3>
      <fieldset className="field">
        <legend>Access</legend>
        <label className="check"><input type="radio" name="credential" value="none" checked={credential === 'none'}
          onChange={() => setCredential('none')} /> Public repository</label>
        <label className="check"><input type="radio" name="credential" value="token" checked={credential === 'token'}
          onChange={() => setCredential('token')} /> Private, with an access token (https)</label>
        <label className="check"><input type="radio" name="credential" value="deployKey" checked={credential === 'deployKey'}
          onChange={() => setCredential('deployKey')} /> Private, with a deploy key (ssh)</label>
      </fieldset>
      <TextField label="Repository URL" name="repositoryUrl" type={credential === 'deployKey' ? 'text' : 'url'}
        inputMode="url" value={repositoryUrl} autoCapitalize="none" spellCheck={false} maxLength={2000}
        hint={credential === 'deployKey' ? 'The ssh address, such as git@github.com:you/site.git.'
          : 'The https address, such as https://github.com/you/site.git.'}
        error={fieldError('repositoryUrl', 'Repository URL')} onChange={(event) => setRepositoryUrl(event.target.value)} />
      {credential === 'token' ? (
        <>
          <TextField label="Token user name (optional)" name="tokenUsername" value={tokenUsername} autoCapitalize="none"
            spellCheck={false} maxLength={100} hint="GitHub: leave empty; GitLab: oauth2; Gitea or Forgejo: your user name."
            error={fieldError('tokenUsername', 'Token user name')} onChange={(event) => setTokenUsername(event.target.value)} />
          <TextField label="Access token" name="token" type="password" autoComplete="off" value={token} maxLength={500}
            hint={initial?.credential === 'token' ? 'Leave empty to keep the stored token. It is stored encrypted and never shown again.'
              : 'A token with read access to the repository. It is stored encrypted and never shown again.'}
            error={fieldError('token', 'Access token')} onChange={(event) => setToken(event.target.value)} />
        </>
      ) : null}
      {credential === 'deployKey' ? (
        initial?.credential === 'deployKey' ? (
          <label className="field"><input type="checkbox" checked={rotateDeployKey} onChange={(event) => setRotateDeployKey(event.target.checked)} />
            {' '}Make a new deploy key (add the new one at the Git host and remove the old one)</label>
        ) : <p className="muted">Saving makes the site’s deploy key: its public half is shown to add at your Git host.</p>
      ) : null}
      <TextField label="Branch" name="branch" value={branch} autoCapitalize="none" spellCheck={false} maxLength={255}
        hint="Pushes to this branch deploy; others are ignored." error={fieldError('branch', 'Branch')}
        onChange={(event) => setBranch(event.target.value)} />
      <TextField label="Folder to publish (optional)" name="path" value={path} autoCapitalize="none" spellCheck={false}
        maxLength={1024} hint="Leave empty to publish the whole repository, or name a folder such as public or docs/site."
        error={fieldError('path', 'Folder')} onChange={(event) => setPath(event.target.value)} />
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      {strayFields.length > 0 ? <Notice kind="error">{problem?.message}</Notice> : null}
      {initial ? <p className="muted">Saving makes a new webhook secret: update it at your Git host afterwards.</p> : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Save Git source'}</button>
        {onCancel ? <button type="button" onClick={onCancel} disabled={busy}>Cancel</button> : null}
      </div>
    </form>
  );
}

/**
 * The site's Git source: repository, how it is reached (public, an access token, the site's deploy
 * key), branch and folder. Saving shows the webhook URL
 * and a new secret exactly once (the API never shows that secret again), with where to paste them.
 */
export function GitSettings({ site }: { site: Site }) {
  const api = useApi();
  const id = useId();
  const [source, setSource] = useState<GitSource | null | undefined>(undefined);
  const [loadProblem, setLoadProblem] = useState<ProblemView | null>(null);
  const [justSaved, setJustSaved] = useState<GitSource | null>(null);
  const [editing, setEditing] = useState(false);
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [removeProblem, setRemoveProblem] = useState<ProblemView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [redeploying, setRedeploying] = useState(false);
  const [redeployProblem, setRedeployProblem] = useState<ProblemView | null>(null);
  const removeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let cancelled = false;
    api.deploys.getGitSource({ siteName: site.name }).then((loaded) => {
      if (!cancelled) {
        setSource(loaded);
      }
    }, async (failure) => {
      const problem = await readProblem(failure);
      if (!cancelled) {
        if (problem.status === 404) {
          setSource(null);
        } else {
          setLoadProblem(problem);
        }
      }
    });
    return () => {
      cancelled = true;
    };
  }, [api, site.name]);

  const remove = async () => {
    setRemoving(true);
    setRemoveProblem(null);
    try {
      await api.deploys.deleteGitSource({ siteName: site.name });
      setSource(null);
      setConfirmingRemove(false);
      setNotice('Git source removed. Pushes no longer deploy; the live site is unchanged.');
    } catch (failure) {
      setRemoveProblem(await readProblem(failure));
    } finally {
      setRemoving(false);
    }
  };
  const redeploy = async () => {
    setRedeploying(true);
    setRedeployProblem(null);
    setNotice(null);
    try {
      await api.deploys.redeploySite({ siteName: site.name });
      setNotice(`Deploying the head of ${source?.branch ?? 'the branch'}: follow it in the deploy history.`);
      announceDeploysChanged(site.name);
    } catch (failure) {
      setRedeployProblem(await readProblem(failure));
    } finally {
      setRedeploying(false);
    }
  };
  const cancelRemove = () => {
    setConfirmingRemove(false);
    setTimeout(() => removeButton.current?.focus(), 0);
  };

  if (site.observedState === 'deleting') {
    return <p>Nothing to set up: the site is being deleted.</p>;
  }
  if (loadProblem) {
    return <Notice kind="error">Could not load the Git settings. {loadProblem.message}</Notice>;
  }
  if (source === undefined) {
    return <p role="status">Loading…</p>;
  }
  if (justSaved) {
    return <WebhookSecret source={justSaved} onDone={() => setJustSaved(null)} />;
  }
  const saved = (next: GitSource) => {
    setNotice(null);
    setEditing(false);
    setSource({ ...next, secret: undefined });
    setJustSaved(next);
  };
  if (source === null || editing) {
    return (
      <>
        {notice ? <Notice kind="success">{notice}</Notice> : null}
        {source === null ? <p>Push to a Git repository and Berth deploys the new commit: set it up here, then add the webhook at your Git host.</p> : null}
        <GitForm siteName={site.name} initial={source} onSaved={saved} onCancel={editing ? () => setEditing(false) : undefined} />
      </>
    );
  }
  return (
    <>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <dl className="facts">
        <div><dt>Repository</dt><dd><code>{source.repositoryUrl}</code></dd></div>
        <div><dt>Access</dt><dd>{source.credential === 'token' ? `Access token${source.tokenUsername ? ` (user ${source.tokenUsername})` : ''}, stored encrypted`
          : source.credential === 'deployKey' ? 'Deploy key' : 'Public'}</dd></div>
        {source.credential === 'deployKey' ? (
          <div><dt>Git host’s SSH key</dt><dd>{source.hostKeyFingerprint
            ? <><code>{source.hostKeyFingerprint}</code> (trusted on first use; compare it with your Git host’s)</>
            : 'Not seen yet: the first deploy trusts the key it meets'}</dd></div>
        ) : null}
        <div><dt>Branch</dt><dd>{source.branch}</dd></div>
        <div><dt>Folder</dt><dd>{source.path === '' ? 'The whole repository' : <code>{source.path}</code>}</dd></div>
        <div><dt>Saved</dt><dd>{formatDateTime(source.updatedAt)}</dd></div>
      </dl>
      <div className="field">
        <label htmlFor={`${id}-webhook`}>Webhook URL</label>
        <div className="secret-row">
          <input id={`${id}-webhook`} readOnly value={source.webhookUrl} className="secret" onFocus={(event) => event.target.select()} />
          <CopyButton text={source.webhookUrl} label="Copy URL" fallbackInputId={`${id}-webhook`} />
        </div>
      </div>
      <DeployKeyField source={source} />
      <p className="muted">The secret was shown when the source was saved. Lost it? Save the source again for a new one.</p>
      {removeProblem ? <Notice kind="error">{removeProblem.message}</Notice> : null}
      {redeployProblem ? <Notice kind="error">{redeployProblem.message}</Notice> : null}
      {confirmingRemove ? (
        <div className="confirm" role="group" aria-labelledby={`${id}-remove`} onKeyDown={(event) => event.key === 'Escape' && cancelRemove()}>
          <p id={`${id}-remove`}><strong>Stop deploying from Git?</strong> The webhook stops working; the live site stays as it is.</p>
          <div className="button-row">
            <button type="button" className="danger" onClick={remove} disabled={removing} autoFocus>
              {removing ? 'Removing…' : 'Remove Git source'}
            </button>
            <button type="button" onClick={cancelRemove} disabled={removing}>Cancel</button>
          </div>
        </div>
      ) : (
        <div className="button-row">
          <button type="button" className="primary" onClick={redeploy} disabled={redeploying}>
            {redeploying ? 'Queuing…' : 'Deploy the branch now'}
          </button>
          <button type="button" onClick={() => {
            setNotice(null);
            setEditing(true);
          }}>Change…</button>
          <button ref={removeButton} type="button" onClick={() => setConfirmingRemove(true)}>Remove Git source…</button>
        </div>
      )}
    </>
  );
}
