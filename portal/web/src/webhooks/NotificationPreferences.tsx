import { useEffect, useId, useState, type FormEvent } from 'react';
import type { EventType } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { readProblem, type ProblemView } from '../api/problems';
import { Notice } from '../components/Notice';
import { EventTypeChoice } from './eventTypes';

/** The signed-in member's own choice of events sent to them by e-mail. */
export function NotificationPreferencesSection() {
  const api = useApi();
  const id = useId();
  const [email, setEmail] = useState<string | null>(null);
  const [types, setTypes] = useState<EventType[]>([]);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.notifications.getNotificationPreferences().then((preferences) => {
      if (!cancelled) {
        setEmail(preferences.email);
        setTypes([...preferences.eventTypes]);
      }
    }, async (failure) => {
      if (!cancelled) {
        setProblem(await readProblem(failure));
      }
    });
    return () => {
      cancelled = true;
    };
  }, [api]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    setProblem(null);
    try {
      const stored = await api.notifications.putNotificationPreferences({
        notificationPreferencesRequest: { eventTypes: new Set(types) },
      });
      setTypes([...stored.eventTypes]);
      setSaved(true);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel" onSubmit={save} aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>E-mail notifications</h2>
      <p>{email ? <>Sent to <strong>{email}</strong>. </> : null}Each member chooses their own; nothing is sent until you do.</p>
      {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      <EventTypeChoice legend="E-mail me about" name="notification-events" chosen={types} onChange={(next) => {
        setSaved(false);
        setTypes(next);
      }} />
      <button type="submit" disabled={busy || email === null}>{busy ? 'Saving…' : 'Save notifications'}</button>
      {saved ? <span role="status"> Saved.</span> : null}
    </form>
  );
}
