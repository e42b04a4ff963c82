import { useRef, useState, type FormEvent } from 'react';
import type { Domain, Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { fieldSentence, readProblem, type ProblemView } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';
import { formatDateTime } from '../format';

/** A hostname the API may accept, checked before sending (the API still decides). Null when fine. */
export function hostnameProblem(value: string): string | null {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  if (name === '') {
    return 'Enter a domain name, such as www.example.org.';
  }
  if (name.length > 253) {
    return 'A domain name has at most 253 characters.';
  }
  if (/^[a-z]+:\/\//.test(name) || name.includes('/')) {
    return 'Enter the name only, without https:// or a path.';
  }
  const labels = name.split('.');
  if (labels.length < 2 || labels.some((label) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label))) {
    return 'Use a full domain name (like www.example.org): letters, digits and hyphens between dots.';
  }
  return null;
}

/** Where the problem of an add goes: the hostname field, unless it is about something else (quota). */
function hostnameError(problem: ProblemView | null): string | null {
  if (problem === null) {
    return null;
  }
  if (problem.fields.hostname) {
    return fieldSentence('The domain', problem.fields.hostname);
  }
  return problem.status === 400 || problem.status === 409 || problem.type?.endsWith('/domain-not-pointing') ? problem.message : null;
}

function DomainRow({ domain, onRemove, busy }: { domain: Domain; busy: boolean; onRemove(): void }) {
  const [confirming, setConfirming] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  return (
    <li className="domain-row" data-domain={domain.hostname}>
      <div>
        <a href={`http://${domain.hostname}/`} target="_blank" rel="noreferrer noopener">{domain.hostname}</a>
        <div className="muted">added {formatDateTime(domain.createdAt)}</div>
      </div>
      {confirming ? (
        <div className="button-row" onKeyDown={(event) => {
          if (event.key === 'Escape') {
            setConfirming(false);
            setTimeout(() => opener.current?.focus(), 0);
          }
        }}>
          <span>Stop serving {domain.hostname}? Its certificate is revoked.</span>
          <button type="button" className="danger" disabled={busy} autoFocus onClick={onRemove}>Remove {domain.hostname}</button>
          <button type="button" onClick={() => {
            setConfirming(false);
            setTimeout(() => opener.current?.focus(), 0);
          }}>Cancel</button>
        </div>
      ) : (
        <button ref={opener} type="button" onClick={() => setConfirming(true)} disabled={busy}>Remove…</button>
      )}
    </li>
  );
}

/** The site's own domains: add one that points at the platform, remove one after a confirmation. */
export function DomainsSection({ site, onChanged }: { site: Site; onChanged(): void }) {
  const api = useApi();
  const domains = usePoll(() => api.domains.listSiteDomains({ siteName: site.name }), () => 30000, site.name);
  const [hostname, setHostname] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [removeProblem, setRemoveProblem] = useState<string | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const local = hostnameProblem(hostname);
    setLocalError(local);
    setNotice(null);
    if (local) {
      return;
    }
    setBusy(true);
    setProblem(null);
    const name = hostname.trim().toLowerCase().replace(/\.$/, '');
    try {
      await api.domains.addSiteDomain({ siteName: site.name, addDomainRequest: { hostname: name } });
      setHostname('');
      setNotice(`${name} added. The host serves it within seconds and then asks for its certificate.`);
      domains.reload();
      onChanged();
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (domain: Domain) => {
    setBusy(true);
    setRemoveProblem(null);
    setNotice(null);
    try {
      await api.domains.removeSiteDomain({ siteName: site.name, hostname: domain.hostname });
      setNotice(`${domain.hostname} removed.`);
      domains.reload();
      onChanged();
    } catch (failure) {
      setRemoveProblem((await readProblem(failure)).message);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = localError ?? hostnameError(problem);
  const formLevel = problem && fieldError === null ? problem.message : null;
  const items = domains.data?.items ?? [];
  return (
    <>
      <p>
        Serve this site under a domain of your own too. First point the domain at the platform: a <code>CNAME</code> record
        to <code>{site.hostname}</code>, or <code>A</code>/<code>AAAA</code> records at the platform’s addresses.
      </p>
      {domains.error ? <Notice kind="error">Could not load the domains. {domains.error.message}</Notice> : null}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {removeProblem ? <Notice kind="error">{removeProblem}</Notice> : null}
      {domains.data && items.length === 0 ? <p className="muted">No custom domain yet.</p> : null}
      {items.length > 0 ? (
        <ul className="domain-list" aria-label={`Custom domains of ${site.name}`}>
          {items.map((domain) => <DomainRow key={domain.hostname} domain={domain} busy={busy} onRemove={() => remove(domain)} />)}
        </ul>
      ) : null}
      <form onSubmit={add} noValidate aria-label="Add a custom domain">
        {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
        <div className="inline-form">
          <TextField label="Custom domain" name="hostname" value={hostname} autoComplete="off" autoCapitalize="none"
            spellCheck={false} inputMode="url" maxLength={260} placeholder="www.example.org"
            hint="The name only, such as www.example.org." error={fieldError}
            onChange={(event) => {
              setHostname(event.target.value);
              setLocalError(null);
              setProblem(null);
            }} />
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Adding…' : 'Add domain'}</button>
        </div>
      </form>
    </>
  );
}
