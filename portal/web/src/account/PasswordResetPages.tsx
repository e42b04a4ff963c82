import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { useApi } from '../auth/AuthProvider';
import { readProblem, type ProblemView, fieldProblem, formProblem } from '../api/problems';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { focusFirstInvalid } from '../focusFirstInvalid';
import { newPasswordProblems } from './newPassword';

/** "Forgot your password?": asks for a reset link; the answer never says whether the address has an account. */
export function ForgotPasswordPage() {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!email.includes('@')) {
      setProblem({ status: null, type: null, message: '', fields: { email: 'Enter the e-mail address you log in with.' } });
      focusFirstInvalid(event.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await api.account.requestPasswordReset({ passwordResetRequest: { email: email.trim() } });
      setSentTo(email.trim());
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = fieldProblem(problem, 'email', 'E-mail address');
  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-large">Berth</p>
        <PageHeading title="Forgot your password?">Forgot your password?</PageHeading>
        {sentTo ? (
          <Notice kind="success">
            If an account has the address {sentTo}, a link to choose a new password is on its way. It works once, for 30 minutes.
          </Notice>
        ) : (
          <>
            <p>Enter the address you log in with, and we will e-mail you a link to choose a new password.</p>
            {problem && !fieldError ? <Notice kind="error">{problem.message}</Notice> : null}
            <form method="post" onSubmit={submit} noValidate>
              <TextField label="E-mail address" type="email" name="email" autoComplete="username" required value={email}
                error={fieldError} onChange={(event) => setEmail(event.target.value)} />
              <button type="submit" className="primary" disabled={busy}>{busy ? 'Sending…' : 'Send the link'}</button>
            </form>
          </>
        )}
        <p><Link to="/login">Back to log in</Link></p>
      </div>
    </main>
  );
}

/** Where a reset link leads: the token travels after #, so it never reaches a server log. */
export function ResetPasswordPage() {
  const api = useApi();
  const location = useLocation();
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = newPasswordProblems(next, again, 'The two passwords differ.');
    if (Object.keys(local).length > 0) {
      setProblem({ status: null, type: null, message: '', fields: local });
      focusFirstInvalid(event.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await api.account.confirmPasswordReset({ passwordResetConfirmation: { token, newPassword: next } });
      setDone(true);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string, label: string) => fieldProblem(problem, field, label);
  const formLevel = formProblem(problem);
  const linkUnusable = problem?.type?.endsWith('/reset-token-invalid') ?? false;

  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-large">Berth</p>
        <PageHeading title="Choose a new password">Choose a new password</PageHeading>
        {token === '' ? (
          <Notice kind="error">This page needs the link from the e-mail. <Link to="/forgot-password">Ask for a new link</Link>.</Notice>
        ) : done ? (
          <Notice kind="success">Your password is set, and you were logged out everywhere. <Link to="/login">Log in</Link> with it.</Notice>
        ) : (
          <>
            {formLevel ? (
              <Notice kind="error">
                {formLevel}{linkUnusable ? <> <Link to="/forgot-password">Ask for a new link</Link>.</> : null}
              </Notice>
            ) : null}
            <form method="post" onSubmit={submit} noValidate>
              <TextField label="New password" type="password" name="newPassword" autoComplete="new-password" value={next}
                maxLength={256} hint="At least 12 characters." error={fieldError('newPassword', 'New password')}
                onChange={(event) => setNext(event.target.value)} />
              <TextField label="New password again" type="password" name="repeatPassword" autoComplete="new-password" value={again}
                maxLength={256} error={fieldError('repeatPassword', 'New password again')} onChange={(event) => setAgain(event.target.value)} />
              <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Set the password'}</button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
