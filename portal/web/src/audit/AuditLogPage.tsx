import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AuditEntry, AuditList } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { allPages } from '../api/pages';
import { fieldProblem, readProblem, type ProblemView } from '../api/problems';
import { usePoll } from '../hooks/usePoll';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { TextField } from '../components/TextField';
import { formatPreciseDateTime } from '../format';

/** Entries per page; the API allows up to 200. */
export const AUDIT_PAGE_SIZE = 50;

const OUTCOME_WORDS: Record<AuditEntry['outcome'], string> = {
  success: 'Done',
  failure: 'Failed',
  denied: 'Refused',
};

/**
 * The log read page by page, newest first: `load(undefined)` is the first page, `load(cursor)` the
 * next. `restart` (with a new `load`) begins again; `more` appends the next page.
 */
function useAuditPages() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<ProblemView | null>(null);
  const loadRef = useRef<(cursor?: string) => Promise<AuditList>>(() => Promise.resolve({ items: [] }));
  // Only the latest request may show its answer (filters can change while one is on its way).
  const generation = useRef(0);

  const fetchPage = useCallback(async (cursor: string | undefined, append: boolean) => {
    const mine = ++generation.current;
    setLoading(true);
    setProblem(null);
    try {
      const page = await loadRef.current(cursor);
      if (mine !== generation.current) {
        return;
      }
      setEntries((shown) => (append && shown ? [...shown, ...page.items] : page.items));
      setNextCursor(page.nextCursor || undefined);
    } catch (failure) {
      if (mine === generation.current) {
        setProblem(await readProblem(failure));
      }
    } finally {
      if (mine === generation.current) {
        setLoading(false);
      }
    }
  }, []);

  const restart = useCallback((load: (cursor?: string) => Promise<AuditList>) => {
    loadRef.current = load;
    void fetchPage(undefined, false);
  }, [fetchPage]);
  const more = useCallback(() => {
    void fetchPage(nextCursor, true);
  }, [fetchPage, nextCursor]);
  return { entries, nextCursor, loading, problem, restart, more };
}

function actorOf(entry: AuditEntry): string {
  if (entry.actorType === 'anonymous') {
    return entry.actorLabel ? `${entry.actorLabel} (not signed in)` : 'Not signed in';
  }
  const label = entry.actorLabel ?? entry.actorId ?? '—';
  return entry.actorType === 'token' ? `${label} (access token)` : label;
}

/** The entries as a table; `tenantNames` adds the Tenant column (the platform-wide log). */
function AuditTable({ entries, tenantNames }: { entries: AuditEntry[]; tenantNames?: Map<string, string> }) {
  if (entries.length === 0) {
    return <p>No entry matches.</p>;
  }
  return (
    <div className="table-scroll" role="region" aria-label="Audit entries" tabIndex={0}>
      <table aria-label="Audit log">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            {tenantNames ? <th scope="col">Tenant</th> : null}
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Detail</th>
            <th scope="col">From</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-action={entry.action} data-outcome={entry.outcome}>
              <td>{formatPreciseDateTime(entry.time)}</td>
              <td>{actorOf(entry)}</td>
              {tenantNames ? <td>{entry.tenantId ? tenantNames.get(entry.tenantId) ?? entry.tenantId : '—'}</td> : null}
              <td><code>{entry.action}</code></td>
              {/* A tenant's own id as target (a suspension) reads better as its name. */}
              <td>{entry.target ? tenantNames?.get(entry.target) ?? entry.target : '—'}</td>
              <td className={entry.outcome === 'success' ? undefined : 'error-cell'}>
                {OUTCOME_WORDS[entry.outcome]}{entry.status ? ` (${entry.status})` : ''}
              </td>
              <td>{entry.detail ?? '—'}</td>
              <td>{entry.clientAddress ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What the list shows under it: how many entries, and the way to older ones. */
function Paging({ count, hasMore, loading, onMore }: { count: number; hasMore: boolean; loading: boolean; onMore(): void }) {
  return (
    <div className="button-row">
      <span className="muted" aria-live="polite">
        {count === 1 ? '1 entry shown' : `${count} entries shown`}{hasMore ? ', older ones follow' : ''}
      </span>
      {hasMore ? <button type="button" disabled={loading} onClick={onMore}>{loading ? 'Loading…' : 'Show older entries'}</button> : null}
    </div>
  );
}

/** The tenant's own log (owners and admins): every change its members and tokens made, newest first. */
export function TenantAuditPage() {
  const api = useApi();
  const pages = useAuditPages();
  const { restart } = pages;
  useEffect(() => {
    restart((cursor) => api.audit.listAudit({ cursor, limit: AUDIT_PAGE_SIZE }));
  }, [api, restart]);
  return (
    <section>
      <PageHeading title="Audit log">Audit log</PageHeading>
      <p className="muted">Every change made in your tenant, by its members, their tokens and the platform&apos;s operators, newest first.</p>
      {pages.problem ? <Notice kind="error">Could not load the audit log. {pages.problem.message}</Notice> : null}
      {pages.entries === null && pages.loading ? <p role="status">Loading…</p> : null}
      {pages.entries ? (
        <>
          <AuditTable entries={pages.entries} />
          <Paging count={pages.entries.length} hasMore={pages.nextCursor !== undefined} loading={pages.loading} onMore={pages.more} />
        </>
      ) : null}
    </section>
  );
}

interface AuditFilters {
  tenantId: string;
  actorId: string;
  action: string;
  /** `datetime-local` values: the browser's local time, no zone. */
  since: string;
  until: string;
}

const NO_FILTERS: AuditFilters = { tenantId: '', actorId: '', action: '', since: '', until: '' };

/** A `datetime-local` value as the API's RFC 3339 UTC time, or undefined when empty. */
export function localToUtc(value: string): string | undefined {
  return value === '' ? undefined : new Date(value).toISOString();
}

/** The form's own checks, worded like the API's field problems. */
function checkFilters(filters: AuditFilters): ProblemView | null {
  const fields: Record<string, string> = {};
  if (filters.action !== '' && !/^[A-Za-z]{1,64}$/.test(filters.action.trim())) {
    fields.action = 'The action is an operation name of letters only, for example adminSuspendTenant.';
  }
  if (filters.since !== '' && filters.until !== '' && new Date(filters.until) <= new Date(filters.since)) {
    fields.until = '"Until" must be after "Since".';
  }
  return Object.keys(fields).length === 0 ? null : { status: null, type: null, message: 'Correct the filters.', fields };
}

/**
 * The platform-wide log (platform admins): filtered by tenant, actor, action and time, newest first,
 * older entries a page at a time with the API's cursor (the same filters go with it).
 */
export function AdminAuditPage() {
  const api = useApi();
  const id = useId();
  const pages = useAuditPages();
  const { restart } = pages;
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [formProblem, setFormProblem] = useState<ProblemView | null>(null);
  const tenants = usePoll(() => allPages((cursor) => api.admin.adminListTenants({ cursor, limit: 200 })), () => null);
  const users = usePoll(() => allPages((cursor) => api.adminUsers.adminListUsers({ cursor, limit: 200 })), () => null);
  const tenantNames = new Map((tenants.data ?? []).map((tenant) => [tenant.id, tenant.name]));

  const apply = useCallback((chosen: AuditFilters) => {
    const query = {
      tenantId: chosen.tenantId || undefined,
      actorId: chosen.actorId || undefined,
      action: chosen.action.trim() || undefined,
      since: localToUtc(chosen.since),
      until: localToUtc(chosen.until),
    };
    restart((cursor) => api.admin.adminListAudit({ ...query, cursor, limit: AUDIT_PAGE_SIZE }));
  }, [api, restart]);
  useEffect(() => {
    apply(NO_FILTERS);
  }, [apply]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const problem = checkFilters(filters);
    setFormProblem(problem);
    if (problem === null) {
      apply(filters);
    }
  };
  const onClear = () => {
    setFilters(NO_FILTERS);
    setFormProblem(null);
    apply(NO_FILTERS);
  };
  const set = (field: keyof AuditFilters) => (event: { target: { value: string } }) => setFilters({ ...filters, [field]: event.target.value });
  // The form's own problem first; then the API's refusal of a filter, at its field.
  const shownProblem = formProblem ?? (pages.problem && Object.keys(pages.problem.fields).length > 0 ? pages.problem : null);
  const fieldError = (field: string, label: string) => fieldProblem(shownProblem, field, label);

  return (
    <section>
      <PageHeading title="Platform audit log">Platform audit log</PageHeading>
      <form className="panel" aria-label="Filter the audit log" onSubmit={onSubmit} noValidate>
        <div className="quota-grid">
          <div className="field">
            <label htmlFor={`${id}-tenant`}>Tenant</label>
            <select id={`${id}-tenant`} value={filters.tenantId} onChange={set('tenantId')}>
              <option value="">Every tenant</option>
              {[...(tenants.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)).map((tenant) => (
                <option key={tenant.id} value={tenant.id}>{tenant.name}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-actor`}>Who</label>
            <select id={`${id}-actor`} value={filters.actorId} onChange={set('actorId')}>
              <option value="">Anyone</option>
              {[...(users.data ?? [])].sort((a, b) => a.email.localeCompare(b.email)).map((user) => (
                <option key={user.id} value={user.id}>{user.email}</option>
              ))}
            </select>
          </div>
          <TextField label="Action" name="action" value={filters.action} maxLength={64} autoCapitalize="none" spellCheck={false}
            hint="An operation name, for example adminSuspendTenant." error={fieldError('action', 'Action')} onChange={set('action')} />
          <TextField label="Since" name="since" type="datetime-local" value={filters.since} error={fieldError('since', 'Since')}
            onChange={set('since')} />
          <TextField label="Until" name="until" type="datetime-local" value={filters.until} error={fieldError('until', 'Until')}
            onChange={set('until')} />
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={pages.loading}>Show entries</button>
          <button type="button" onClick={onClear} disabled={pages.loading}>Clear filters</button>
        </div>
      </form>
      {pages.problem && Object.keys(pages.problem.fields).length === 0
        ? <Notice kind="error">Could not load the audit log. {pages.problem.message}</Notice> : null}
      {tenants.error ? <Notice kind="error">Could not load the tenants to choose from. {tenants.error.message}</Notice> : null}
      {pages.entries === null && pages.loading ? <p role="status">Loading…</p> : null}
      {pages.entries ? (
        <>
          <AuditTable entries={pages.entries} tenantNames={tenantNames} />
          <Paging count={pages.entries.length} hasMore={pages.nextCursor !== undefined} loading={pages.loading} onMore={pages.more} />
        </>
      ) : null}
    </section>
  );
}
