import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { fieldSentence, readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';
import { NO_RESERVED_NAMES, siteNameProblem } from '../siteName';

function newIdempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

/** How long typing must pause before the API is asked whether the name is free. */
export const AVAILABILITY_DELAY_MS = 300;

type Availability =
  | { name: string; state: 'checking' }
  | { name: string; state: 'free'; hostname: string }
  | { name: string; state: 'refused'; message: string }
  | { name: string; state: 'unknown' };

/**
 * The name is checked as it is typed: first against the API's rules and the tenant's own sites
 * here, then (after a pause in typing) by the API's availability check, which knows every tenant's
 * names without saying whose. The create itself stays the judge: its 409 is shown at the field too.
 */
export function CreateSiteForm({ existing, domain, reserved = NO_RESERVED_NAMES, onCreated }: {
  existing: Site[];
  /** The platform's domain, when known, to show the address the site will get. */
  domain: string | null;
  /** The site names the platform reserves, when known. */
  reserved?: ReadonlySet<string>;
  onCreated(site: Site): void;
}) {
  const api = useApi();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per intended site: a retry after a lost answer cannot create a second one.
  const idempotencyKey = useRef(newIdempotencyKey());

  const [availability, setAvailability] = useState<Availability | null>(null);
  const asked = useRef('');

  const localProblem = name === '' ? null
    : siteNameProblem(name, reserved) ?? (existing.some((site) => site.name === name) ? 'You already have a site with this name.' : null);

  useEffect(() => {
    asked.current = name;
    if (name === '' || localProblem !== null) {
      setAvailability(null);
      return undefined;
    }
    setAvailability({ name, state: 'checking' });
    const timer = setTimeout(async () => {
      let next: Availability;
      try {
        const free = await api.platform.checkSiteName({ siteName: name });
        next = { name, state: 'free', hostname: free.hostname };
      } catch (failure) {
        const refusal = await readProblem(failure);
        next = refusal.status === 409 ? { name, state: 'refused', message: 'This name is taken. Choose another one.' }
          : refusal.status === 400 ? { name, state: 'refused', message: refusal.fields.name ? fieldSentence('Name', refusal.fields.name) : refusal.message }
            : { name, state: 'unknown' };
      }
      if (asked.current === name) {
        setAvailability(next);
      }
    }, AVAILABILITY_DELAY_MS);
    return () => clearTimeout(timer);
  }, [name, localProblem, api]);

  const current = availability !== null && availability.name === name ? availability : null;
  const serverProblem = problem?.fields.name ? fieldSentence('Name', problem.fields.name) : null;
  const error = localProblem ?? serverProblem ?? (current?.state === 'refused' ? current.message : null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const blocking = siteNameProblem(name, reserved);
    if (blocking || localProblem) {
      setProblem({ status: null, type: null, message: '', fields: { name: blocking ?? localProblem ?? '' } });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const site = await api.sites.createSite({ createSiteRequest: { name }, idempotencyKey: idempotencyKey.current });
      idempotencyKey.current = newIdempotencyKey();
      setName('');
      onCreated(site);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  const formLevel = problem && !problem.fields.name && problem.message ? problem.message : null;
  let hint: ReactNode = 'Lower-case letters, digits and hyphens; up to 63.';
  if (error === null && current?.state === 'checking') {
    hint = <span role="status">Checking whether {name} is free…</span>;
  } else if (error === null && current?.state === 'free') {
    hint = <span role="status"><strong>{name}</strong> is free: your site will be at <strong>{current.hostname}</strong></span>;
  } else if (error === null && name !== '' && domain) {
    hint = <>Your site will be at <strong>{name}.{domain}</strong></>;
  }
  return (
    <form className="create-site" onSubmit={submit} noValidate aria-labelledby="create-site-heading">
      <h2 id="create-site-heading">Create a site</h2>
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      <div className="inline-form">
        <TextField
          label="Site name"
          name="name"
          value={name}
          maxLength={80}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          hint={hint}
          error={error}
          onChange={(event) => {
            setName(event.target.value);
            if (problem) {
              setProblem(null);
              idempotencyKey.current = newIdempotencyKey();
            }
          }}
        />
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create site'}</button>
      </div>
    </form>
  );
}
