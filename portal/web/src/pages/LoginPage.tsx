import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth/AuthProvider';
import { readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';

/** Which proof the second step asks for, once the API said the password needs one (`totp-required`). */
type SecondStep = 'none' | 'code' | 'recovery';

export function LoginPage() {
  const { logIn, endedReason } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<SecondStep>('none');
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const proof = step === 'code' ? { totpCode: code.replace(/\s/g, '') } : step === 'recovery' ? { recoveryCode: code.trim() } : {};
      await logIn(email.trim(), password, proof);
      navigate(from && from.startsWith('/') ? from : '/sites', { replace: true });
    } catch (failure) {
      const view = await readProblem(failure);
      if (view.type?.endsWith('/totp-required')) {
        // The password was right; the same e-mail address and password go again with a code.
        setStep((current) => (current === 'none' ? 'code' : current));
        setCode('');
      } else if (view.type?.endsWith('/totp-invalid')) {
        setProblem({ ...view, message: step === 'recovery'
          ? 'That recovery code was not accepted: it is wrong or was already used.'
          : 'That code was not accepted: it is wrong, expired or already used. Wait for the next code and try again.' });
      } else {
        setProblem(view);
      }
      setBusy(false);
    }
  };

  const startOver = () => {
    setStep('none');
    setCode('');
    setPassword('');
    setProblem(null);
  };

  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-large">Berth</p>
        <PageHeading title="Log in">Log in</PageHeading>
        {endedReason && !problem && step === 'none' ? <Notice kind="info">{endedReason}</Notice> : null}
        {problem ? <Notice kind="error">{problem.message}</Notice> : null}
        {/* method="post": were scripts ever off, the browser must not put the password in the URL. */}
        {step === 'none' ? (
          <form method="post" onSubmit={submit} noValidate>
            <TextField label="E-mail address" type="email" name="email" autoComplete="username" required
              value={email} onChange={(event) => setEmail(event.target.value)} />
            <TextField label="Password" type="password" name="password" autoComplete="current-password" required
              value={password} onChange={(event) => setPassword(event.target.value)} />
            <button type="submit" className="primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
          </form>
        ) : (
          <form method="post" onSubmit={submit} noValidate aria-label="Two-factor sign-in">
            <p>Signing in as <strong>{email.trim()}</strong>.</p>
            {step === 'code' ? (
              <TextField key="code" label="Code from your authenticator app" name="totpCode" autoComplete="one-time-code"
                inputMode="numeric" maxLength={6} required autoFocus hint="The 6 digits your app shows for Berth now."
                value={code} onChange={(event) => setCode(event.target.value)} />
            ) : (
              <TextField key="recovery" label="Recovery code" name="recoveryCode" autoComplete="off" maxLength={40} required autoFocus
                hint="One of the codes you saved when you turned on two-factor sign-in; each works once."
                value={code} onChange={(event) => setCode(event.target.value)} />
            )}
            <button type="submit" className="primary" disabled={busy}>{busy ? 'Checking…' : 'Log in'}</button>
            <p>
              <button type="button" className="text-button" onClick={() => { setStep(step === 'code' ? 'recovery' : 'code'); setCode(''); setProblem(null); }}>
                {step === 'code' ? 'Use a recovery code instead' : 'Use a code from the app instead'}
              </button>
              {' · '}
              <button type="button" className="text-button" onClick={startOver}>Start over</button>
            </p>
          </form>
        )}
        <p><Link to="/forgot-password">Forgot your password?</Link></p>
        <p>New to Berth? <Link to="/signup">Create an account</Link></p>
      </div>
    </main>
  );
}
