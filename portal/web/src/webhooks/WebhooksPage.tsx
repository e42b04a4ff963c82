import { useId, useState, type FormEvent } from 'react';
import type { CreatedWebhookEndpoint, EventType, WebhookDelivery, WebhookEndpoint } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { fieldSentence, readProblem, type ProblemView, formProblem } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { CopyButton } from '../components/CopyButton';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { formatDateTime } from '../format';
import { focusFirstInvalid } from '../focusFirstInvalid';
import { EventTypeChoice } from './eventTypes';
import { NotificationPreferencesSection } from './NotificationPreferences';

/** The signing secret of a new endpoint, shown this once. */
function NewEndpointSecret({ endpoint, onDone }: { endpoint: CreatedWebhookEndpoint; onDone(): void }) {
  const inputId = useId();
  return (
    <section className="panel panel-secret" aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Endpoint added</h2>
      <p><strong>Copy the signing secret now.</strong> It is shown only this once. Your receiver checks each delivery's
        {' '}<code>webhook-signature</code> with it (Standard Webhooks).</p>
      <div className="secret-row">
        <label htmlFor={inputId} className="visually-hidden">Signing secret</label>
        <input id={inputId} readOnly value={endpoint.secret} className="secret" onFocus={(event) => event.target.select()} />
        <CopyButton text={endpoint.secret} fallbackInputId={inputId} />
      </div>
      <button type="button" onClick={onDone}>I have saved it</button>
    </section>
  );
}

function AddEndpointForm({ onCreated }: { onCreated(endpoint: CreatedWebhookEndpoint): void }) {
  const api = useApi();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<EventType[]>(['deploy.live', 'deploy.failed']);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!/^https?:\/\/\S+$/i.test(url.trim())) {
      local.url = 'Enter the address of your receiver, such as https://ci.example.com/berth.';
    }
    if (types.length === 0) {
      local.eventTypes = 'Choose at least one event.';
    }
    if (Object.keys(local).length > 0) {
      setProblem({ status: null, type: null, message: '', fields: local });
      focusFirstInvalid(event.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const created = await api.webhooks.createWebhookEndpoint({
        createWebhookEndpointRequest: { url: url.trim(), description: description.trim(), eventTypes: new Set(types) },
      });
      setUrl('');
      setDescription('');
      onCreated(created);
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string, label: string) => {
    const key = Object.keys(problem?.fields ?? {}).find((name) => name === field || name.startsWith(`${field}[`));
    const message = key ? problem?.fields[key] : undefined;
    return message ? (problem?.status ? fieldSentence(label, message) : message) : null;
  };
  const formLevel = formProblem(problem);
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Add an endpoint</h2>
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      <TextField label="URL" name="url" value={url} maxLength={2000} autoCapitalize="none"
        hint="https, reachable from the Internet; Berth refuses private and loopback addresses unless the operator allows them."
        error={fieldError('url', 'URL')} onChange={(event) => setUrl(event.target.value)} />
      <TextField label="Description (optional)" name="description" value={description} maxLength={500}
        error={fieldError('description', 'Description')} onChange={(event) => setDescription(event.target.value)} />
      <EventTypeChoice legend="Events it receives" name="endpoint-events" chosen={types} onChange={setTypes}
        error={fieldError('eventTypes', 'Events')} />
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Adding…' : 'Add endpoint'}</button>
    </form>
  );
}

const STATUS_WORDS: Record<string, string> = { pending: 'Pending', succeeded: 'Delivered', failed: 'Failed' };

function DeliveryRow({ endpoint, delivery, onRedelivered }: { endpoint: WebhookEndpoint; delivery: WebhookDelivery; onRedelivered(): void }) {
  const api = useApi();
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [busy, setBusy] = useState(false);
  const redeliver = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.webhooks.redeliverWebhookDelivery({ endpointId: endpoint.id, deliveryId: delivery.id });
      onRedelivered();
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-delivery={delivery.id}>
      <td><code>{delivery.eventType}</code></td>
      <td><span className={`badge badge-${delivery.status}`}>{STATUS_WORDS[delivery.status] ?? delivery.status}</span></td>
      <td>{delivery.attempts}</td>
      <td>{delivery.responseStatus ?? '—'}</td>
      <td>{delivery.lastError ?? (delivery.nextAttemptAt && delivery.status === 'pending' ? `next at ${formatDateTime(delivery.nextAttemptAt)}` : '')}</td>
      <td>{formatDateTime(delivery.createdAt)}</td>
      <td>
        {delivery.status === 'pending' ? null : (
          <button type="button" onClick={redeliver} disabled={busy} aria-label={`Redeliver ${delivery.eventType} of ${formatDateTime(delivery.createdAt)}`}>
            {busy ? 'Sending…' : 'Redeliver'}
          </button>
        )}
        {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      </td>
    </tr>
  );
}

function Deliveries({ endpoint, version }: { endpoint: WebhookEndpoint; version: number }) {
  const api = useApi();
  const [bump, setBump] = useState(0);
  const deliveries = usePoll(() => api.webhooks.listWebhookDeliveries({ endpointId: endpoint.id, limit: 20 }),
    (data) => (data?.items.some((d) => d.status === 'pending') ? 1500 : 15000), `${endpoint.id}-${version}-${bump}`);
  const items = deliveries.data?.items ?? [];
  return (
    <div className="deliveries">
      {deliveries.error ? <Notice kind="error">Could not load the deliveries. {deliveries.error.message}</Notice> : null}
      {!deliveries.loading && items.length === 0 && !deliveries.error ? <p>No deliveries yet.</p> : null}
      {items.length > 0 ? (
        <table aria-label={`Deliveries to ${endpoint.url}`}>
          <thead>
            <tr><th>Event</th><th>Status</th><th>Attempts</th><th>Answer</th><th>Details</th><th>Queued</th><th /></tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <DeliveryRow key={delivery.id} endpoint={endpoint} delivery={delivery} onRedelivered={() => setBump((n) => n + 1)} />
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function EndpointCard({ endpoint, onDeleted }: { endpoint: WebhookEndpoint; onDeleted(): void }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const [tested, setTested] = useState(false);
  const test = async () => {
    setProblem(null);
    try {
      await api.webhooks.testWebhookEndpoint({ endpointId: endpoint.id });
      setTested(true);
      setOpen(true);
      setVersion((n) => n + 1);
    } catch (failure) {
      setProblem(await readProblem(failure));
    }
  };
  const remove = async () => {
    try {
      await api.webhooks.deleteWebhookEndpoint({ endpointId: endpoint.id });
      onDeleted();
    } catch (failure) {
      setProblem(await readProblem(failure));
    }
  };
  return (
    <li className="token-card" data-endpoint={endpoint.url}>
      <div className="token-head">
        <h3>{endpoint.description || endpoint.url}</h3>
        {endpoint.enabled ? null : <span className="badge">disabled</span>}
      </div>
      <dl className="facts">
        <div><dt>URL</dt><dd><code>{endpoint.url}</code></dd></div>
        <div><dt>Events</dt><dd>{endpoint.eventTypes.join(', ')}</dd></div>
        <div><dt>Added</dt><dd>{formatDateTime(endpoint.createdAt)}</dd></div>
      </dl>
      {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      {tested ? <Notice kind="success">Test event sent to {endpoint.url}.</Notice> : null}
      <div className="button-row">
        <button type="button" onClick={test}>Send a test event</button>
        <button type="button" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
          {open ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        {confirming ? (
          <span role="group" aria-label={`Remove ${endpoint.url}?`}>
            <button type="button" className="danger" onClick={remove} autoFocus>Remove endpoint</button>
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
          </span>
        ) : <button type="button" onClick={() => setConfirming(true)}>Remove…</button>}
      </div>
      {open ? <Deliveries endpoint={endpoint} version={version} /> : null}
    </li>
  );
}

export function WebhooksPage() {
  const api = useApi();
  const [created, setCreated] = useState<CreatedWebhookEndpoint | null>(null);
  const endpoints = usePoll(() => api.webhooks.listWebhookEndpoints({}), () => null);
  const items = endpoints.data?.items ?? [];
  return (
    <section>
      <PageHeading title="Webhooks">Webhooks</PageHeading>
      <p>Berth sends your tenant's events (sites, deploys, certificates, quota) to these endpoints, signed per the
        Standard Webhooks specification, and retries a failed delivery for 24 hours.</p>
      {created ? <NewEndpointSecret endpoint={created} onDone={() => setCreated(null)} /> : (
        <AddEndpointForm onCreated={(endpoint) => {
          setCreated(endpoint);
          endpoints.reload();
        }} />
      )}
      <h2>Endpoints</h2>
      {endpoints.error ? <Notice kind="error">Could not load the endpoints. {endpoints.error.message}</Notice> : null}
      {endpoints.loading ? <p role="status">Loading…</p> : null}
      {!endpoints.loading && items.length === 0 && !endpoints.error ? <p>No endpoints yet.</p> : null}
      <ul className="token-list" aria-label="Endpoints">
        {items.map((endpoint) => <EndpointCard key={endpoint.id} endpoint={endpoint} onDeleted={endpoints.reload} />)}
      </ul>
      <NotificationPreferencesSection />
    </section>
  );
}
