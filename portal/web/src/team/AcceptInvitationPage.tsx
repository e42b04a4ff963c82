import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import type { AcceptedInvitation } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { fieldProblem, formProblem, readProblem, type ProblemView } from '../api/problems';

/** Where an invitation link leads: the token travels after #, so it never reaches a server log on the page load. */
export function AcceptInvitationPage() {
  const api = useApi();
  const location = useLocation();
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [accepted, setAccepted] = useState<AcceptedInvitation | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (password.length < 12) {
      local.password = 'Password: use at least 12 characters.';
    } else if (password !== again) {
      local.repeatPassword = 'The two passwords differ.';
    }
    if (Object.keys(local).length > 0) {
      setProblem({ status: null, type: null, message: '', fields: local });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      setAccepted(await api.invitations.acceptInvitation({ token, acceptInvitationRequest: { password } }));
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  const formLevel = formProblem(problem);
  const hasAccount = problem?.type?.endsWith('/account-exists') ?? false;

  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-large">Berth</p>
        <PageHeading title="Accept the invitation">Accept the invitation</PageHeading>
        {token === '' ? (
          <Notice kind="error">This page needs the link from the invitation e-mail.</Notice>
        ) : accepted ? (
          <Notice kind="success">
            You joined {accepted.tenantName} as {accepted.role}. <Link to="/login">Log in</Link> as {accepted.email}.
          </Notice>
        ) : (
          <>
            {formLevel ? (
              <Notice kind="error">{formLevel}{hasAccount ? <> <Link to="/login">Log in</Link> instead.</> : null}</Notice>
            ) : null}
            <form method="post" onSubmit={submit} noValidate>
              <TextField label="Password" type="password" name="password" autoComplete="new-password" value={password}
                maxLength={256} hint="At least 12 characters." error={fieldProblem(problem, 'password', 'Password')}
                onChange={(event) => setPassword(event.target.value)} />
              <TextField label="Password again" type="password" name="repeatPassword" autoComplete="new-password" value={again}
                maxLength={256} error={fieldProblem(problem, 'repeatPassword', 'Password again')}
                onChange={(event) => setAgain(event.target.value)} />
              <button type="submit" className="primary" disabled={busy}>{busy ? 'Joining…' : 'Join the team'}</button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
