import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useAuth } from '../auth/AuthProvider';
import { fieldSentence, readProblem, type ProblemView, formProblem } from '../api/problems';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { dnsLabelProblem } from '../siteName';
import { focusFirstInvalid } from '../focusFirstInvalid';

const MIN_PASSWORD = 12;

export function SignupPage() {
  const { signUp } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenantName, setTenantName] = useState('');
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);

  const local = {
    email: /^[^\s@]+@[^\s@]+$/.test(email.trim()) ? null : 'Enter an e-mail address such as you@example.com.',
    password: password.length >= MIN_PASSWORD ? null : `Use at least ${MIN_PASSWORD} characters (${password.length} so far).`,
    tenantName: dnsLabelProblem(tenantName),
  };
  const labels = { email: 'E-mail address', password: 'Password', tenantName: 'Tenant name' };
  const errorFor = (field: keyof typeof local) => {
    const server = problem?.fields[field];
    if (server) {
      return fieldSentence(labels[field], server);
    }
    return touched[field] ? local[field] : null;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setTouched({ email: true, password: true, tenantName: true });
    setProblem(null);
    if (local.email || local.password || local.tenantName) {
      focusFirstInvalid(form);
      return;
    }
    setBusy(true);
    try {
      await signUp(email.trim(), password, tenantName);
      navigate('/sites', { replace: true });
    } catch (failure) {
      setProblem(await readProblem(failure));
      setBusy(false);
      focusFirstInvalid(form);
    }
  };
  const formLevel = formProblem(problem);

  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-large">Berth</p>
        <PageHeading title="Create an account">Create an account</PageHeading>
        {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
        <form method="post" onSubmit={submit} noValidate>
          <TextField label="E-mail address" type="email" name="email" autoComplete="email" required
            value={email} error={errorFor('email')}
            onChange={(event) => {
              setEmail(event.target.value);
              setProblem(null);
            }}
            onBlur={() => setTouched((t) => ({ ...t, email: true }))} />
          <TextField label="Password" type="password" name="password" autoComplete="new-password" required
            hint={`At least ${MIN_PASSWORD} characters.`} value={password} error={errorFor('password')}
            onChange={(event) => {
              setPassword(event.target.value);
              setProblem(null);
            }}
            onBlur={() => setTouched((t) => ({ ...t, password: true }))} />
          <TextField label="Tenant name" name="tenantName" autoComplete="organization" required
            hint="Your team or project: lower-case letters, digits and hyphens." value={tenantName}
            error={errorFor('tenantName')} autoCapitalize="none" spellCheck={false}
            onChange={(event) => {
              setTenantName(event.target.value);
              setTouched((t) => ({ ...t, tenantName: true }));
              setProblem(null);
            }} />
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create account'}</button>
        </form>
        <p>Already have an account? <Link to="/login">Log in</Link></p>
      </div>
    </main>
  );
}
