import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth/AuthProvider';
import { readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';

export function LoginPage() {
  const { logIn, endedReason } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await logIn(email.trim(), password);
      navigate(from && from.startsWith('/') ? from : '/sites', { replace: true });
    } catch (failure) {
      setProblem(await readProblem(failure));
      setBusy(false);
    }
  };

  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-large">Berth</p>
        <PageHeading title="Log in">Log in</PageHeading>
        {endedReason && !problem ? <Notice kind="info">{endedReason}</Notice> : null}
        {problem ? <Notice kind="error">{problem.message}</Notice> : null}
        {/* method="post": were scripts ever off, the browser must not put the password in the URL. */}
        <form method="post" onSubmit={submit} noValidate>
          <TextField label="E-mail address" type="email" name="email" autoComplete="username" required
            value={email} onChange={(event) => setEmail(event.target.value)} />
          <TextField label="Password" type="password" name="password" autoComplete="current-password" required
            value={password} onChange={(event) => setPassword(event.target.value)} />
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
        </form>
        <p><Link to="/forgot-password">Forgot your password?</Link></p>
        <p>New to Berth? <Link to="/signup">Create an account</Link></p>
      </div>
    </main>
  );
}
