import { useRef, useState, type FormEvent } from 'react';
import type { Site } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { fieldSentence, readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';
import { siteNameProblem } from '../siteName';

function newIdempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

/**
 * The name is checked as it is typed against the API's rules and against the tenant's own sites;
 * whether another tenant holds it only the API knows, and its 409 is shown at the field.
 */
export function CreateSiteForm({ existing, domain, onCreated }: {
  existing: Site[];
  /** The platform's domain, when known, to show the address the site will get. */
  domain: string | null;
  onCreated(site: Site): void;
}) {
  const api = useApi();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per intended site: a retry after a lost answer cannot create a second one.
  const idempotencyKey = useRef(newIdempotencyKey());

  const localProblem = name === '' ? null
    : siteNameProblem(name) ?? (existing.some((site) => site.name === name) ? 'You already have a site with this name.' : null);
  const serverProblem = problem?.fields.name ? fieldSentence('Name', problem.fields.name) : null;
  const error = localProblem ?? serverProblem;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const blocking = siteNameProblem(name);
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
  const available = name !== '' && error === null;
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
          hint={available && domain ? <>Your site will be at <strong>{name}.{domain}</strong></> : 'Lower-case letters, digits and hyphens; up to 63.'}
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
