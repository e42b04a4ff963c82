import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Domain, Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { fieldSentence, readProblem, type ProblemView } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';
import { CopyButton } from '../components/CopyButton';
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
  return problem.status === 400 || problem.status === 409 ? problem.message : null;
}

/** A domain's state in words: only a verified domain is served. */
export function domainStateText(domain: Domain): string {
  switch (domain.status) {
    case 'verified':
      return 'Served: its DNS proves it is yours.';
    case 'lost':
      return 'Not served any more: its DNS no longer proves it is yours.';
    default:
      return 'Not served yet: waiting for its DNS to prove it is yours.';
  }
}

/** The TXT record that proves a domain belongs to this tenant, with Copy buttons. */
function ProofRecord({ name, value }: { name: string; value: string }) {
  return (
    <dl className="proof-record">
      <dt>TXT record</dt>
      <dd><code>{name}</code> <CopyButton text={name} label={`Copy the name ${name}`} /></dd>
      <dt>Value</dt>
      <dd><code>{value}</code> <CopyButton text={value} label="Copy the value" /></dd>
    </dl>
  );
}

function DomainRow({ domain, onRemove, onCheck, busy }: { domain: Domain; busy: boolean; onRemove(): void; onCheck(): void }) {
  const [confirming, setConfirming] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const served = domain.status === 'verified';
  return (
    <li className="domain-row" data-domain={domain.hostname} data-status={domain.status}>
      <div>
        {served
          ? <a href={`http://${domain.hostname}/`} target="_blank" rel="noreferrer noopener">{domain.hostname}</a>
          : <strong>{domain.hostname}</strong>}
        <div>{domainStateText(domain)}</div>
        {domain.reason ? <div className="muted">{domain.reason}</div> : null}
        {served ? null : <ProofRecord name={domain.verification.recordName} value={domain.verification.value} />}
        <div className="muted">added {formatDateTime(domain.createdAt)}
          {domain.checkedAt ? <>, checked {formatDateTime(domain.checkedAt)}</> : null}</div>
      </div>
      {served || confirming ? null : <button type="button" onClick={onCheck} disabled={busy}>Check now</button>}
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

/**
 * The site's own domains: the TXT record that proves them yours, adding one (checked at once),
 * checking a pending one again, removing one after a confirmation.
 */
export function DomainsSection({ site, onChanged }: { site: Site; onChanged(): void }) {
  const api = useApi();
  const domains = usePoll(() => api.domains.listSiteDomains({ siteName: site.name }), () => 30000, site.name);
  const [token, setToken] = useState<string | null>(null);
  const [hostname, setHostname] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [removeProblem, setRemoveProblem] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.tenant.getTenant().then((tenant) => {
      if (!cancelled) {
        setToken(tenant.domainToken ?? null);
      }
    }, () => undefined);
    return () => {
      cancelled = true;
    };
  }, [api]);

  const submit = async (name: string): Promise<Domain> => {
    const domain = await api.domains.addSiteDomain({ siteName: site.name, addDomainRequest: { hostname: name } });
    domains.reload();
    onChanged();
    return domain;
  };

  const check = async (domain: Domain) => {
    setBusy(true);
    setNotice(null);
    setRemoveProblem(null);
    try {
      const checked = await submit(domain.hostname);
      setNotice(checked.status === 'verified' ? `${checked.hostname} is proven yours: the host serves it within seconds.`
        : `${checked.hostname} is not proven yet: ${checked.reason ?? 'its DNS does not hold the record yet.'}`);
    } catch (failure) {
      setRemoveProblem((await readProblem(failure)).message);
    } finally {
      setBusy(false);
    }
  };

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
      const added = await submit(name);
      setHostname('');
      setNotice(added.status === 'verified'
        ? `${name} added. The host serves it within seconds and then asks for its certificate.`
        : `${name} added, not served yet: publish its TXT record (below); it is checked again every few minutes, or now with Check now.`);
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
        Serve this site under a domain of your own too. Point the domain at the platform (a <code>CNAME</code> record
        to <code>{site.hostname}</code>, or <code>A</code>/<code>AAAA</code> records at the platform’s addresses) and
        prove it is yours: a <code>TXT</code> record <code>_berth-challenge.</code><em>your domain</em> holding your tenant’s
        token. The domain is served only while the record is there.
      </p>
      {token ? <p>Your token: <code>{token}</code> <CopyButton text={token} label="Copy the token" /></p> : null}
      {domains.error ? <Notice kind="error">Could not load the domains. {domains.error.message}</Notice> : null}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {removeProblem ? <Notice kind="error">{removeProblem}</Notice> : null}
      {domains.data && items.length === 0 ? <p className="muted">No custom domain yet.</p> : null}
      {items.length > 0 ? (
        <ul className="domain-list" aria-label={`Custom domains of ${site.name}`}>
          {items.map((domain) => <DomainRow key={domain.hostname} domain={domain} busy={busy} onRemove={() => remove(domain)}
            onCheck={() => check(domain)} />)}
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
