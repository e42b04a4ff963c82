import { useState } from 'react';
import { useApi } from '../../auth/AuthProvider';
import { allPages } from '../../api/pages';
import { usePoll } from '../../hooks/usePoll';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatDateTime } from '../../format';
import { QuotaUsage } from '../TenantPage';
import { QuotaEditor } from './QuotaEditor';

export function AdminTenantsPage() {
  const api = useApi();
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const tenants = usePoll(() => allPages((cursor) => api.admin.adminListTenants({ cursor, limit: 200 })), () => 30000);
  const items = tenants.data ?? [];
  return (
    <section>
      <PageHeading title="All tenants">All tenants</PageHeading>
      {tenants.error ? <Notice kind="error">Could not load the tenants. {tenants.error.message}</Notice> : null}
      {saved ? <Notice kind="success">Quota of {saved} saved.</Notice> : null}
      {tenants.loading ? <p role="status">Loading…</p> : null}
      <ul className="tenant-list" aria-label="Tenants">
        {items.map((tenant) => (
          <li key={tenant.id} className="panel" data-tenant={tenant.name}>
            <div className="site-card-head">
              <h2>{tenant.name}</h2>
              <span className="muted">since {formatDateTime(tenant.createdAt)}</span>
            </div>
            <QuotaUsage quota={tenant.quota} usage={tenant.usage} />
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
