import type { Quota, Usage } from '@berth/api';
import { useApi, useAuth } from '../auth/AuthProvider';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { UsageBar } from '../components/UsageBar';
import { formatBytes, formatCores, formatDateTime, formatMib } from '../format';

const MIB = 1024 * 1024;

/** Quota against usage; live figures (memory, processes, disk) only when the host reports them. */
export function QuotaUsage({ quota, usage }: { quota: Quota; usage: Usage }) {
  return (
    <div className="usage-list">
      <UsageBar label="Sites" used={usage.sites} limit={quota.maxSites} />
      <UsageBar label="Running sites" used={usage.runningSites} limit={quota.maxRunningSites} />
      {usage.memoryBytes !== undefined ? (
        <UsageBar label="Memory" used={usage.memoryBytes} limit={quota.memoryMib * MIB} format={formatBytes} />
      ) : null}
      {usage.pids !== undefined ? <UsageBar label="Processes" used={usage.pids} limit={quota.pids} /> : null}
      {usage.diskBytes !== undefined ? (
        <UsageBar label="Disk" used={usage.diskBytes} limit={quota.diskMib * MIB} format={formatBytes} />
      ) : null}
    </div>
  );
}

export function QuotaFacts({ quota }: { quota: Quota }) {
  return (
    <dl className="facts">
      <div><dt>CPU</dt><dd>{formatCores(quota.cpuMillicores)}</dd></div>
      <div><dt>Memory</dt><dd>{formatMib(quota.memoryMib)}</dd></div>
      <div><dt>Processes</dt><dd>{quota.pids}</dd></div>
      <div><dt>Disk</dt><dd>{formatMib(quota.diskMib)}</dd></div>
      <div><dt>Largest upload</dt><dd>{formatMib(quota.maxUploadMib)}</dd></div>
      <div><dt>API requests</dt><dd>{quota.apiRequestsPerMinute} per minute</dd></div>
    </dl>
  );
}

export function TenantPage() {
  const api = useApi();
  const { me } = useAuth();
  const tenant = usePoll(() => api.tenant.getTenant(), () => 15000);
  const data = tenant.data;
  return (
    <section>
      <PageHeading title="Tenant">Tenant {data?.name ?? me?.tenantName ?? ''}</PageHeading>
      {tenant.error ? <Notice kind="error">Could not load your tenant. {tenant.error.message}</Notice> : null}
      {data === undefined ? (tenant.error ? null : <p role="status">Loading…</p>) : (
        <>
          <p className="muted">Created {formatDateTime(data.createdAt)} · You are its {me?.role ?? 'member'}.</p>
          <section className="panel" aria-labelledby="usage-heading">
            <h2 id="usage-heading">Usage</h2>
            <QuotaUsage quota={data.quota} usage={data.usage} />
            {data.usage.memoryBytes === undefined ? (
              <p className="muted">Live memory, process and disk figures appear once the host reports them.</p>
            ) : null}
          </section>
          <section className="panel" aria-labelledby="limits-heading">
            <h2 id="limits-heading">Limits</h2>
            <QuotaFacts quota={data.quota} />
            <p className="muted">Platform admins set these limits. Ask yours if you need more.</p>
          </section>
        </>
      )}
    </section>
  );
}
