import { useId, useState, type FormEvent } from 'react';
import type { TotpEnrolment } from '@berth/api';
import { useApi, useAuth } from '../auth/AuthProvider';
import { readProblem, formProblem, type ProblemView } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { CopyButton } from '../components/CopyButton';
import { Notice } from '../components/Notice';
import { TextField } from '../components/TextField';
import { formatDateTime } from '../format';

/** The secret in groups of four, as it is easier to type into an app. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/** The recovery codes of a confirmation or a renewal: shown this once, with a way to copy them all. */
function RecoveryCodesOnce({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const id = useId();
  return (
    <div className="panel" role="region" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Your recovery codes</h3>
      <Notice kind="info">
        Save these codes somewhere safe now: they are shown only this once. Each one signs you in once if you lose your
        authenticator app.
      </Notice>
      <ol className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => <li key={code}><code>{code}</code></li>)}
      </ol>
      <CopyButton text={codes.join('\n')} label="Copy all codes" />
      <button type="button" className="primary" onClick={onDone}>I have saved them</button>
    </div>
  );
}

/** The secret to add to an app, and the first code that turns two-factor sign-in on. */
function Enrol({ enrolment, onConfirmed, onCancel }: { enrolment: TotpEnrolment; onConfirmed(codes: string[]): void; onCancel(): void }) {
  const api = useApi();
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const uriId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.replace(/\s/g, ''))) {
      setProblem({ status: null, type: null, message: '', fields: { code: 'Enter the 6 digits your app shows.' } });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const confirmed = await api.twoFactor.confirmTotp({ totpConfirmation: { code: code.replace(/\s/g, '') } });
      onConfirmed(confirmed.recoveryCodes);
    } catch (failure) {
      const view = await readProblem(failure);
      setProblem(view.type?.endsWith('/wrong-code')
        ? { ...view, fields: { code: 'That code does not match. Check that the app’s clock is right and enter the current code.' } } : view);
      setBusy(false);
    }
  };
  const formLevel = formProblem(problem);
  return (
    <form className="panel" method="post" onSubmit={submit} noValidate aria-label="Set up two-factor sign-in">
      <p>Add Berth to an authenticator app (any app for TOTP codes): type this key into it, or paste the link into an app that
        reads <code>otpauth://</code> links.</p>
      <p className="totp-key">Key: <code data-testid="totp-secret">{groupedSecret(enrolment.secret)}</code>{' '}
        <CopyButton text={enrolment.secret} label="Copy key" /></p>
      <p className="muted">Time-based, {enrolment.digits} digits, every {enrolment.periodSeconds} seconds ({enrolment.algorithm}).</p>
      <div className="field">
        <label htmlFor={uriId}>Setup link</label>
        <input id={uriId} readOnly value={enrolment.otpauthUri} data-testid="totp-uri" />
        <CopyButton text={enrolment.otpauthUri} label="Copy link" fallbackInputId={uriId} />
      </div>
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      <TextField label="Code from the app" name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={6}
        hint="Enter the code the app now shows to turn two-factor sign-in on." error={problem?.fields.code ?? null}
        value={code} onChange={(event) => setCode(event.target.value)} />
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Checking…' : 'Turn on'}</button>
      <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
    </form>
  );
}

/** Proof for turning it off or renewing the codes: the password (a code or a recovery code also works through the API). */
function PasswordAction({ label, busyLabel, onSubmit }: { label: string; busyLabel: string; onSubmit(password: string): Promise<void> }) {
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password === '') {
      setProblem({ status: null, type: null, message: '', fields: { password: 'Enter your password.' } });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await onSubmit(password);
      setPassword('');
    } catch (failure) {
      const view = await readProblem(failure);
      setProblem(view.type?.endsWith('/wrong-password') ? { ...view, fields: { password: 'The password is wrong.' } } : view);
    } finally {
      setBusy(false);
    }
  };
  const formLevel = formProblem(problem);
  return (
    <form method="post" onSubmit={submit} noValidate aria-label={label}>
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      <TextField label="Password" type="password" name="password" autoComplete="current-password" value={password}
        error={problem?.fields.password ?? null} onChange={(event) => setPassword(event.target.value)} />
      <button type="submit" disabled={busy}>{busy ? busyLabel : label}</button>
    </form>
  );
}

/** The Account page's two-factor sign-in: enrol an app, see the recovery codes once, renew them, turn it off. */
export function TwoFactorSection() {
  const api = useApi();
  const { reloadMe } = useAuth();
  const status = usePoll(() => api.twoFactor.getTotp(), () => null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const current = status.data;

  const start = async () => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    try {
      setEnrolment(await api.twoFactor.startTotpEnrolment());
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel two-factor" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Two-factor sign-in</h2>
      {current?.required && !current.enabled ? (
        <Notice kind="info">This platform requires two-factor sign-in of its admins: turn it on to use anything else.</Notice>
      ) : null}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      {status.error ? <Notice kind="error">Could not load the two-factor settings. {status.error.message}</Notice> : null}
      {codes ? (
        <RecoveryCodesOnce codes={codes} onDone={() => setCodes(null)} />
      ) : enrolment ? (
        <Enrol enrolment={enrolment} onCancel={() => setEnrolment(null)} onConfirmed={(made) => {
          setEnrolment(null);
          setCodes(made);
          setNotice('Two-factor sign-in is on. Your other sessions were signed out.');
          status.reload();
          void reloadMe();
        }} />
      ) : current?.enabled ? (
        <>
          <p>On since {current.enabledAt ? formatDateTime(current.enabledAt) : 'now'}: logging in asks for a code from your
            authenticator app. <strong>{current.recoveryCodesLeft}</strong> of 10 recovery codes left.</p>
          <h3>New recovery codes</h3>
          <p className="muted">Makes 10 new codes; the old ones stop working.</p>
          <PasswordAction label="Make new recovery codes" busyLabel="Making…" onSubmit={async (password) => {
            const made = await api.twoFactor.regenerateRecoveryCodes({ totpProof: { password } });
            setNotice(null);
            setCodes(made.recoveryCodes);
            status.reload();
          }} />
          <h3>Turn off</h3>
          <PasswordAction label="Turn off two-factor sign-in" busyLabel="Turning off…" onSubmit={async (password) => {
            await api.twoFactor.disableTotp({ totpProof: { password } });
            setNotice('Two-factor sign-in is off: your password alone signs you in.');
            status.reload();
            await reloadMe();
          }} />
        </>
      ) : current ? (
        <>
          <p>Off: your password alone signs you in. With it on, logging in also asks for a code from an authenticator app
            on your phone.</p>
          <button type="button" className="primary" onClick={start} disabled={busy}>{busy ? 'Starting…' : 'Set up two-factor sign-in'}</button>
        </>
      ) : status.loading ? <p role="status">Loading…</p> : null}
    </section>
  );
}
