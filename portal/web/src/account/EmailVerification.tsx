import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { useApi, useAuth } from '../auth/AuthProvider';
import { readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';

/** Shown on every signed-in page while the platform waits for this account to confirm its address. */
export function ConfirmAddressReminder() {
  const api = useApi();
  const { me } = useAuth();
  const [sent, setSent] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  if (!me?.emailVerificationRequired) {
    return null;
  }
  const resend = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.account.resendEmailVerification();
      setSent(true);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Notice kind="info">
      Confirm your address: open the link we sent to {me.email}. Until then you can look around, but not create or change
      anything. {sent ? 'A new link is on its way.' : (
        <button type="button" className="link-button" onClick={resend} disabled={busy}>{busy ? 'Sending…' : 'Send the link again'}</button>
      )}
      {problem ? <> {problem.message}</> : null}
    </Notice>
  );
}

/** Where a confirmation link leads (`/verify-email#token=…`); the address is confirmed on a click, not by merely opening the page. */
export function VerifyEmailPage() {
  const api = useApi();
  const { me, reloadMe } = useAuth();
  const location = useLocation();
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';
  const [done, setDone] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.account.confirmEmailVerification({ emailVerificationConfirmation: { token } });
      setDone(true);
      if (me !== null) {
        await reloadMe();
      }
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-large">Berth</p>
        <PageHeading title="Confirm your address">Confirm your address</PageHeading>
        {token === '' ? <Notice kind="error">This page needs the link from the e-mail.</Notice> : done ? (
          <Notice kind="success">Your address is confirmed. <Link to={me ? '/sites' : '/login'}>{me ? 'Go to your sites' : 'Log in'}</Link></Notice>
        ) : (
          <>
            {problem ? <Notice kind="error">{problem.message}</Notice> : null}
            <button type="button" className="primary" onClick={confirm} disabled={busy}>{busy ? 'Confirming…' : 'Confirm my address'}</button>
          </>
        )}
      </div>
    </main>
  );
}
