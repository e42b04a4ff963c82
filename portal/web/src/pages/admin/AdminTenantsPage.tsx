import { useId, useState, type FormEvent } from 'react';
import type { Tenant } from '@berth/api';
import { useApi } from '../../auth/AuthProvider';
import { fieldProblem, formProblem, readProblem, type ProblemView } from '../../api/problems';
import { TextField } from '../../components/TextField';
import { allPages } from '../../api/pages';
import { usePoll } from '../../hooks/usePoll';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatDateTime } from '../../format';
import { QuotaUsage } from '../TenantPage';
import { QuotaEditor } from './QuotaEditor';

/**
 * Suspends a tenant with a reason (1 to 500 characters; the tenant sees it), or lifts its
 * suspension. A suspended tenant's writes are refused and its sites answer a "suspended" page.
 */
export function SuspensionControl({ tenant, onChanged }: { tenant: Tenant; onChanged(message: string): void }) {
  const api = useApi();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      setOpen(false);
      setReason('');
      onChanged(message);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  if (tenant.suspendedAt) {
    return (
      <div className="suspension">
        <Notice kind="error">Suspended since {formatDateTime(tenant.suspendedAt)}: {tenant.suspensionReason}</Notice>
        {error ? <Notice kind="error">Could not unsuspend {tenant.name}. {error}</Notice> : null}
        <button type="button" disabled={busy}
          onClick={() => run(() => api.admin.adminUnsuspendTenant({ tenantId: tenant.id }), `${tenant.name} is no longer suspended.`)}>
          Unsuspend {tenant.name}
        </button>
      </div>
    );
  }
  if (!open) {
    return <button type="button" className="danger" onClick={() => setOpen(true)}>Suspend {tenant.name}…</button>;
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = reason.trim();
    if (trimmed.length === 0 || trimmed.length > 500) {
      setError('Give a reason of 1 to 500 characters.');
      return;
    }
    void run(() => api.admin.adminSuspendTenant({ tenantId: tenant.id, suspendTenantRequest: { reason: trimmed } }),
      `${tenant.name} is suspended.`);
  };
  return (
    <form className="confirm" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`}><strong>Suspend {tenant.name}?</strong> Its API writes are refused and its sites answer a
        &ldquo;suspended&rdquo; page; its data is kept.</p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <div className="field">
        <label htmlFor={`${id}-reason`}>Reason (the tenant sees it)</label>
        <textarea id={`${id}-reason`} value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
      </div>
      <button type="submit" className="danger" disabled={busy}>Suspend</button>
      <button type="button" onClick={() => setOpen(false)} disabled={busy}>Cancel</button>
    </form>
  );
}

/**
 * Creates a tenant with the default quota and mails its owner an invitation (the way in when open
 * signup is off): the tenant has no member until the owner accepts.
 */
function CreateTenantForm({ onCreated }: { onCreated(message: string): void }) {
  const api = useApi();
  const [tenantName, setTenantName] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const created = await api.admin.adminCreateTenant({
        createTenantRequest: { tenantName: tenantName.trim(), ownerEmail: ownerEmail.trim() },
      });
      onCreated(`${created.tenant.name} was created; an invitation to own it was mailed to ${created.invitation.email}.`);
      setTenantName('');
      setOwnerEmail('');
    } catch (failure) {
      setProblem(await readProblem(failure));
    } finally {
      setBusy(false);
    }
  };
  const formLevel = formProblem(problem);
  return (
    <section className="panel" aria-labelledby="create-tenant-heading">
      <h2 id="create-tenant-heading">Create a tenant</h2>
      {formLevel ? <Notice kind="error">{formLevel}</Notice> : null}
      <form method="post" onSubmit={submit} noValidate>
        <TextField label="Tenant name" name="tenantName" value={tenantName} maxLength={63}
          error={fieldProblem(problem, 'tenantName', 'Tenant name')} onChange={(event) => setTenantName(event.target.value)} />
        <TextField label="Owner's e-mail address" type="email" name="ownerEmail" value={ownerEmail} maxLength={254}
          error={fieldProblem(problem, 'ownerEmail', "Owner's e-mail address")} onChange={(event) => setOwnerEmail(event.target.value)} />
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create tenant and invite its owner'}</button>
      </form>
    </section>
  );
}

export function AdminTenantsPage() {
  const api = useApi();
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [changed, setChanged] = useState<string | null>(null);
  const tenants = usePoll(() => allPages((cursor) => api.admin.adminListTenants({ cursor, limit: 200 })), () => 30000);
  const items = tenants.data ?? [];
  return (
    <section>
      <PageHeading title="All tenants">All tenants</PageHeading>
      {tenants.error ? <Notice kind="error">Could not load the tenants. {tenants.error.message}</Notice> : null}
      {saved ? <Notice kind="success">Quota of {saved} saved.</Notice> : null}
      {changed ? <Notice kind="success">{changed}</Notice> : null}
      {tenants.loading ? <p role="status">Loading…</p> : null}
      <CreateTenantForm onCreated={(message) => {
        setSaved(null);
        setChanged(message);
        tenants.reload();
      }} />
      <ul className="tenant-list" aria-label="Tenants">
        {items.map((tenant) => (
          <li key={tenant.id} className="panel" data-tenant={tenant.name}>
            <div className="site-card-head">
              <h2>{tenant.name}</h2>
              <span className="muted">since {formatDateTime(tenant.createdAt)}</span>
            </div>
            <QuotaUsage quota={tenant.quota} usage={tenant.usage} />
            <SuspensionControl tenant={tenant} onChanged={(message) => {
              setSaved(null);
              setChanged(message);
              tenants.reload();
            }} />
            {editing === tenant.id ? (
              <QuotaEditor tenantId={tenant.id} tenantName={tenant.name}
                onSaved={() => {
                  setSaved(tenant.name);
                  setEditing(null);
                  tenants.reload();
                }}
                onClose={() => setEditing(null)} />
            ) : (
              <button type="button" onClick={() => {
                setSaved(null);
                setEditing(tenant.id);
              }}>Edit quota of {tenant.name}</button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
