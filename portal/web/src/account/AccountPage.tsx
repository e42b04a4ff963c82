import { useId, useState, type FormEvent } from 'react';
import type { LoginSession } from '@berth/api';
import { useApi, useAuth } from '../auth/AuthProvider';
import { readProblem, type ProblemView, fieldProblem, formProblem } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { formatDateTime } from '../format';
import { focusFirstInvalid } from '../focusFirstInvalid';
import { newPasswordProblems } from './newPassword';
import { TwoFactorSection } from './TwoFactorSection';

/** The current password, a new one typed twice; on success every other session is signed out. */
function ChangePasswordForm({ onChanged }: { onChanged(): void }) {
  const api = useApi();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {
      ...(current === '' ? { currentPassword: 'Enter your current password.' } : {}),
      ...newPasswordProblems(next, again, 'The two new passwords differ.'),
    };
    setDone(false);
    if (Object.keys(local).length > 0) {
      setProblem({ status: null, type: null, message: '', fields: local });
      focusFirstInvalid(event.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await api.account.changePassword({ changePasswordRequest: { currentPassword: current, newPassword: next } });
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
      onChanged();
    } catch (failure) {
      const view = await readProblem(failure);
      // The wrong current password is that field's fault, not the form's.
      setProblem(view.type?.endsWith('/wrong-password')
        ? { ...view, fields: { currentPassword: 'The current password is wrong.' } } : view);
    } finally {
      setBusy(false);
    }
  };
  // The wrong current password is a sentence of its own ("The current password is wrong."), not one to join with the label.
  const fieldError = (field: string, label: string) => (field === 'currentPassword' ? problem?.fields[field] ?? null : fieldProblem(problem, field, label));
  const formLevel = formProblem(problem);

  return (
    <form className="panel" method="post" onSubmit={submit} noValidate aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Change password</h2>
      {done ? <Notice kind="success">Password changed. Your other sessions were signed out.</Notice> : null}
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      <TextField label="Current password" type="password" name="currentPassword" autoComplete="current-password" value={current}
        error={fieldError('currentPassword', 'Current password')} onChange={(event) => setCurrent(event.target.value)} />
      <TextField label="New password" type="password" name="newPassword" autoComplete="new-password" value={next} maxLength={256}
        hint="At least 12 characters." error={fieldError('newPassword', 'New password')} onChange={(event) => setNext(event.target.value)} />
      <TextField label="New password again" type="password" name="repeatPassword" autoComplete="new-password" value={again}
        maxLength={256} error={fieldError('repeatPassword', 'New password again')} onChange={(event) => setAgain(event.target.value)} />
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Changing…' : 'Change password'}</button>
    </form>
  );
}

function SessionRow({ session, onEnded }: { session: LoginSession; onEnded(): void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const label = session.userAgent ?? 'Unknown browser or program';
  const end = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.account.endSession({ sessionId: session.id });
      onEnded();
    } catch (failure) {
      setProblem(await readProblem(failure));
      setBusy(false);
    }
  };
  return (
    <li className="token-card" data-session={session.id}>
      <div className="token-head">
        <h3>{label}</h3>
        {session.current ? <span className="badge">This session</span> : null}
      </div>
      <dl className="facts">
        <div><dt>Address</dt><dd>{session.clientAddress ?? 'Unknown'}</dd></div>
        <div><dt>Signed in</dt><dd>{formatDateTime(session.createdAt)}</dd></div>
        <div><dt>Last active</dt><dd>{formatDateTime(session.lastUsedAt)}</dd></div>
      </dl>
      {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      {session.current ? null : (
        <button type="button" onClick={end} disabled={busy} aria-label={`Sign out ${label}, last active ${formatDateTime(session.lastUsedAt)}`}>
          {busy ? 'Signing out…' : 'Sign out'}
        </button>
      )}
    </li>
  );
}

/** The signed-in user's own account: the password, two-factor sign-in and the login sessions. */
export function AccountPage() {
  const api = useApi();
  const { me } = useAuth();
  const [ended, setEnded] = useState(false);
  const sessions = usePoll(() => api.account.listSessions(), () => null);
  const items = sessions.data?.items ?? [];
  return (
    <section>
      <PageHeading title="Your account">Your account</PageHeading>
      <p>Signed in as <strong>{me?.email}</strong>.</p>
      <ChangePasswordForm onChanged={() => sessions.reload()} />
      <TwoFactorSection />
      <h2>Where you are signed in</h2>
      <p className="muted">Each browser or program that logged in with your password. Access tokens for scripts are on the Tokens page.</p>
      {ended ? <Notice kind="success">That session was signed out.</Notice> : null}
      {sessions.error ? <Notice kind="error">Could not load your sessions. {sessions.error.message}</Notice> : null}
      {sessions.loading ? <p role="status">Loading…</p> : null}
      <ul className="token-list" aria-label="Your sessions">
        {items.map((session) => (
          <SessionRow key={session.id} session={session} onEnded={() => {
            setEnded(true);
            sessions.reload();
          }} />
        ))}
      </ul>
    </section>
  );
}
