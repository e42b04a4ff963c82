import { useId, useState, type FormEvent } from 'react';
import type { Tenant } from '@berth/api';
import { useApi } from '../../auth/AuthProvider';
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
