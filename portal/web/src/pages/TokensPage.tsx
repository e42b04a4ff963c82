import { useId, useState, type FormEvent } from 'react';
import type { CreatedToken, PersonalAccessToken, TokenScope } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { readProblem, type ProblemView, fieldProblem, formProblem } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { CopyButton } from '../components/CopyButton';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { formatDateTime } from '../format';
import { focusFirstInvalid } from '../focusFirstInvalid';

const EXPIRY_CHOICES = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Never' },
];

/** The secret of a new token, shown this once: the API keeps only its hash. */
function NewTokenSecret({ token, onDone }: { token: CreatedToken; onDone(): void }) {
  const inputId = useId();
  return (
    <section className="panel panel-secret" aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Token {token.name} created</h2>
      <p><strong>Copy it now.</strong> It is shown only this once; Berth keeps only a fingerprint of it.</p>
      <div className="secret-row">
        <label htmlFor={inputId} className="visually-hidden">Token secret</label>
        <input id={inputId} readOnly value={token.token} className="secret" onFocus={(event) => event.target.select()} />
        <CopyButton text={token.token} fallbackInputId={inputId} />
      </div>
      <p className="muted">Use it as <code>Authorization: Bearer …</code> in scripts and with the SDK.</p>
      <button type="button" onClick={onDone}>I have saved it</button>
    </section>
  );
}

function CreateTokenForm({ onCreated }: { onCreated(token: CreatedToken): void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read']);
  const [siteName, setSiteName] = useState('');
  const [expiryDays, setExpiryDays] = useState(90);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const toggle = (scope: TokenScope) => setScopes((current) =>
    current.includes(scope) ? current.filter((s) => s !== scope) : [...current, scope]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (name.trim() === '') {
      local.name = 'Give the token a name, such as “deploy script”.';
    }
    if (scopes.length === 0) {
      local.scopes = 'Choose at least one permission.';
    }
    if (Object.keys(local).length > 0) {
      setProblem({ status: null, type: null, message: '', fields: local });
      focusFirstInvalid(event.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const created = await api.tokens.createToken({
        createTokenRequest: {
          name: name.trim(),
          scopes,
          siteName: siteName.trim() === '' ? undefined : siteName.trim(),
          expiresInDays: expiryDays === 0 ? undefined : expiryDays,
        },
      });
      setName('');
      setSiteName('');
      onCreated(created);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string, label: string) => fieldProblem(problem, field, label);
  const formLevel = formProblem(problem);
  const scopesError = fieldError('scopes', 'Permissions');

  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Create a token</h2>
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      <TextField label="Name" name="name" value={name} maxLength={100} error={fieldError('name', 'Name')}
        onChange={(event) => setName(event.target.value)} />
      <fieldset className={scopesError ? 'field-invalid' : undefined} aria-describedby={scopesError ? `${id}-scopes-error` : undefined}>
        <legend>Permissions</legend>
        <label className="check"><input type="checkbox" checked={scopes.includes('read')} onChange={() => toggle('read')} /> Read</label>
        <label className="check"><input type="checkbox" checked={scopes.includes('write')} onChange={() => toggle('write')} /> Write (create, start, stop, delete)</label>
        {scopesError ? <div id={`${id}-scopes-error`} className="field-error">{scopesError}</div> : null}
      </fieldset>
      <TextField label="Only for site (optional)" name="siteName" value={siteName} maxLength={63} autoCapitalize="none"
        hint="Leave empty for a token that works on every site of your tenant." error={fieldError('siteName', 'Site')}
        onChange={(event) => setSiteName(event.target.value)} />
      <div className="field">
        <label htmlFor={`${id}-expiry`}>Expires after</label>
        <select id={`${id}-expiry`} value={expiryDays} onChange={(event) => setExpiryDays(Number(event.target.value))}>
          {EXPIRY_CHOICES.map((choice) => <option key={choice.days} value={choice.days}>{choice.label}</option>)}
        </select>
        {fieldError('expiresInDays', 'Expiry') ? <div className="field-error">{fieldError('expiresInDays', 'Expiry')}</div> : null}
      </div>
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create token'}</button>
    </form>
  );
}

function TokenRow({ token, onRevoked }: { token: PersonalAccessToken; onRevoked(): void }) {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const revoke = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.tokens.deleteToken({ tokenId: token.id });
      onRevoked();
    } catch (failure) {
      setProblem(await readProblem(failure));
      setBusy(false);
    }
  };
  return (
    <li className="token-card" data-token={token.name}>
      <div className="token-head">
        <h3>{token.name}</h3>
        <code>{token.prefix}…</code>
      </div>
      <dl className="facts">
        <div><dt>Permissions</dt><dd>{token.scopes.join(', ')}</dd></div>
        <div><dt>Site</dt><dd>{token.siteName ?? 'All sites'}</dd></div>
        <div><dt>Created</dt><dd>{formatDateTime(token.createdAt)}</dd></div>
        <div><dt>Expires</dt><dd>{token.expiresAt ? formatDateTime(token.expiresAt) : 'Never'}</dd></div>
        <div><dt>Last used</dt><dd>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'Never'}</dd></div>
      </dl>
      {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      {confirming ? (
        <div className="button-row" role="group" aria-label={`Revoke ${token.name}?`}>
          <span>Scripts using it stop working at once.</span>
          <button type="button" className="danger" onClick={revoke} disabled={busy} autoFocus>
            {busy ? 'Revoking…' : `Revoke ${token.name}`}
          </button>
          <button type="button" onClick={() => setConfirming(false)} disabled={busy}>Cancel</button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>Revoke…</button>
      )}
    </li>
  );
}

export function TokensPage() {
  const api = useApi();
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const tokens = usePoll(() => api.tokens.listTokens(), () => null);
  const items = tokens.data?.items ?? [];
  return (
    <section>
      <PageHeading title="Access tokens">Access tokens</PageHeading>
      <p>Personal access tokens let scripts, the CLI and the SDK use the API as you.</p>
      {created ? <NewTokenSecret token={created} onDone={() => setCreated(null)} /> : (
        <CreateTokenForm onCreated={(token) => {
          setRevoked(null);
          setCreated(token);
          tokens.reload();
        }} />
      )}
      {revoked ? <Notice kind="success">Token {revoked} revoked.</Notice> : null}
      <h2>Your tokens</h2>
      {tokens.error ? <Notice kind="error">Could not load your tokens. {tokens.error.message}</Notice> : null}
      {tokens.loading ? <p role="status">Loading…</p> : null}
      {!tokens.loading && items.length === 0 && !tokens.error ? <p>You have no tokens.</p> : null}
      <ul className="token-list" aria-label="Your tokens">
        {items.map((token) => (
          <TokenRow key={token.id} token={token} onRevoked={() => {
            setRevoked(token.name);
            tokens.reload();
          }} />
        ))}
      </ul>
    </section>
  );
}
