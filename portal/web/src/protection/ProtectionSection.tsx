import { useState, type FormEvent } from 'react';
import type { Site, SiteProtection } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { fieldProblem, formProblem, readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';
import { formatDateTime } from '../format';

/** How a site is protected, in one sentence (never a password: the API does not have one to show). */
export function protectionText(protection: SiteProtection | undefined): string {
  if (!protection) {
    return 'Open: anybody with the address can visit.';
  }
  const parts: string[] = [];
  if (protection.passwordProtected) {
    parts.push(`asks for the user name ${protection.username ?? ''} and its password`);
  }
  if (protection.allowedAddresses.length > 0) {
    parts.push(`admits only ${protection.allowedAddresses.join(', ')}`);
  }
  const where = protection.pathPrefix ? `Under ${protection.pathPrefix}, the site` : 'The site';
  return `${where} ${parts.join(' and ')}.`;
}

/** The addresses typed one per line (or separated by commas or spaces), empty ones dropped. */
export function addressesOf(text: string): string[] {
  return text.split(/[\s,]+/).map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/**
 * A site's protection: its state, a form that sets a password and/or an address allow-list
 * (optionally under a path), and removing it. The proxy enforces it within seconds.
 */
export function ProtectionSection({ site, onChanged }: { site: Site; onChanged(): void }) {
  const api = useApi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [pathPrefix, setPathPrefix] = useState('');
  const [addresses, setAddresses] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    setProblem(null);
    const allowed = addressesOf(addresses);
    if (username.trim() === '' && password === '' && allowed.length === 0) {
      setProblem({ status: null, type: null, message: 'Set a user name and password, allowed addresses, or both.', fields: {} });
      return;
    }
    setBusy(true);
    try {
      const saved = await api.protection.putSiteProtection({
        siteName: site.name,
        siteProtectionRequest: {
          username: username.trim() === '' ? undefined : username.trim(),
          password: password === '' ? undefined : password,
          pathPrefix: pathPrefix.trim() === '' ? undefined : pathPrefix.trim(),
          allowedAddresses: allowed,
        },
      });
      setPassword('');
      setNotice(`Saved. ${protectionText(saved)} It takes effect within seconds.`);
      onChanged();
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setNotice(null);
    setProblem(null);
    try {
      await api.protection.deleteSiteProtection({ siteName: site.name });
      setNotice('Protection removed: the site is open to everybody again.');
      onChanged();
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p data-protection={site.protection ? 'protected' : 'open'}>
        {protectionText(site.protection)}
        {site.protection ? <span className="muted"> Set {formatDateTime(site.protection.updatedAt)}.</span> : null}
      </p>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <form onSubmit={save} noValidate aria-label="Protect the site">
        {formProblem(problem) ? <Notice kind="error">{formProblem(problem)}</Notice> : null}
        <TextField label="User name" name="username" value={username} autoComplete="off" maxLength={64}
          hint="Visitors are asked for this name and the password (leave both empty for an address allow-list only)."
          error={fieldProblem(problem, 'username', 'The user name')}
          onChange={(event) => setUsername(event.target.value)} />
        <TextField label="Password" name="password" type="password" value={password} autoComplete="new-password" maxLength={128}
          hint="10 to 128 characters. Stored only as a salted hash; it cannot be shown again."
          error={fieldProblem(problem, 'password', 'The password')}
          onChange={(event) => setPassword(event.target.value)} />
        <TextField label="Only under this path" name="pathPrefix" value={pathPrefix} autoComplete="off" maxLength={200}
          placeholder="/staging" hint="Leave empty to protect the whole site."
          error={fieldProblem(problem, 'pathPrefix', 'The path')}
          onChange={(event) => setPathPrefix(event.target.value)} />
        <TextField label="Allowed addresses" name="allowedAddresses" value={addresses} autoComplete="off"
          placeholder="203.0.113.0/24, 2001:db8::/32" hint="IP addresses or CIDR blocks, separated by commas; empty admits any address."
          error={fieldProblem(problem, 'allowedAddresses', 'The allowed addresses')}
          onChange={(event) => setAddresses(event.target.value)} />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Protect the site'}</button>
          {site.protection
            ? <button type="button" className="danger" disabled={busy} onClick={remove}>Remove protection</button>
            : null}
        </div>
      </form>
    </>
  );
}
